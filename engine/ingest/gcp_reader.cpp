// GCP BigQuery billing export (gcp_billing_export_v1_* / gcp_billing_export_resource_v1_*), as CSV
// (nested fields flattened as service.description or service_description; labels and credits as
// JSON) or as newline-delimited JSON (BigQuery's JSON export: nested objects and arrays as is).
// BilledCost and EffectiveCost are cost + SUM(credits.amount) (credits are negative), as Google's
// own FOCUS view computes them; ListCost is cost_at_list when the export has it.
#include <boost/json.hpp>

#include <cstring>

#include "engine/ingest/csv_rows.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {
namespace {

namespace json = boost::json;

// invoice.month is YYYYMM ("202409"); YYYY-MM is accepted too.
std::optional<Day> parse_invoice_month(std::string_view s) {
  s = text::trim(s);
  std::string iso;
  if (s.size() == 6) iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-01";
  else if (s.size() == 7 && s[4] == '-') iso = std::string(s) + "-01";
  else return std::nullopt;
  return parse_day(iso);
}

std::string_view gcp_charge_category(std::string_view cost_type) {
  if (cost_type.empty() || cost_type == "regular") return "Usage";
  if (cost_type == "tax") return "Tax";
  return "Adjustment";  // adjustment, rounding_error
}

double number_of(const json::value& v, bool& ok) {
  ok = true;
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_string()) {
    if (auto d = parse_amount(v.get_string())) return *d;
  }
  if (v.is_null()) return 0;
  ok = false;
  return 0;
}

// Sum of credits[].amount; false when the value is not an array of credit objects.
bool sum_credits(const json::value& credits, double& sum) {
  sum = 0;
  if (credits.is_null()) return true;
  if (!credits.is_array()) return false;
  for (const auto& c : credits.get_array()) {
    if (!c.is_object()) return false;
    const auto* amount = c.get_object().if_contains("amount");
    if (!amount) continue;
    bool ok;
    sum += number_of(*amount, ok);
    if (!ok) return false;
  }
  return true;
}

class GcpCsvReader final : public CsvRows {
 public:
  GcpCsvReader(std::unique_ptr<ByteSource> source, const std::string& name)
      : CsvRows(std::move(source), name, "a GCP billing export CSV") {
    read_header();
    account_ = required({"billing_account_id"});
    start_ = required({"usage_start_time"});
    cost_ = required({"cost"});
    currency_ = required({"currency"});
    invoice_ = required({"invoice.month", "invoice_month"});
    check_required();
    service_ = column({"service.description", "service_description"});
    sku_ = column({"sku.id", "sku_id"});
    sku_description_ = column({"sku.description", "sku_description"});
    project_ = column({"project.id", "project_id"});
    project_name_ = column({"project.name", "project_name"});
    region_ = column({"location.region", "location_region"});
    resource_ = column({"resource.global_name", "resource_global_name", "resource.name", "resource_name"});
    resource_name_ = column({"resource.name", "resource_name"});
    usage_amount_ = column({"usage.amount", "usage_amount"});
    usage_unit_ = column({"usage.unit", "usage_unit"});
    cost_type_ = column({"cost_type"});
    cost_at_list_ = column({"cost_at_list"});
    credits_ = column({"credits"});
    credits_amount_ = column({"credits.amount", "credits_amount"});
    labels_ = column({"labels"});
  }

 private:
  bool map_row() override {
    auto& r = record_;
    double cost = 0, credits = 0;
    if (!number(cost_, cost, true) || !number(usage_amount_, r.consumed_quantity) ||
        !number(cost_at_list_, r.list_cost) || !number(credits_amount_, credits) || !instant(start_, r.charge_start))
      return false;
    if (present(credits_)) {
      std::string_view raw = text(credits_);
      json::error_code ec;
      auto parsed = json::parse(raw, ec);
      double sum = 0;
      if (ec || !sum_credits(parsed, sum)) return reject("credits: expected a JSON array of credits, got invalid JSON");
      credits += sum;
    }
    auto month = parse_invoice_month(text(invoice_));
    if (!month) return reject(header_name(invoice_) + ": expected a month such as 202409");
    r.billing_period_start = *month;
    r.provider = "Google Cloud";
    r.billing_account_id = text(account_);
    r.currency = text(currency_);
    if (r.billing_account_id.empty()) return reject("billing_account_id is empty");
    if (r.currency.empty()) return reject("currency is empty");
    r.billed_cost = r.effective_cost = cost + credits;
    r.contracted_cost = cost;
    if (!present(cost_at_list_)) r.list_cost = cost;
    r.charge_category = gcp_charge_category(text(cost_type_));
    r.service_name = text(service_);
    r.sku_id = text(sku_);
    r.usage_type = text(sku_description_);
    r.sub_account_id = text(project_);
    r.sub_account_name = text(project_name_);
    r.region = text(region_);
    r.resource_id = text(resource_);
    r.resource_name = text(resource_name_);
    r.consumed_unit = text(usage_unit_);
    r.tags = text(labels_);
    if (r.tags.empty()) r.tag_format = TagFormat::none;
    else r.tag_format = r.tags.front() == '[' ? TagFormat::key_value_list : TagFormat::json_object;
    return true;
  }

  int account_, start_, cost_, currency_, invoice_, service_, sku_, sku_description_, project_, project_name_,
      region_, resource_, resource_name_, usage_amount_, usage_unit_, cost_type_, cost_at_list_, credits_,
      credits_amount_, labels_;
};

class GcpJsonReader final : public RecordReader {
 public:
  GcpJsonReader(std::unique_ptr<ByteSource> source, const std::string& name)
      : source_(std::move(source)), name_(name), buffer_(1 << 20) {}

  bool next() override {
    std::string_view line;
    for (;;) {
      if (!next_line(line)) return false;
      if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
      if (text::trim(line).empty()) continue;
      break;
    }
    ++rows_;
    error_.clear();
    record_ = CostRecord{};
    raw_ = line;
    json::error_code ec;
    value_ = json::parse(line, ec);
    if (ec || !value_.is_object()) {
      if (rows_ == 1) throw invalid_input(name_ + ":" + std::to_string(line_) + ": not newline-delimited JSON (" +
                                          (ec ? ec.message() : std::string("expected an object")) + ")");
      reject(ec ? "not valid JSON: " + ec.message() : "expected a JSON object");
      return true;
    }
    map_row();
    return true;
  }
  const CostRecord& record() const override { return record_; }
  const std::string& error() const override { return error_; }
  std::int64_t line() const override { return line_; }
  std::string_view raw() const override { return raw_; }

 private:
  // Lines are split in a reusable buffer, like the CSV reader, so memory stays flat.
  bool next_line(std::string_view& out) {
    for (;;) {
      const char* nl = begin_ < end_ ? static_cast<const char*>(std::memchr(buffer_.data() + begin_, '\n', end_ - begin_))
                                     : nullptr;
      if (nl || (eof_ && begin_ < end_)) {
        std::size_t stop = nl ? static_cast<std::size_t>(nl - buffer_.data()) : end_;
        out = std::string_view(buffer_.data() + begin_, stop - begin_);
        if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
        begin_ = nl ? stop + 1 : end_;
        line_ = next_line_++;
        return true;
      }
      if (eof_) return false;
      if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (end_ == buffer_.size()) {
        if (buffer_.size() >= CsvReader::kMaxRecordBytes)
          throw invalid_input(name_ + ":" + std::to_string(next_line_) + ": a line is longer than 64 MB");
        buffer_.resize(buffer_.size() * 2);
      }
      std::size_t n = source_->read(buffer_.data() + end_, buffer_.size() - end_);
      if (n == 0) eof_ = true;
      end_ += n;
    }
  }

  const json::value* at(std::string_view pointer) const {
    json::error_code ec;
    const json::value* v = value_.find_pointer(pointer, ec);
    return ec ? nullptr : v;
  }
  std::string_view str(std::string_view pointer) const {
    const auto* v = at(pointer);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
  }
  bool number(std::string_view pointer, double& out, bool required = false) {
    const auto* v = at(pointer);
    if (!v || v->is_null()) {
      out = 0;
      return !required || reject(std::string(pointer.substr(1)) + " is missing");
    }
    bool ok;
    out = number_of(*v, ok);
    return ok || reject(std::string(pointer.substr(1)) + ": expected a number");
  }
  bool reject(std::string reason) {
    if (error_.empty()) error_ = std::move(reason);
    return false;
  }

  bool map_row() {
    auto& r = record_;
    double cost = 0, credits = 0;
    if (!number("/cost", cost, true) || !number("/usage/amount", r.consumed_quantity) ||
        !number("/cost_at_list", r.list_cost))
      return false;
    if (const auto* c = at("/credits"); c && !sum_credits(*c, credits))
      return reject("credits: expected an array of credits");
    auto start = parse_billing_instant(str("/usage_start_time"));
    if (!start) return reject("usage_start_time: expected a timestamp such as 2024-09-18 22:00:00 UTC");
    r.charge_start = *start;
    auto month = parse_invoice_month(str("/invoice/month"));
    if (!month) return reject("invoice.month: expected a month such as 202409");
    r.billing_period_start = *month;
    r.provider = "Google Cloud";
    r.billing_account_id = str("/billing_account_id");
    r.currency = str("/currency");
    if (r.billing_account_id.empty()) return reject("billing_account_id is missing");
    if (r.currency.empty()) return reject("currency is missing");
    r.billed_cost = r.effective_cost = cost + credits;
    r.contracted_cost = cost;
    if (!at("/cost_at_list") || at("/cost_at_list")->is_null()) r.list_cost = cost;
    r.charge_category = gcp_charge_category(str("/cost_type"));
    r.service_name = str("/service/description");
    r.sku_id = str("/sku/id");
    r.usage_type = str("/sku/description");
    r.sub_account_id = str("/project/id");
    r.sub_account_name = str("/project/name");
    r.region = str("/location/region");
    r.resource_id = str("/resource/global_name");
    r.resource_name = str("/resource/name");
    if (r.resource_id.empty()) r.resource_id = r.resource_name;
    r.consumed_unit = str("/usage/unit");
    if (const auto* labels = at("/labels"); labels && !labels->is_null()) {
      labels_text_ = json::serialize(*labels);
      r.tags = labels_text_;
      r.tag_format = labels->is_array() ? TagFormat::key_value_list : TagFormat::json_object;
    }
    return true;
  }

  std::unique_ptr<ByteSource> source_;
  std::string name_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::int64_t next_line_ = 1, line_ = 0, rows_ = 0;
  json::value value_;
  std::string labels_text_;
  std::string_view raw_;
  CostRecord record_;
  std::string error_;
};

}  // namespace

std::unique_ptr<RecordReader> make_gcp_csv_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
  return std::make_unique<GcpCsvReader>(std::move(source), name);
}

std::unique_ptr<RecordReader> make_gcp_json_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
  return std::make_unique<GcpJsonReader>(std::move(source), name);
}

}  // namespace costbot::ingest
