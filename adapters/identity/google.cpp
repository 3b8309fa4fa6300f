#include "adapters/identity/google.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "adapters/http/form.hpp"
#include "adapters/identity/jws.hpp"
#include "adapters/identity/token_response.hpp"
#include "engine/util/error.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::identity {
namespace json = boost::json;
namespace {

constexpr const char* kDefaultScope = "https://www.googleapis.com/auth/cloud-platform.read-only";
constexpr const char* kDefaultTokenUri = "https://oauth2.googleapis.com/token";
constexpr const char* kDefaultMetadataHost = "169.254.169.254";

http::RemoteError google_token_error(const http::Response& r, const std::string& what) {
  auto answer = parse_json_object(r.body);
  auto error = json_string(answer, "error");
  auto description = json_string(answer, "error_description");
  std::string message = what + " refused (HTTP " + std::to_string(r.status) + (error.empty() ? "" : ", " + error) + ")";
  auto words = explain_google_token_error(error, description);
  if (!words.empty()) message += ": " + words;
  if (!description.empty()) message += " [" + description.substr(0, 300) + "]";
  if (r.status == 429 || r.status >= 500)
    return http::RemoteError(r.status == 429 ? ErrorKind::too_many_requests : ErrorKind::unavailable, message, true,
                             r.retry_after, error);
  return http::RemoteError(ErrorKind::unauthorized, message, false, std::nullopt, error);
}

std::string gcloud_adc_file(const Environment& env) {
  auto dir = env("CLOUDSDK_CONFIG");
  if (dir.empty()) {
    auto home = env("HOME");
    if (home.empty()) return {};
    dir = home + "/.config/gcloud";
  }
  auto path = dir + "/application_default_credentials.json";
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : std::string();
}

}  // namespace

std::string_view name_of(GoogleMethod method) {
  switch (method) {
    case GoogleMethod::automatic: return "automatic";
    case GoogleMethod::key_file: return "key_file";
    case GoogleMethod::metadata_server: return "metadata_server";
  }
  return "automatic";
}

GoogleMethod parse_google_method(std::string_view name) {
  for (auto m : {GoogleMethod::automatic, GoogleMethod::key_file, GoogleMethod::metadata_server})
    if (name_of(m) == name) return m;
  throw invalid_input("unknown Google credential method \"" + std::string(name) + "\" (valid: " + kGoogleMethods + ")");
}

std::string explain_google_token_error(const std::string& error, const std::string& description) {
  auto d = text::to_lower(description);
  if (d.find("invalid jwt signature") != std::string::npos)
    return "the key does not verify: it was deleted or disabled in IAM (Service accounts > Keys), or belongs to another "
           "service account; create a new key";
  if (d.find("reasonable timeframe") != std::string::npos || d.find("iat") != std::string::npos)
    return "the assertion's iat/exp are refused: this machine's clock is off (clock skew); sync it (NTP)";
  if (d.find("account not found") != std::string::npos || d.find("invalid_grant: invalid grant") != std::string::npos)
    return "the service account no longer exists (deleted?)";
  if (d.find("disabled") != std::string::npos) return "the service account is disabled";
  if (error == "invalid_scope") return "the requested OAuth scope is not valid";
  if (error == "invalid_client") return "the OAuth client of the credentials file is unknown or its secret is wrong";
  if (error == "invalid_grant" && d.find("token has been expired or revoked") != std::string::npos)
    return "the refresh token has expired or was revoked: run `gcloud auth application-default login` again";
  return "";
}

GoogleOptions resolve_google_options(GoogleOptions o, const Environment& env) {
  if (o.credentials_file.empty() && o.method != GoogleMethod::metadata_server) {
    o.credentials_file = env("GOOGLE_APPLICATION_CREDENTIALS");
    if (o.credentials_file.empty()) o.credentials_file = gcloud_adc_file(env);
  }
  if (o.metadata_host.empty()) o.metadata_host = env("GCE_METADATA_HOST");
  if (o.metadata_host.empty()) o.metadata_host = env("GCE_METADATA_IP");
  if (o.metadata_host.empty()) o.metadata_host = kDefaultMetadataHost;
  if (o.scopes.empty()) o.scopes.push_back(kDefaultScope);
  if (o.method == GoogleMethod::automatic)
    o.method = o.credentials_file.empty() ? GoogleMethod::metadata_server : GoogleMethod::key_file;
  if (o.method == GoogleMethod::key_file && o.credentials_file.empty())
    throw invalid_input("Google credential method key_file needs a credentials file (GOOGLE_APPLICATION_CREDENTIALS)");
  return o;
}

GoogleKeyFile parse_google_key_file(const std::string& json_text, const std::string& what) {
  boost::system::error_code ec;
  auto v = json::parse(json_text, ec);
  if (ec || !v.is_object()) throw invalid_input(what + " is not a JSON object (a Google credentials file)");
  const auto& o = v.as_object();
  GoogleKeyFile k;
  k.type = json_string(o, "type");
  k.project_id = json_string(o, "project_id");
  k.quota_project_id = json_string(o, "quota_project_id");
  k.token_uri = json_string(o, "token_uri");
  auto need = [&](std::string& field, const char* name) {
    field = json_string(o, name);
    if (field.empty()) throw invalid_input(what + " has no \"" + name + "\" (a " + k.type + " credentials file needs it)");
  };
  if (k.type == "service_account") {
    need(k.client_email, "client_email");
    need(k.private_key, "private_key");
    k.private_key_id = json_string(o, "private_key_id");
    if (k.project_id.empty()) {
      // project_id is optional in the file; the email's domain names it (NAME@PROJECT.iam.gserviceaccount.com).
      auto at = k.client_email.find('@');
      auto dot = k.client_email.find(".iam.gserviceaccount.com");
      if (at != std::string::npos && dot != std::string::npos && dot > at) k.project_id = k.client_email.substr(at + 1, dot - at - 1);
    }
  } else if (k.type == "authorized_user") {
    need(k.client_id, "client_id");
    need(k.client_secret, "client_secret");
    need(k.refresh_token, "refresh_token");
  } else if (k.type == "external_account" || k.type == "impersonated_service_account") {
    throw invalid_input(what + " is a \"" + k.type +
                        "\" file, which costbot does not support yet: use a service account key or the metadata server");
  } else {
    throw invalid_input(what + " has type \"" + k.type + "\" (expected service_account or authorized_user)");
  }
  if (k.token_uri.empty()) k.token_uri = kDefaultTokenUri;
  log::register_secret(k.private_key);
  if (!k.client_secret.empty()) log::register_secret(k.client_secret);
  if (!k.refresh_token.empty()) log::register_secret(k.refresh_token);
  return k;
}

GoogleCredential::GoogleCredential(http::Client& client, GoogleOptions options, const Clock& clock)
    : client_(client), options_(std::move(options)), clock_(clock), cache_(clock) {
  if (options_.scopes.empty()) options_.scopes.push_back(kDefaultScope);
  if (options_.metadata_host.empty()) options_.metadata_host = kDefaultMetadataHost;
  if (options_.method == GoogleMethod::automatic)
    options_.method = options_.credentials_file.empty() ? GoogleMethod::metadata_server : GoogleMethod::key_file;
  scope_key_ = text::join(options_.scopes, " ");
}

GoogleCredential::~GoogleCredential() = default;

std::string GoogleCredential::describe() const {
  if (options_.method == GoogleMethod::metadata_server)
    return "Google metadata server " + options_.metadata_host + " (the instance's service account)";
  std::lock_guard lock(mutex_);
  if (!described_.empty()) return described_;
  return "Google credentials file " + options_.credentials_file;
}

std::string GoogleCredential::token() {
  return cache_.get(scope_key_, [&] { return fetch(); });
}

void GoogleCredential::invalidate() { cache_.invalidate(scope_key_); }

AccessToken GoogleCredential::fetch() {
  return options_.method == GoogleMethod::metadata_server ? from_metadata_server() : from_key_file();
}

AccessToken GoogleCredential::from_key_file() {
  const auto& path = options_.credentials_file;
  auto key = parse_google_key_file(read_credential_file(path, "the Google credentials file"),
                                   "the Google credentials file " + path);
  const auto token_uri = options_.token_uri.empty() ? key.token_uri : options_.token_uri;
  const auto now = clock_.now();
  http::FormFields form;
  std::string described = key.type == "service_account"
                              ? "Google service account " + key.client_email + " (key " + path + ")"
                              : "Google user credentials (client " + key.client_id + ", file " + path + ")";
  {
    std::lock_guard lock(mutex_);
    described_ = described;
    if (project_id_.empty()) project_id_ = key.project_id.empty() ? key.quota_project_id : key.project_id;
  }
  if (key.type == "service_account") {
    json::object header;
    if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
    json::object claims{{"iss", key.client_email}, {"scope", scope_key_}, {"aud", token_uri}, {"iat", now}, {"exp", now + 3600}};
    auto signing_key = load_private_key_pem(key.private_key, "", "the private_key in " + path);
    form = {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
            {"assertion", sign_jwt(JwsAlgorithm::rs256, signing_key, std::move(header), claims)}};
  } else {
    form = {{"grant_type", "refresh_token"}, {"client_id", key.client_id}, {"client_secret", key.client_secret},
            {"refresh_token", key.refresh_token}};
  }
  http::Request request;
  request.method = "POST";
  request.url = token_uri;
  request.content_type = "application/x-www-form-urlencoded";
  request.body = http::encode_form(form);
  request.header("Accept", "application/json");
  http::CallOptions call;
  call.idempotency = http::Idempotency::idempotent;
  auto response = client_.send(std::move(request), call);
  const auto what = "Google token endpoint (" + token_uri + ") for " + described;
  if (!response.ok()) throw google_token_error(response, what);
  auto token = parse_token_answer(response.body, now, what);
  spdlog::debug("Google token fetched ({}), valid {} s", key.type, token.expires_at - now);
  return token;
}

std::string GoogleCredential::metadata_get(const std::string& path, const std::string& what) {
  http::Request request = http::Request::get("http://" + options_.metadata_host + path);
  request.header("Metadata-Flavor", "Google");
  http::Response response;
  try {
    response = client_.send(std::move(request));
  } catch (const http::NetworkError& e) {
    throw http::RemoteError(ErrorKind::unavailable,
                            what + ": no metadata server answered at " + options_.metadata_host + " (" + e.what() +
                                "). costbot is not running on Google Cloud, so set GOOGLE_APPLICATION_CREDENTIALS to a "
                                "service account key file (or gcp.credentials_file)",
                            e.retryable());
  }
  auto flavor = response.header("metadata-flavor");
  if (!flavor || *flavor != "Google")
    throw http::RemoteError(ErrorKind::unavailable,
                            what + ": the server at " + options_.metadata_host +
                                " is not a Google metadata server (no Metadata-Flavor: Google in its answer)",
                            false);
  if (!response.ok()) {
    std::string message = what + ": metadata server answered HTTP " + std::to_string(response.status);
    if (response.status == 404)
      message += " (the instance has no service account, or it lacks the requested scopes: attach a service account)";
    bool retry = response.status == 429 || response.status >= 500;
    throw http::RemoteError(retry ? ErrorKind::unavailable : ErrorKind::unauthorized, message, retry, response.retry_after);
  }
  return response.body;
}

AccessToken GoogleCredential::from_metadata_server() {
  const auto now = clock_.now();
  auto scopes = text::join(options_.scopes, ",");
  const std::string what = "Google metadata server token request";
  auto body = metadata_get("/computeMetadata/v1/instance/service-accounts/default/token?" +
                               http::encode_form({{"scopes", scopes}}),
                           what);
  return parse_token_answer(body, now, what);
}

std::string GoogleCredential::project_id() {
  {
    std::lock_guard lock(mutex_);
    if (!project_id_.empty()) return project_id_;
  }
  std::string project;
  if (options_.method == GoogleMethod::key_file) {
    auto key = parse_google_key_file(read_credential_file(options_.credentials_file, "the Google credentials file"),
                                     "the Google credentials file " + options_.credentials_file);
    project = key.project_id.empty() ? key.quota_project_id : key.project_id;
  } else {
    project = std::string(text::trim(metadata_get("/computeMetadata/v1/project/project-id", "Google metadata project id")));
  }
  std::lock_guard lock(mutex_);
  project_id_ = project;
  return project_id_;
}

}  // namespace costbot::identity
