#include "adapters/gcp/bigquery_export_source.hpp"

#include <set>

#include "adapters/identity/google.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::gcp {
namespace {

using ingest::RemoteSourceError;

RemoteSourceError as_source_error(const http::RemoteError& e) { return RemoteSourceError(e.kind(), e.what(), e.retryable()); }

// Runs `f`, turning the HTTP layer's errors into the engine's.
template <class F>
auto translated(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const http::NetworkError& e) {
    throw RemoteSourceError(ErrorKind::unavailable, what + ": " + e.what(), true);
  } catch (const http::RemoteError& e) {
    throw as_source_error(e);
  } catch (const RemoteSourceError&) {
    throw;
  } catch (const Error& e) {
    throw RemoteSourceError(e.kind(), e.what(), false);
  }
}

// Skips the first `skip` bytes of a source (resuming a re-run query where the last read broke).
class SkippingSource final : public ingest::ByteSource {
 public:
  SkippingSource(std::unique_ptr<ingest::ByteSource> inner, std::uint64_t skip, std::string what)
      : inner_(std::move(inner)), skip_(skip), what_(std::move(what)) {}
  std::size_t read(char* into, std::size_t capacity) override {
    while (skip_ > 0) {
      std::size_t n = translated(what_, [&] { return inner_->read(into, static_cast<std::size_t>(std::min<std::uint64_t>(skip_, capacity))); });
      if (n == 0) throw RemoteSourceError(ErrorKind::unavailable, what_ + ": the query returned less than before; the next run reads the month again", true);
      skip_ -= n;
    }
    return translated(what_, [&] { return inner_->read(into, capacity); });
  }
  std::uint64_t raw_bytes_read() const override { return inner_->raw_bytes_read(); }

 private:
  std::unique_ptr<ingest::ByteSource> inner_;
  std::uint64_t skip_;
  std::string what_;
};

std::int64_t int_setting(const ingest::RemoteLocation& location, const std::string& key, std::int64_t fallback,
                         std::int64_t min, std::int64_t max) {
  auto text = location.setting(key);
  if (text.empty()) return fallback;
  auto n = text::parse_int(text);
  if (!n || *n < min || *n > max)
    throw invalid_input(location.base + ": " + key + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return *n;
}

}  // namespace

BigQueryExportSource::BigQueryExportSource(ingest::RemoteLocation location, std::unique_ptr<identity::GoogleCredential> credential,
                                           BillingExportOptions options, const std::string& endpoint, http::Client& client,
                                           const Clock& clock)
    : location_(std::move(location)), options_(std::move(options)), credential_(std::move(credential)) {
  client_ = std::make_unique<BigQueryClient>(client, *credential_, endpoint);
  export_ = std::make_unique<BillingExport>(*client_, options_, clock);
}

BigQueryExportSource::~BigQueryExportSource() = default;

void BigQueryExportSource::begin_run(const ingest::RunContext& context) {
  const std::string& from_period = context.from_period;
  std::vector<std::string> versions;
  for (const auto& [period, version] : context.known_versions) versions.push_back(version);
  watermark_ = watermark_of(versions);
  // A backfill (--history / --from) rescans from its first month.
  if (!from_period.empty()) {
    watermark_ = 0;
    export_->set_history_from(parse_day(from_period.substr(0, 7) + "-01"));
  }
}

std::vector<ingest::Delivery> BigQueryExportSource::list() {
  last_scan_ = translated("scan " + location(), [&] { return export_->changed_months(watermark_); });
  std::vector<ingest::Delivery> out;
  for (const auto& m : last_scan_.months) {
    ingest::Delivery d;
    d.period = m.period;
    d.version = m.version;
    d.type = ingest::SourceType::gcp;
    d.parts.push_back({location() + "#invoice_month=" + m.invoice_month, m.version, -1});
    out.push_back(std::move(d));
  }
  return out;
}

std::unique_ptr<ingest::ByteSource> BigQueryExportSource::open(const ingest::RemoteObject& part, std::uint64_t offset) {
  auto hash = part.key.rfind("#invoice_month=");
  if (hash == std::string::npos) throw RemoteSourceError(ErrorKind::invalid_input, part.key + " is not a month of " + location(), false);
  auto month = part.key.substr(hash + 15);
  auto source = translated(part.key, [&] { return export_->month_csv(month); });
  return std::make_unique<SkippingSource>(std::move(source), offset, part.key);
}

std::vector<ingest::CheckStep> BigQueryExportSource::check() {
  std::vector<ingest::CheckStep> steps;
  try {
    credential_->token();
    steps.push_back({"authenticate", true, credential_->describe() + ": token for BigQuery obtained"});
  } catch (const std::exception& e) {
    steps.push_back({"authenticate", false, e.what()});
    return steps;
  }
  for (auto& s : RemoteSource::check()) steps.push_back(std::move(s));
  if (!steps.empty() && steps.size() >= 2 && steps[1].ok)
    steps[1].detail += "; scanned partitions from " + last_scan_.partition_from + ", " +
                       std::to_string(last_scan_.stats.bytes_processed) + " bytes processed";
  return steps;
}

std::unique_ptr<ingest::RemoteSource> open_bigquery_export_source(const ingest::RemoteLocation& location, http::Client& client,
                                                                  const Clock& clock, const identity::Environment& env) {
  static const std::set<std::string> known{"location", "job_project", "partition_column", "lookback_days", "history_months",
                                           "maximum_bytes_billed", "page_rows", "endpoint", "key_file", "credential",
                                           "metadata_host", "token_uri"};
  for (const auto& [key, value] : location.settings)
    if (!known.count(key)) {
      std::vector<std::string> all(known.begin(), known.end());
      auto close = text::closest(key, all);
      throw invalid_input(location.base + ": unknown setting \"" + key + "\"" + (close ? " (did you mean \"" + *close + "\"?)" : "") +
                          "; known: " + text::join(all, ", "));
    }
  if (location.type != ingest::SourceType::gcp)
    throw invalid_input(location.base + ": a BigQuery billing export is read as type gcp");
  auto options = billing_export_options(parse_bigquery_url(location.base));
  options.location = location.setting("location");
  if (auto p = location.setting("job_project"); !p.empty()) options.job_project = p;
  if (auto c = location.setting("partition_column"); !c.empty()) options.partition_column = c;
  options.lookback_days = static_cast<int>(int_setting(location, "lookback_days", 5, 0, 400));
  options.history_months = static_cast<int>(int_setting(location, "history_months", 3, 1, 120));
  options.maximum_bytes_billed = int_setting(location, "maximum_bytes_billed", 0, 0, INT64_MAX);
  options.page_rows = int_setting(location, "page_rows", 10000, 1, 100000);

  identity::GoogleOptions google;
  google.credentials_file = location.setting("key_file");
  google.metadata_host = location.setting("metadata_host");
  google.token_uri = location.setting("token_uri");
  google.scopes = {kBigQueryScope};
  if (auto m = location.setting("credential"); !m.empty()) {
    try {
      google.method = identity::parse_google_method(m);
    } catch (const Error& e) {
      throw invalid_input(location.base + ": credential: " + e.what());
    }
  }
  try {
    google = identity::resolve_google_options(google, env);
  } catch (const Error& e) {
    throw invalid_input(location.base + ": " + e.what());
  }
  auto credential = std::make_unique<identity::GoogleCredential>(client, google, clock);
  auto endpoint = location.setting("endpoint", "https://bigquery.googleapis.com");
  // The BillingExport constructor checks the partition column; report it against the location.
  try {
    return std::make_unique<BigQueryExportSource>(location, std::move(credential), options, endpoint, client, clock);
  } catch (const Error& e) {
    throw invalid_input(location.base + ": " + e.what());
  }
}

}  // namespace costbot::gcp
