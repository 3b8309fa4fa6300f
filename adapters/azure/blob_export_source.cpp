#include "adapters/azure/blob_export_source.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <map>

#include "adapters/azure/azure_settings.hpp"
#include "adapters/http/form.hpp"
#include "adapters/identity/entra.hpp"
#include "engine/util/error.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {
namespace {

using ingest::RemoteSourceError;

// The query parameters of a service SAS / account SAS / user delegation SAS.
const std::set<std::string>& sas_keys() {
  static const std::set<std::string> keys{"sv", "ss", "srt", "sp", "se", "st", "spr", "sig", "sr", "sip", "si", "sdd",
                                          "skoid", "sktid", "skt", "ske", "sks", "skv", "saoid", "suoid", "scid",
                                          "rscc", "rscd", "rsce", "rscl", "rsct", "ses"};
  return keys;
}

const std::set<std::string>& blob_setting_keys() {
  static const std::set<std::string> keys{"dataset", "auth", "account_key_env", "sas_env", "connection_string_env", "chunk_kb"};
  return keys;
}

RemoteSourceError as_source_error(const http::RemoteError& e) { return RemoteSourceError(e.kind(), e.what(), e.retryable()); }

// A blob read in ranges of `chunk` bytes (memory: one chunk), each with If-Match on the listed
// ETag; resumable from any offset.
class BlobRangeSource final : public ingest::ByteSource {
 public:
  BlobRangeSource(BlobClient& client, std::string container, std::string blob, std::string etag, std::int64_t size,
                  std::uint64_t offset, std::uint64_t chunk, std::string display)
      : client_(client), container_(std::move(container)), blob_(std::move(blob)), etag_(std::move(etag)), size_(size),
        next_(offset), chunk_(chunk), display_(std::move(display)) {}

  std::size_t read(char* into, std::size_t capacity) override {
    while (pos_ == buffer_.size()) {
      if (size_ >= 0 && next_ >= static_cast<std::uint64_t>(size_)) return 0;
      fetch();
      if (buffer_.empty()) return 0;
    }
    std::size_t n = std::min(capacity, buffer_.size() - pos_);
    std::memcpy(into, buffer_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::uint64_t raw_bytes_read() const override { return next_ - (buffer_.size() - pos_); }

 private:
  void fetch() {
    BlobChunk chunk;
    try {
      chunk = client_.read_range(container_, blob_, next_, chunk_, etag_);
    } catch (const http::NetworkError& e) {
      throw RemoteSourceError(ErrorKind::unavailable, "read " + display_ + ": " + e.what(), true);
    } catch (const http::RemoteError& e) {
      throw as_source_error(e);
    }
    if (etag_.empty()) etag_ = chunk.etag;  // the rest must come from the same version
    if (size_ < 0 && chunk.total_size >= 0) size_ = chunk.total_size;
    buffer_ = std::move(chunk.bytes);
    pos_ = 0;
    next_ += buffer_.size();
  }

  BlobClient& client_;
  std::string container_, blob_, etag_;
  std::int64_t size_;
  std::uint64_t next_, chunk_;
  std::string display_;
  std::string buffer_;
  std::size_t pos_ = 0;
};

// Period keys are single months: a run spanning several months is filed under its first.
std::string engine_period(const std::string& period) { return period.substr(0, 7); }

}  // namespace

BlobExportSource::BlobExportSource(ingest::RemoteLocation location, BlobLocation blob, std::unique_ptr<BlobClient> client,
                                   std::unique_ptr<identity::EntraCredential> entra, DatasetChoice dataset,
                                   std::uint64_t chunk_bytes)
    : location_(std::move(location)), blob_(std::move(blob)), entra_(std::move(entra)), client_(std::move(client)),
      dataset_(dataset), chunk_bytes_(chunk_bytes) {}

BlobExportSource::~BlobExportSource() = default;

std::string BlobExportSource::blob_name_of(const std::string& key) const {
  auto base = client_->url_of(blob_.container, "");
  if (!key.starts_with(base + "/")) throw RemoteSourceError(ErrorKind::invalid_input, key + " is not a blob of " + location(), false);
  return key.substr(base.size() + 1);
}

std::vector<ingest::Delivery> BlobExportSource::list() {
  std::vector<BlobItem> listing;
  try {
    listing = client_->list_all(blob_.container, blob_.prefix);
  } catch (const http::NetworkError& e) {
    throw RemoteSourceError(ErrorKind::unavailable, "list " + location() + ": " + e.what(), true);
  } catch (const http::RemoteError& e) {
    throw as_source_error(e);
  }
  std::vector<ManifestAt> manifests;
  for (const auto& b : listing) {
    if (!is_manifest_blob(b.name)) continue;
    auto url = client_->url_of(blob_.container, b.name);
    try {
      auto chunk = client_->read_all(blob_.container, b.name, 64 << 20);
      manifests.push_back({b, parse_export_manifest(chunk.bytes, url)});
    } catch (const http::NetworkError& e) {
      throw RemoteSourceError(ErrorKind::unavailable, "read " + url + ": " + e.what(), true);
    } catch (const http::RemoteError& e) {
      throw as_source_error(e);
    } catch (const Error& e) {
      throw RemoteSourceError(ErrorKind::invalid_input, e.what(), false);
    }
  }
  auto plan = plan_export_periods(listing, manifests, dataset_);
  notes_ = plan.notes;
  for (const auto& n : notes_) spdlog::debug("{}: {}", location(), n);
  std::vector<ingest::Delivery> out;
  for (const auto& p : plan.periods) {
    ingest::Delivery d;
    d.period = engine_period(p.period);
    d.version = p.version;
    d.type = location_.type;
    for (const auto& m : p.manifests)
      if (!m.empty()) d.manifest += (d.manifest.empty() ? "" : ", ") + client_->url_of(blob_.container, m);
    for (const auto& part : p.parts) {
      ingest::RemoteObject o;
      o.key = client_->url_of(blob_.container, part.name);
      o.etag = part.etag;
      o.size = part.size;
      d.parts.push_back(std::move(o));
    }
    if (!p.error.empty()) {
      // The engine learns of it when it opens the period's first part: the period fails, keeps
      // its previous data, and the message says what to fix.
      for (const auto& part : d.parts) part_errors_[part.key] = p.error;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::unique_ptr<ingest::ByteSource> BlobExportSource::open(const ingest::RemoteObject& part, std::uint64_t offset) {
  if (auto it = part_errors_.find(part.key); it != part_errors_.end())
    throw RemoteSourceError(ErrorKind::invalid_input, it->second, false);
  return std::make_unique<BlobRangeSource>(*client_, blob_.container, blob_name_of(part.key), part.etag, part.size, offset,
                                           chunk_bytes_, part.key);
}

std::vector<ingest::CheckStep> BlobExportSource::check() {
  std::vector<ingest::CheckStep> steps;
  const auto& auth = client_->auth();
  std::string how = std::string(name_of(auth.kind)) + " for storage account " + blob_.account;
  if (auth.kind == BlobAuthKind::bearer && entra_) {
    try {
      entra_->token(kStorageScope);
      steps.push_back({"authenticate", true, entra_->describe() + ": token for Azure Storage obtained"});
    } catch (const std::exception& e) {
      steps.push_back({"authenticate", false, e.what()});
      return steps;
    }
  } else {
    steps.push_back({"authenticate", true, how + " (checked by the listing)"});
  }
  for (auto& s : RemoteSource::check()) steps.push_back(std::move(s));
  for (const auto& n : notes_) steps.push_back({"note", true, n});
  return steps;
}

std::unique_ptr<ingest::RemoteSource> open_blob_export_source(const ingest::RemoteLocation& location, http::Client& client,
                                                              const Clock& clock, const identity::Environment& env) {
  std::set<std::string> known = blob_setting_keys();
  known.insert(sas_keys().begin(), sas_keys().end());
  check_settings(location, known);

  BlobLocation blob;
  std::optional<StorageConnectionString> connection;
  auto connection_text = secret_from_env_setting(location, "connection_string_env", env);
  if (location.scheme == "azure-blob") {
    if (connection_text.empty()) connection_text = env("AZURE_STORAGE_CONNECTION_STRING");
    if (connection_text.empty())
      throw invalid_input(location.base + ": an azure-blob:// location needs a connection string (connection_string_env, "
                                          "or AZURE_STORAGE_CONNECTION_STRING)");
    log::register_secret(connection_text);
    connection = parse_storage_connection_string(connection_text);
    blob = parse_blob_url(connection->blob_endpoint + "/" + location.base.substr(std::string("azure-blob://").size()));
  } else {
    blob = parse_blob_url(location.base);
    if (connection_text.empty()) {
      auto from_env = env("AZURE_STORAGE_CONNECTION_STRING");
      if (!from_env.empty()) {
        auto parsed = parse_storage_connection_string(from_env);
        if (parsed.account == blob.account) {
          log::register_secret(from_env);
          connection = parsed;
        }
      }
    } else {
      log::register_secret(connection_text);
      connection = parse_storage_connection_string(connection_text);
    }
  }
  // A SAS in the location's query arrives as settings: put it back together.
  std::string sas;
  for (const auto& [key, value] : location.settings)
    if (sas_keys().count(key)) sas += (sas.empty() ? "" : "&") + key + "=" + http::percent_encode(value);
  if (!sas.empty() && !location.settings.count("sig"))
    throw invalid_input(location.base + ": the SAS in the location has no sig= (copy the whole SAS token)");

  BlobAuth auth;
  std::unique_ptr<identity::EntraCredential> entra;
  auto forced = location.setting("auth");
  auto key = secret_from_env_setting(location, "account_key_env", env);
  if (key.empty() && forced != "entra") key = env("AZURE_STORAGE_KEY");
  if (sas.empty()) sas = secret_from_env_setting(location, "sas_env", env);
  if (sas.empty() && forced != "entra") sas = env("AZURE_STORAGE_SAS_TOKEN");
  if (sas.starts_with("?")) sas.erase(0, 1);
  if (!key.empty()) log::register_secret(key);
  if (!sas.empty()) log::register_secret(sas);
  if (connection) {
    if (key.empty()) key = connection->account_key;
    if (sas.empty()) sas = connection->sas;
  }
  if (forced.empty()) forced = !sas.empty() ? "sas" : !key.empty() ? "shared_key" : "entra";
  if (forced == "sas") {
    if (sas.empty()) throw invalid_input(location.base + ": auth=sas but no SAS (in the URL, sas_env or AZURE_STORAGE_SAS_TOKEN)");
    auth.kind = BlobAuthKind::sas;
    auth.sas = sas;
  } else if (forced == "shared_key") {
    if (key.empty()) throw invalid_input(location.base + ": auth=shared_key but no account key (account_key_env, AZURE_STORAGE_KEY or a connection string)");
    auth.kind = BlobAuthKind::shared_key;
    auth.account_key = key;
  } else if (forced == "entra") {
    entra = std::make_unique<identity::EntraCredential>(client, entra_options_from(location, env), clock);
    auth.kind = BlobAuthKind::bearer;
    auth.entra = entra.get();
  } else if (forced == "anonymous") {
    auth.kind = BlobAuthKind::anonymous;
  } else {
    throw invalid_input(location.base + ": auth: unknown value \"" + forced + "\" (valid: shared_key, sas, entra, anonymous)");
  }

  DatasetChoice dataset = DatasetChoice::automatic;
  auto ds = text::to_lower(location.setting("dataset", "auto"));
  if (location.type == ingest::SourceType::focus) dataset = DatasetChoice::focus;
  else if (location.type != ingest::SourceType::azure)
    throw invalid_input(location.base + ": an Azure export is read as type azure (cost details) or focus (the FOCUS export)");
  else if (ds == "actual") dataset = DatasetChoice::actual;
  else if (ds == "amortized") dataset = DatasetChoice::amortized;
  else if (ds != "auto") throw invalid_input(location.base + ": dataset: unknown value \"" + ds + "\" (valid: auto, actual, amortized)");

  auto chunk_kb = text::parse_int(location.setting("chunk_kb", "8192"));
  if (!chunk_kb || *chunk_kb < 16 || *chunk_kb > 15360)
    throw invalid_input(location.base + ": chunk_kb must be a whole number from 16 to 15360");
  auto service = blob.service_url;
  auto account = blob.account;
  auto blob_client = std::make_unique<BlobClient>(client, service, account, auth, clock);
  return std::make_unique<BlobExportSource>(location, std::move(blob), std::move(blob_client), std::move(entra), dataset,
                                            static_cast<std::uint64_t>(*chunk_kb) << 10);
}

}  // namespace costbot::azure
