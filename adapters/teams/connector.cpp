#include "adapters/teams/connector.hpp"

#include <spdlog/spdlog.h>

#include "adapters/http/form.hpp"
#include "adapters/http/url.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::teams {
namespace json = boost::json;
namespace {

json::object parse_connector_answer(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

// The connector's {"error":{"code":"BadArgument","message":...}} code, when it sent one.
std::string connector_error_code(const http::Response& r) {
  auto o = parse_connector_answer(r.body);
  auto* error = o.if_contains("error");
  if (error && error->is_object()) return json_string(error->as_object(), "code");
  return {};
}

http::RemoteError connector_error(const http::Response& r, const std::string& what) {
  auto code = connector_error_code(r);
  // Microsoft's guidance: retry 412 (precondition failed, a conflicting update) like 429 and 5xx.
  if (r.status == 412)
    return http::RemoteError(ErrorKind::unavailable, what + ": HTTP 412" + (code.empty() ? "" : " (" + code + ")"), true,
                             r.retry_after, code);
  return http::error_for_status(r, what, code);
}

}  // namespace

bool service_url_allowed(std::string_view url, const std::vector<std::string>& patterns) {
  http::Url parsed;
  try {
    parsed = http::parse_url(url);
  } catch (const Error&) {
    return false;
  }
  auto host = text::to_lower(parsed.host);
  for (const auto& p : patterns) {
    auto pattern = text::to_lower(p);
    if (pattern.starts_with("*.")) {
      auto suffix = pattern.substr(1);  // ".x.com"
      if (host.size() > suffix.size() && host.ends_with(suffix)) return true;
    } else if (host == pattern) {
      return true;
    }
  }
  return false;
}

std::string encode_path_segment(std::string_view segment) { return http::percent_encode(segment); }

Connector::Connector(http::Client& client, ConnectorOptions options, const Clock& clock)
    : client_(client), options_(std::move(options)), clock_(clock) {}

std::size_t Connector::token_fetches() const {
  std::lock_guard lock(mutex_);
  return token_fetches_;
}

std::string Connector::fetch_token(UnixSeconds now) {
  if (!has_credentials())
    throw http::RemoteError(ErrorKind::unavailable, "Teams: no app id / app password (TEAMS_APP_ID, TEAMS_APP_PASSWORD)", false);
  http::Request request;
  request.method = "POST";
  request.url = options_.token_url;
  request.content_type = "application/x-www-form-urlencoded";
  request.body = http::encode_form({{"grant_type", "client_credentials"},
                                    {"client_id", options_.app_id},
                                    {"client_secret", options_.app_password},
                                    {"scope", options_.scope}});
  ++token_fetches_;
  // Asking for a token twice is harmless, so the client may retry it after any failure.
  http::CallOptions call = call_options_;
  call.idempotency = http::Idempotency::idempotent;
  auto response = client_.send(std::move(request), call);
  auto answer = parse_connector_answer(response.body);
  if (!response.ok()) {
    // AAD's {"error":"invalid_client",...}: a wrong password will not fix itself.
    throw http::error_for_status(response, "Teams token request", json_string(answer, "error"));
  }
  auto token = json_string(answer, "access_token");
  if (token.empty()) throw http::RemoteError(ErrorKind::unavailable, "Teams token request: answer has no access_token", true);
  std::int64_t expires_in = 3600;
  if (auto* e = answer.if_contains("expires_in")) {
    if (e->is_int64()) expires_in = e->as_int64();
    else if (e->is_string()) expires_in = text::parse_int(e->as_string()).value_or(3600);
  }
  token_ = token;
  // A token shorter-lived than the margin is still used once rather than fetched on every call.
  token_expires_ = now + std::max<std::int64_t>(expires_in - options_.token_refresh_margin, 30);
  spdlog::debug("Teams connector token fetched (valid {} s)", expires_in);
  return token;
}

std::string Connector::access_token() {
  std::lock_guard lock(mutex_);
  auto now = clock_.now();
  if (!token_.empty() && now < token_expires_) return token_;
  return fetch_token(now);
}

http::Response Connector::call(const std::string& method, const std::string& url, const std::string& body,
                               const char* what) {
  if (!service_url_allowed(url, options_.allowed_hosts))
    throw http::RemoteError(ErrorKind::forbidden,
                            std::string(what) + ": the service URL's host is not in msteams.allowed_service_url_hosts", false);
  http::Response response;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::Request request;
    request.method = method;
    request.url = url;
    request.body = body;
    request.content_type = "application/json; charset=utf-8";
    request.header("Authorization", "Bearer " + access_token());
    response = client_.send(std::move(request), call_options_);
    if (response.status != 401 || attempt == 1) break;
    // The token may have been revoked or rotated early: one more try with a fresh one.
    std::lock_guard lock(mutex_);
    token_.clear();
  }
  if (!response.ok()) throw connector_error(response, what);
  return response;
}

std::string Connector::send_activity(const std::string& service_url, const std::string& conversation_id,
                                     const json::object& activity, const std::string& reply_to_id) {
  std::string path = "/v3/conversations/" + encode_path_segment(conversation_id) + "/activities";
  if (!reply_to_id.empty()) path += "/" + encode_path_segment(reply_to_id);
  auto response = call("POST", http::join_url(service_url, path), json::serialize(activity), "Teams send activity");
  return json_string(parse_connector_answer(response.body), "id");
}

void Connector::update_activity(const std::string& service_url, const std::string& conversation_id,
                                const std::string& activity_id, json::object activity) {
  activity["id"] = activity_id;
  if (!activity.contains("type")) activity["type"] = "message";
  std::string path = "/v3/conversations/" + encode_path_segment(conversation_id) + "/activities/" +
                     encode_path_segment(activity_id);
  call("PUT", http::join_url(service_url, path), json::serialize(activity), "Teams update activity");
}

void post_to_incoming_webhook(http::Client& client, const std::string& url, const json::object& activity,
                              const http::CallOptions& options) {
  auto response = client.send(http::Request::post_json(url, json::serialize(activity)), options);
  if (!response.ok()) throw http::error_for_status(response, "Teams incoming webhook");
  // The old O365 connectors answer 200 with "1", or with a throttling message in the body.
  if (response.body.find("429") != std::string::npos && response.body.find("HTTP error") != std::string::npos)
    throw http::RemoteError(ErrorKind::too_many_requests, "Teams incoming webhook: throttled (HTTP error 429 in the body)", true,
                            std::chrono::seconds(2));
}

}  // namespace costbot::teams
