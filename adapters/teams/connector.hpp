#pragma once
// Bot → Teams over the Bot Connector REST API, through the shared HTTPS client:
//   POST {serviceUrl}/v3/conversations/{id}/activities              a new message (proactive)
//   POST {serviceUrl}/v3/conversations/{id}/activities/{replyToId}  a reply (in the thread)
//   PUT  {serviceUrl}/v3/conversations/{id}/activities/{activityId} edit a message in place
// with `Authorization: Bearer <token>` from the OAuth2 client-credentials grant (app id and
// password, scope https://api.botframework.com/.default), cached until 5 minutes before it
// expires; a 401 from the connector drops the cached token and tries once more with a new one.
// The token is only ever sent to service URLs whose host is allowed (msteams.allowed_service_url_hosts).
//
// Errors are http::RemoteError: 429 / 5xx / 412 retryable with Retry-After (the outbox
// reschedules), other 4xx final. Also Incoming Webhook / Workflows posts (no token: the URL is the
// credential).
#include <boost/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/client.hpp"
#include "engine/util/time.hpp"

namespace costbot::teams {

struct ConnectorOptions {
  std::string app_id;
  std::string app_password;
  std::string token_url;  // https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token
  std::string scope = "https://api.botframework.com/.default";
  std::vector<std::string> allowed_hosts;  // "smba.trafficmanager.net", "*.teams.microsoft.com"
  std::int64_t token_refresh_margin = 300;  // seconds before expiry a cached token is replaced
};

class Connector {
 public:
  Connector(http::Client& client, ConnectorOptions options, const Clock& clock);

  bool has_credentials() const { return !options_.app_id.empty() && !options_.app_password.empty(); }
  // The new activity's id (Teams always returns one; empty if it did not).
  std::string send_activity(const std::string& service_url, const std::string& conversation_id,
                            const boost::json::object& activity, const std::string& reply_to_id = {});
  void update_activity(const std::string& service_url, const std::string& conversation_id,
                       const std::string& activity_id, boost::json::object activity);

  std::string access_token();  // cached; fetches when missing or about to expire
  std::size_t token_fetches() const;
  void set_call_options(http::CallOptions options) { call_options_ = options; }

 private:
  http::Response call(const std::string& method, const std::string& url, const std::string& body, const char* what);
  std::string fetch_token(UnixSeconds now);

  http::Client& client_;
  ConnectorOptions options_;
  const Clock& clock_;
  http::CallOptions call_options_;
  mutable std::mutex mutex_;
  std::string token_;
  UnixSeconds token_expires_ = 0;
  std::size_t token_fetches_ = 0;
};

// True when the URL is http(s) and its host matches one of the patterns ("*.x.com" matches
// a.x.com and x.com's subdomains, not x.com itself).
bool service_url_allowed(std::string_view url, const std::vector<std::string>& patterns);
// Percent-encodes everything outside RFC 3986 unreserved characters (conversation ids hold ':',
// '@', ';', '=').
std::string encode_path_segment(std::string_view segment);

// POSTs a message activity to an Incoming Webhook or a Workflows "webhook request" URL. Throttling
// that comes back as 200 with "HTTP error 429" in the body is turned into a retryable error.
void post_to_incoming_webhook(http::Client& client, const std::string& url, const boost::json::object& activity,
                              const http::CallOptions& options = {});

}  // namespace costbot::teams
