#include "adapters/slack/web_api.hpp"

#include "adapters/http/form.hpp"
#include "adapters/http/url.hpp"
#include "engine/util/error.hpp"

namespace costbot::slack {
namespace json = boost::json;

bool is_transient_slack_error(std::string_view code) {
  return code == "ratelimited" || code == "rate_limited" || code == "internal_error" || code == "fatal_error" ||
         code == "service_unavailable" || code == "request_timeout" || code == "team_added_to_org";
}

WebApi::WebApi(http::Client& client, std::string api_url, std::string bot_token)
    : client_(client), api_url_(std::move(api_url)), token_(std::move(bot_token)) {}

namespace {

json::object slack_answer(const std::string& method, const http::Response& response) {
  if (!response.ok()) throw http::error_for_status(response, "Slack " + method);
  boost::system::error_code ec;
  auto parsed = json::parse(response.body, ec);
  if (ec || !parsed.is_object())
    throw http::RemoteError(ErrorKind::unavailable, "Slack " + method + ": answer is not a JSON object", true);
  auto& answer = parsed.as_object();
  auto* ok = answer.if_contains("ok");
  if (!ok || !ok->is_bool() || !ok->as_bool()) {
    auto* err = answer.if_contains("error");
    std::string code = err && err->is_string() ? std::string(err->as_string()) : "unknown_error";
    bool transient = is_transient_slack_error(code);
    throw http::RemoteError(transient ? ErrorKind::unavailable : ErrorKind::invalid_input,
                            "Slack " + method + " failed: " + code, transient, response.retry_after, code);
  }
  return std::move(answer);
}

std::string string_member(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

json::object WebApi::call_form(const std::string& method, const std::vector<std::pair<std::string, std::string>>& fields) {
  if (token_.empty())
    throw http::RemoteError(ErrorKind::unavailable, "Slack " + method + ": no bot token (slack.bot_token / SLACK_BOT_TOKEN)", false);
  http::Request request;
  request.method = "POST";
  request.url = http::join_url(api_url_, method);
  request.body = http::encode_form(fields);
  request.content_type = "application/x-www-form-urlencoded";
  request.header("Authorization", "Bearer " + token_);
  return slack_answer(method, client_.send(std::move(request), call_options_));
}

std::optional<WebApi::Posted> WebApi::find_posted(const std::string& channel, const std::string& thread_ts,
                                                  const std::string& key, const std::string& oldest) {
  std::vector<std::pair<std::string, std::string>> fields{
      {"channel", channel}, {"oldest", oldest}, {"inclusive", "true"}, {"include_all_metadata", "true"}, {"limit", "15"}};
  if (!thread_ts.empty()) fields.emplace_back("ts", thread_ts);
  auto answer = call_form(thread_ts.empty() ? "conversations.history" : "conversations.replies", fields);
  auto* list = answer.if_contains("messages");
  if (!list || !list->is_array()) return std::nullopt;
  for (const auto& m : list->as_array()) {
    if (!m.is_object()) continue;
    auto* meta = m.as_object().if_contains("metadata");
    if (!meta || !meta->is_object()) continue;
    auto* payload = meta->as_object().if_contains("event_payload");
    if (!payload || !payload->is_object() || string_member(payload->as_object(), "key") != key) continue;
    return Posted{channel, string_member(m.as_object(), "ts")};
  }
  return std::nullopt;
}

std::string WebApi::open_direct(const std::string& user_id) {
  auto answer = call_form("conversations.open", {{"users", user_id}});
  if (auto* c = answer.if_contains("channel"); c && c->is_object()) return string_member(c->as_object(), "id");
  throw http::RemoteError(ErrorKind::unavailable, "Slack conversations.open: answer has no channel", true);
}

json::object WebApi::call(const std::string& method, const json::object& body) {
  if (token_.empty())
    throw http::RemoteError(ErrorKind::unavailable, "Slack " + method + ": no bot token (slack.bot_token / SLACK_BOT_TOKEN)", false);
  auto request = http::Request::post_json(http::join_url(api_url_, method), json::serialize(body));
  request.header("Authorization", "Bearer " + token_);
  // A post is not idempotent: the client repeats it only when Slack surely did not act on it.
  return slack_answer(method, client_.send(std::move(request), call_options_));
}

WebApi::Posted WebApi::post_message(const json::object& message) {
  auto answer = call("chat.postMessage", message);
  auto* ts = answer.if_contains("ts");
  if (!ts || !ts->is_string())
    throw http::RemoteError(ErrorKind::unavailable, "Slack chat.postMessage: answer has no ts", false);
  Posted posted{"", std::string(ts->as_string())};
  if (auto* channel = answer.if_contains("channel"); channel && channel->is_string())
    posted.channel = std::string(channel->as_string());
  else if (auto* requested = message.if_contains("channel"); requested && requested->is_string())
    posted.channel = std::string(requested->as_string());
  return posted;
}

void WebApi::update_message(const json::object& message) { call("chat.update", message); }

std::string WebApi::post_ephemeral(const json::object& message) {
  auto answer = call("chat.postEphemeral", message);
  auto* ts = answer.if_contains("message_ts");
  return ts && ts->is_string() ? std::string(ts->as_string()) : std::string();
}

std::string WebApi::open_view(const std::string& trigger_id, const json::object& view) {
  auto answer = call("views.open", json::object{{"trigger_id", trigger_id}, {"view", view}});
  if (auto* v = answer.if_contains("view"); v && v->is_object())
    if (auto* id = v->as_object().if_contains("id"); id && id->is_string()) return std::string(id->as_string());
  return {};
}

void WebApi::post_to_response_url(const std::string& url, const json::object& body) {
  auto response = client_.send(http::Request::post_json(url, json::serialize(body)), call_options_);
  if (!response.ok()) throw http::error_for_status(response, "Slack response_url");
  // Slack answers "ok" or {"ok":true}; an error comes as {"ok":false,"error":"..."} or a 4xx.
  boost::system::error_code ec;
  auto parsed = json::parse(response.body, ec);
  if (!ec && parsed.is_object()) {
    auto& o = parsed.as_object();
    if (auto* ok = o.if_contains("ok"); ok && ok->is_bool() && !ok->as_bool()) {
      auto* err = o.if_contains("error");
      std::string code = err && err->is_string() ? std::string(err->as_string()) : "unknown_error";
      throw http::RemoteError(ErrorKind::invalid_input, "Slack response_url failed: " + code,
                              is_transient_slack_error(code), std::nullopt, code);
    }
  }
}

}  // namespace costbot::slack
