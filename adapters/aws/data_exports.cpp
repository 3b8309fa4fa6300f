#include "adapters/aws/data_exports.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <regex>

#include "adapters/aws/aws_config.hpp"
#include "adapters/aws/location_credentials.hpp"
#include "adapters/http/remote_error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

using ingest::Delivery;
using ingest::RemoteObject;
using ingest::RemoteSourceError;

bool export_is_data_file(const std::string& key) {
  return key.ends_with(".csv") || key.ends_with(".csv.gz") || key.ends_with(".parquet");
}
bool export_is_manifest(const std::string& key) { return key.ends_with("-Manifest.json") || key.ends_with("/Manifest.json"); }
bool export_is_parquet(const std::string& key) { return key.ends_with(".parquet"); }

// The billing period a key's path names, "" when none.
std::string export_period_from_key(const std::string& key) {
  static const std::regex billing_period(R"(BILLING_PERIOD=(\d{4})-(\d{2}))");
  static const std::regex year_month(R"(year=(\d{4})/month=(\d{1,2})(/|$))");
  static const std::regex date_range(R"((^|/)(\d{4})(\d{2})01-\d{8}(/|$))");
  std::smatch m;
  if (std::regex_search(key, m, billing_period)) return m[1].str() + "-" + m[2].str();
  if (std::regex_search(key, m, year_month)) return m[1].str() + "-" + (m[2].str().size() == 1 ? "0" : "") + m[2].str();
  if (std::regex_search(key, m, date_range)) return m[2].str() + "-" + m[3].str();
  return {};
}

std::string export_s3_url(const std::string& bucket, const std::string& key) { return "s3://" + bucket + "/" + key; }

// "20240601T000000.000Z" (legacy CUR) or "2024-06-01..." → "2024-06".
std::string export_period_from_instant(const std::string& s) {
  if (s.size() >= 8 && std::all_of(s.begin(), s.begin() + 8, ::isdigit)) return s.substr(0, 4) + "-" + s.substr(4, 2);
  if (s.size() >= 7 && s[4] == '-') return s.substr(0, 7);
  return {};
}

std::string etags_version(const std::vector<RemoteObject>& parts) {
  std::vector<std::string> items;
  for (const auto& p : parts) items.push_back(p.key + "=" + p.etag);
  std::sort(items.begin(), items.end());
  return "etags:" + hash::sha256_hex(text::join(items, "\n")).substr(0, 16);
}

int key_depth(const std::string& key) { return static_cast<int>(std::count(key.begin(), key.end(), '/')); }

}  // namespace

ManifestInfo parse_export_manifest(const std::string& text, const std::string& bucket, const std::string& manifest_key) {
  const std::string where = export_s3_url(bucket, manifest_key);
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) throw invalid_input(where + ": not a JSON manifest" + (ec ? " (" + ec.message() + ")" : ""));
  const auto& o = value.as_object();
  auto string_field = [&](const char* key) {
    auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  ManifestInfo m;
  if (auto* files = o.if_contains("dataFiles")) {  // Data Exports
    if (!files->is_array()) throw invalid_input(where + ": dataFiles is not a list");
    m.version = string_field("executionId");
    for (const auto& f : files->as_array()) {
      if (!f.is_string()) throw invalid_input(where + ": dataFiles has an entry that is not a string");
      std::string uri(f.as_string());
      if (!uri.starts_with("s3://")) throw invalid_input(where + ": dataFiles entry \"" + uri + "\" is not an s3:// URI");
      auto rest = uri.substr(5);
      auto slash = rest.find('/');
      if (slash == std::string::npos || rest.substr(0, slash) != bucket)
        throw invalid_input(where + ": data file " + uri + " is in another bucket than its manifest");
      m.files.push_back(rest.substr(slash + 1));
    }
  } else if (auto* keys = o.if_contains("reportKeys")) {  // legacy CUR
    if (!keys->is_array()) throw invalid_input(where + ": reportKeys is not a list");
    m.version = string_field("assemblyId");
    for (const auto& k : keys->as_array()) {
      if (!k.is_string()) throw invalid_input(where + ": reportKeys has an entry that is not a string");
      m.files.emplace_back(k.as_string());
    }
    if (auto* period = o.if_contains("billingPeriod"); period && period->is_object())
      if (auto* start = period->as_object().if_contains("start"); start && start->is_string())
        m.period = export_period_from_instant(std::string(start->as_string()));
    m.parquet = text::iequals(string_field("compression"), "Parquet") ||
                string_field("contentType").find("parquet") != std::string::npos;
  } else {
    throw invalid_input(where + ": neither dataFiles (Data Exports) nor reportKeys (legacy CUR) in the manifest");
  }
  for (const auto& f : m.files)
    if (export_is_parquet(f)) m.parquet = true;
  return m;
}

std::vector<Delivery> plan_export_deliveries(const std::string& bucket, const std::vector<S3ObjectEntry>& objects,
                                             ingest::SourceType type,
                                             const std::function<std::string(const std::string& key)>& read_manifest) {
  std::map<std::string, const S3ObjectEntry*> by_key;
  std::vector<const S3ObjectEntry*> manifests;
  for (const auto& o : objects) {
    by_key[o.key] = &o;
    if (export_is_manifest(o.key)) manifests.push_back(&o);
  }
  auto part_of = [&](const std::string& key) {
    RemoteObject p{export_s3_url(bucket, key), "", -1};
    if (auto it = by_key.find(key); it != by_key.end()) {
      p.etag = it->second->etag;
      p.size = it->second->size;
    }
    return p;
  };
  std::vector<Delivery> out;
  if (!manifests.empty()) {
    // Per period, the manifest that describes the current data: the shallowest one (legacy CUR
    // also keeps one per assembly below it), the newest among equals (create-new exports).
    std::map<std::string, std::pair<const S3ObjectEntry*, ManifestInfo>> chosen;
    for (const auto* m : manifests) {
      auto info = parse_export_manifest(read_manifest(m->key), bucket, m->key);
      std::string period = !info.period.empty() ? info.period : export_period_from_key(m->key);
      if (period.empty()) period = m->key;
      auto it = chosen.find(period);
      bool better = it == chosen.end() || key_depth(m->key) < key_depth(it->second.first->key) ||
                    (key_depth(m->key) == key_depth(it->second.first->key) && m->last_modified > it->second.first->last_modified);
      if (better) chosen[period] = {m, std::move(info)};
    }
    for (auto& [period, entry] : chosen) {
      Delivery d;
      d.period = period;
      d.type = type;
      d.manifest = export_s3_url(bucket, entry.first->key);
      d.version = (entry.second.version.empty() ? std::string("manifest") : entry.second.version) + "/" + entry.first->etag;
      for (const auto& f : entry.second.files) d.parts.push_back(part_of(f));
      out.push_back(std::move(d));
    }
    return out;
  }
  std::map<std::string, Delivery> periods;
  for (const auto& o : objects) {
    if (!export_is_data_file(o.key)) continue;
    std::string period = export_period_from_key(o.key);
    if (period.empty()) period = o.key;  // no period in the path: the file is its own delivery
    auto& d = periods[period];
    d.period = period;
    d.type = type;
    d.parts.push_back(part_of(o.key));
  }
  for (auto& [period, d] : periods) {
    std::sort(d.parts.begin(), d.parts.end(), [](const RemoteObject& a, const RemoteObject& b) { return a.key < b.key; });
    d.version = etags_version(d.parts);
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

// S3 GetObject body as an engine ByteSource; network breaks surface as transient errors so the
// engine resumes with a Range request.
class S3ObjectStream final : public ingest::ByteSource {
 public:
  S3ObjectStream(std::unique_ptr<http::BodyStream> body, std::string name) : body_(std::move(body)), name_(std::move(name)) {}
  std::size_t read(char* into, std::size_t capacity) override {
    try {
      std::size_t n = body_->read(into, capacity);
      total_ += n;
      return n;
    } catch (const http::NetworkError& e) {
      throw RemoteSourceError(ErrorKind::unavailable, "GET " + name_ + ": " + e.what(), true);
    }
  }
  std::uint64_t raw_bytes_read() const override { return total_; }

 private:
  std::unique_ptr<http::BodyStream> body_;
  std::string name_;
  std::uint64_t total_ = 0;
};

RemoteSourceError as_source_error(const http::RemoteError& e) {
  return RemoteSourceError(e.kind(), e.what(), e.retryable());
}

}  // namespace

S3ExportSource::S3ExportSource(ingest::RemoteLocation location, std::shared_ptr<S3Client> s3)
    : location_(std::move(location)), s3_(std::move(s3)) {
  std::tie(bucket_, prefix_) = split_s3_url(location_.base);
}

std::vector<Delivery> S3ExportSource::list() {
  try {
    auto objects = s3_->list_all(bucket_, prefix_);
    auto deliveries = plan_export_deliveries(bucket_, objects, location_.type, [this](const std::string& key) {
      return s3_->get_text(bucket_, key);
    });
    if (deliveries.empty())
      throw RemoteSourceError(ErrorKind::not_found,
                              "list " + location_.base + ": no export found (" + std::to_string(objects.size()) +
                                  " objects, none a manifest or a .csv / .csv.gz file)",
                              false);
    return deliveries;
  } catch (const http::NetworkError& e) {
    throw RemoteSourceError(ErrorKind::unavailable, "list " + location_.base + ": " + e.what(), true);
  } catch (const http::RemoteError& e) {
    throw as_source_error(e);
  }
}

std::unique_ptr<ingest::ByteSource> S3ExportSource::open(const RemoteObject& part, std::uint64_t offset) {
  auto [bucket, key] = split_s3_url(part.key);
  if (export_is_parquet(key))
    throw RemoteSourceError(ErrorKind::invalid_input,
                            part.key + ": this export is Parquet, which costbot does not read; create the export "
                                       "(or a second one) with the CSV format: in Data Exports, file format "
                                       "\"text/csv\" with GZIP compression (API: Format TEXT_OR_CSV, Compression GZIP); "
                                       "for a legacy CUR, compression GZIP",
                            false);
  if (part.size < 0)
    throw RemoteSourceError(ErrorKind::not_found, part.key + ": named by the manifest but not in the bucket's listing", false);
  try {
    return std::make_unique<S3ObjectStream>(s3_->get_stream(bucket, key, offset, part.etag), part.key);
  } catch (const http::NetworkError& e) {
    throw RemoteSourceError(ErrorKind::unavailable, "GET " + part.key + ": " + e.what(), e.retryable());
  } catch (const http::RemoteError& e) {
    throw as_source_error(e);
  }
}

std::vector<ingest::CheckStep> S3ExportSource::check() {
  std::vector<ingest::CheckStep> steps;
  try {
    auto page = s3_->list_page(bucket_, prefix_, "");
    steps.push_back({"authenticate and list " + location_.base, true,
                     std::to_string(page.objects.size()) + " object(s) on the first page" +
                         (page.truncated ? " (more pages follow)" : "")});
  } catch (const http::RemoteError& e) {  // NetworkError included
    steps.push_back({"authenticate and list " + location_.base, false, e.what()});
    return steps;
  }
  auto rest = RemoteSource::check();  // full listing, manifests, and a first read
  steps.insert(steps.end(), rest.begin(), rest.end());
  return steps;
}

std::unique_ptr<ingest::RemoteSource> open_s3_export_source(const ingest::RemoteLocation& location, http::Client& client,
                                                            const Clock& clock) {
  CredentialSettings cs = credential_settings_of(location);
  auto shared = SharedConfig::load();
  std::string profile = active_profile_name(cs.profile);
  cs.region = resolve_region(shared, profile, location.setting("region"));
  S3Settings s3;
  s3.region = cs.region;
  s3.endpoint = resolve_endpoint(shared, profile, "S3", location.setting("endpoint"));
  s3.force_path_style = text::iequals(location.setting("path_style"), "true");
  if (auto page = text::parse_int(location.setting("page_size", "1000")); page && *page >= 1 && *page <= 1000)
    s3.max_keys = static_cast<int>(*page);
  else
    throw invalid_input(location.where("page_size") + ": expected a number from 1 to 1000");
  auto credentials = make_credential_chain(client, clock, cs);
  return std::make_unique<S3ExportSource>(location, std::make_shared<S3Client>(client, credentials, clock, s3));
}

}  // namespace costbot::aws
