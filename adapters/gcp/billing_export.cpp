#include "adapters/gcp/billing_export.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::gcp {
namespace {

// Output columns of the month query, in SELECT order; the CSV header uses the same names (those
// the gcp reader knows).
struct OutputColumn {
  const char* expression;
  const char* name;
  bool grouped;
  bool detailed_only;
};

constexpr OutputColumn kMonthColumns[] = {
    {"billing_account_id", "billing_account_id", true, false},
    {"FORMAT_DATE('%Y-%m-%d', DATE(usage_start_time))", "usage_start_time", true, false},
    {"invoice.month", "invoice_month", true, false},
    {"cost_type", "cost_type", true, false},
    {"currency", "currency", true, false},
    {"service.description", "service_description", true, false},
    {"sku.id", "sku_id", true, false},
    {"sku.description", "sku_description", true, false},
    {"project.id", "project_id", true, false},
    {"project.name", "project_name", true, false},
    {"location.region", "location_region", true, false},
    {"resource.name", "resource_name", true, true},
    {"resource.global_name", "resource_global_name", true, true},
    {"usage.unit", "usage_unit", true, false},
    {"TO_JSON_STRING(labels)", "labels", true, false},
    {"SUM(cost)", "cost", false, false},
    {"SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0))", "credits_amount", false, false},
    {"SUM(usage.amount)", "usage_amount", false, false},
};

bool plain_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

std::string period_of_invoice_month(const std::string& m) {
  return m.size() == 6 ? m.substr(0, 4) + "-" + m.substr(4, 2) : m;
}

// Streams the month query's pages as CSV.
class MonthCsvSource final : public ingest::ByteSource {
 public:
  MonthCsvSource(QueryCursor cursor, std::vector<std::string> header, std::shared_ptr<QueryStats> stats_out)
      : cursor_(std::move(cursor)), header_(std::move(header)), stats_out_(std::move(stats_out)) {}

  std::size_t read(char* into, std::size_t capacity) override {
    while (pos_ == buffer_.size()) {
      if (done_) return 0;
      refill();
    }
    std::size_t n = std::min(capacity, buffer_.size() - pos_);
    std::memcpy(into, buffer_.data() + pos_, n);
    pos_ += n;
    produced_ += n;
    return n;
  }
  std::uint64_t raw_bytes_read() const override { return produced_; }

 private:
  void refill() {
    buffer_.clear();
    pos_ = 0;
    if (!header_written_) {
      header_written_ = true;
      buffer_ = text::join(header_, ",") + "\n";
      return;
    }
    QueryPage page;
    if (!cursor_.next_page(page)) {
      done_ = true;
      *stats_out_ = cursor_.stats();
      return;
    }
    for (const auto& row : page.rows) {
      for (std::size_t i = 0; i < header_.size(); ++i) {
        if (i) buffer_ += ',';
        const auto& cell = i < row.size() ? row[i] : std::optional<std::string>();
        if (cell) text::append_csv_field(buffer_, *cell, cell->find_first_of(",\"\r\n") != std::string::npos);
      }
      buffer_ += '\n';
    }
  }

  QueryCursor cursor_;
  std::vector<std::string> header_;
  std::shared_ptr<QueryStats> stats_out_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::uint64_t produced_ = 0;
  bool header_written_ = false, done_ = false;
};

}  // namespace

BillingExportOptions billing_export_options(BigQueryTable table) {
  BillingExportOptions o;
  o.detailed = table.table.starts_with("gcp_billing_export_resource_v1_");
  o.job_project = table.project;
  o.table = std::move(table);
  return o;
}

std::int64_t watermark_of(const std::vector<std::string>& versions) {
  std::int64_t best = 0;
  for (const auto& v : versions)
    if (auto n = text::parse_int(v); n && *n > best) best = *n;
  return best;
}

BillingExport::BillingExport(BigQueryClient& client, BillingExportOptions options, const Clock& clock)
    : client_(client), options_(std::move(options)), clock_(clock) {
  if (options_.job_project.empty()) options_.job_project = options_.table.project;
  if (!plain_identifier(options_.partition_column))
    throw invalid_input("the partition column \"" + options_.partition_column.substr(0, 60) +
                        "\" is not a plain column name (letters, digits, _ and .)");
}

std::string BillingExport::changed_months_sql() const {
  return "SELECT invoice.month AS invoice_month, MAX(export_time) AS max_export_time, COUNT(*) AS row_count\n"
         "FROM " + options_.table.sql_name() + "\n"
         "WHERE " + options_.partition_column + " >= TIMESTAMP(@partition_from)\n"
         "  AND export_time > TIMESTAMP_MICROS(@since_us)\n"
         "GROUP BY invoice_month\nORDER BY invoice_month";
}

std::string BillingExport::month_sql() const {
  std::string select, group;
  int position = 0;
  for (const auto& c : kMonthColumns) {
    if (c.detailed_only && !options_.detailed) continue;
    ++position;
    select += std::string(select.empty() ? "SELECT " : ",\n       ") + c.expression + " AS " + c.name;
    if (c.grouped) group += (group.empty() ? "" : ", ") + std::to_string(position);
  }
  return select + "\nFROM " + options_.table.sql_name() + "\n"
         "WHERE invoice.month = @invoice_month\n"
         "  AND " + options_.partition_column + " >= TIMESTAMP(@partition_from)\n"
         "GROUP BY " + group + "\n"
         // A fixed order, so a read that broke can be resumed by running the query again.
         "ORDER BY " + group;
}

ChangeScan BillingExport::changed_months(std::int64_t watermark_us) {
  ChangeScan scan;
  Day from;
  if (watermark_us > 0) {
    from = day_of(watermark_us / 1000000) - std::chrono::days(options_.lookback_days);
  } else if (history_from_) {
    from = *history_from_;
  } else {
    auto month = first_of_month(clock_.today());
    for (int i = 0; i < options_.history_months - 1; ++i) month = first_of_month(month - std::chrono::days(1));
    from = month;
  }
  scan.partition_from = format_day(from);
  QueryRequest request;
  request.sql = changed_months_sql();
  request.parameters = {{"partition_from", "DATE", scan.partition_from}, {"since_us", "INT64", std::to_string(watermark_us)}};
  request.job_project = options_.job_project;
  request.location = options_.location;
  request.maximum_bytes_billed = options_.maximum_bytes_billed;
  request.what = "changed months of " + options_.table.display() + " (partitions from " + scan.partition_from + ")";
  scan.stats = client_.run(request, [&](const QueryPage& page) {
    auto col = [&](const char* name) {
      auto it = std::find(page.fields.begin(), page.fields.end(), name);
      if (it == page.fields.end()) throw invalid_input(request.what + ": the answer has no column " + name);
      return static_cast<std::size_t>(it - page.fields.begin());
    };
    auto month = col("invoice_month"), max_export = col("max_export_time"), count = col("row_count");
    for (const auto& row : page.rows) {
      ChangedMonth m;
      if (month >= row.size() || !row[month]) continue;  // rows without an invoice month cannot be placed
      m.invoice_month = *row[month];
      m.period = period_of_invoice_month(m.invoice_month);
      m.version = max_export < row.size() && row[max_export] ? *row[max_export] : "0";
      m.rows = count < row.size() && row[count] ? text::parse_int(*row[count]).value_or(0) : 0;
      scan.months.push_back(std::move(m));
    }
  });
  std::sort(scan.months.begin(), scan.months.end(), [](const auto& a, const auto& b) { return a.invoice_month < b.invoice_month; });
  return scan;
}

std::unique_ptr<ingest::ByteSource> BillingExport::month_csv(const std::string& invoice_month) {
  if (invoice_month.size() != 6 || invoice_month.find_first_not_of("0123456789") != std::string::npos)
    throw invalid_input("\"" + invoice_month.substr(0, 20) + "\" is not an invoice month (YYYYMM)");
  auto first = parse_day(invoice_month.substr(0, 4) + "-" + invoice_month.substr(4, 2) + "-01");
  if (!first) throw invalid_input("\"" + invoice_month + "\" is not an invoice month (YYYYMM)");
  QueryRequest request;
  request.sql = month_sql();
  // Usage of an invoice month starts at most a day or so before the month in UTC (invoices follow
  // Pacific time); late credits and adjustments land later, so there is no upper bound.
  request.parameters = {{"invoice_month", "STRING", invoice_month},
                        {"partition_from", "DATE", format_day(*first - std::chrono::days(2))}};
  request.job_project = options_.job_project;
  request.location = options_.location;
  request.maximum_bytes_billed = options_.maximum_bytes_billed;
  request.max_results = options_.page_rows;
  request.what = "month " + invoice_month + " of " + options_.table.display();
  std::vector<std::string> header;
  for (const auto& c : kMonthColumns)
    if (!c.detailed_only || options_.detailed) header.push_back(c.name);
  return std::make_unique<MonthCsvSource>(client_.start(std::move(request)), std::move(header), last_month_stats_);
}

}  // namespace costbot::gcp
