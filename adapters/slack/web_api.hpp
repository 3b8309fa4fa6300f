#pragma once
// The Slack Web API methods costbot uses, over the shared HTTPS client. Every call is JSON with
// the bot token; an answer with "ok": false throws http::RemoteError whose code() is Slack's error
// ("channel_not_found", "invalid_auth", ...). HTTP 429 carries Retry-After. Transient Slack errors
// (ratelimited, internal_error, ...) are retryable; the rest are permanent.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/client.hpp"

namespace costbot::slack {

class WebApi {
 public:
  // api_url: "https://slack.com/api" (SLACK_API_URL points tests at a loopback fake).
  WebApi(http::Client& client, std::string api_url, std::string bot_token);

  // Calls one method with a JSON body; returns the whole answer (ok is true).
  boost::json::object call(const std::string& method, const boost::json::object& body);
  // Read methods (conversations.*) take form fields, not JSON.
  boost::json::object call_form(const std::string& method, const std::vector<std::pair<std::string, std::string>>& fields);

  struct Posted {
    std::string channel;  // the channel id Slack answered with (a name or user id resolves to it)
    std::string ts;
  };
  Posted post_message(const boost::json::object& message);         // needs "channel"
  void update_message(const boost::json::object& message);         // needs "channel" and "ts"
  // The message this app posted into `channel` (into the thread `thread_ts` when given) at or after
  // `oldest` (a Slack ts) whose metadata event_payload has "key": `key` — how a post whose answer
  // was lost is found again (chat.postMessage has no idempotency key). conversations.history or
  // conversations.replies with include_all_metadata; needs the channels:history / groups:history /
  // im:history scope of the conversation. nullopt when there is none.
  std::optional<Posted> find_posted(const std::string& channel, const std::string& thread_ts, const std::string& key,
                                    const std::string& oldest);
  // The direct-message conversation with a user (conversations.open, im:write): where a post
  // addressed to a user id lands.
  std::string open_direct(const std::string& user_id);
  std::string post_ephemeral(const boost::json::object& message);  // needs "channel" and "user"
  std::string open_view(const std::string& trigger_id, const boost::json::object& view);  // view id
  // response_url: no token; answers {"ok":true} or plain "ok" depending on Slack's mood.
  void post_to_response_url(const std::string& url, const boost::json::object& body);

  bool has_token() const { return !token_.empty(); }
  // Per-call policy, e.g. a short max_retry_wait so the outbox reschedules on a long Retry-After
  // instead of holding its thread.
  void set_call_options(http::CallOptions options) { call_options_ = options; }

 private:
  http::CallOptions call_options_;
  http::Client& client_;
  std::string api_url_;
  std::string token_;
};

// Whether a Slack error code is worth retrying.
bool is_transient_slack_error(std::string_view code);

}  // namespace costbot::slack
