#include "tests/support/fake_slack.hpp"

namespace costbot::testing {
namespace json = boost::json;

namespace {

std::string field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

FakeSlack::FakeSlack(std::string bot_token, FakeServerOptions options) : token_(std::move(bot_token)), server_(options) {
  for (const char* method : {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open"}) {
    std::string m = method;
    server_.on("POST", "/api/" + m, [this, m](const RecordedRequest& req) { return answer(m, req); });
  }
  server_.otherwise([this](const RecordedRequest& req) {
    if (req.method == "POST" && req.path.starts_with("/response/")) {
      std::lock_guard lock(mutex_);
      if (!req.header("authorization").empty()) violations_.push_back("response_url post carried an Authorization header");
      boost::system::error_code ec;
      auto body = json::parse(req.body, ec);
      if (ec || !body.is_object()) violations_.push_back("response_url body is not a JSON object");
      return ScriptedResponse::json(200, R"({"ok":true})");
    }
    return ScriptedResponse::json(404, R"({"ok":false,"error":"unknown_method"})");
  });
}

ScriptedResponse FakeSlack::answer(const std::string& method, const RecordedRequest& req) {
  std::lock_guard lock(mutex_);
  auto violation = [&](std::string what, const char* error) {
    violations_.push_back(method + ": " + what);
    return ScriptedResponse::json(200, std::string(R"({"ok":false,"error":")") + error + "\"}");
  };
  if (req.header("authorization") != "Bearer " + token_) return violation("bad or missing bearer token", "invalid_auth");
  auto type = req.header("content-type");
  if (type.find("application/json") == std::string::npos) return violation("content type " + type, "invalid_form_data");
  if (type.find("charset") == std::string::npos) return violation("content type without charset", "missing_charset");
  boost::system::error_code ec;
  auto parsed = json::parse(req.body, ec);
  if (ec || !parsed.is_object()) return violation("body is not a JSON object", "invalid_json");
  auto& body = parsed.as_object();
  auto require = [&](std::initializer_list<const char*> keys) -> std::optional<ScriptedResponse> {
    for (const char* k : keys)
      if (!body.contains(k)) return violation(std::string("missing ") + k, "invalid_arguments");
    return std::nullopt;
  };
  std::string ts = "1700000000." + std::to_string(100000 + ++next_ts_);
  if (method == "chat.postMessage") {
    if (auto bad = require({"channel"})) return *bad;
    if (!body.contains("text") && !body.contains("blocks")) return violation("neither text nor blocks", "no_text");
    auto channel = field(body, "channel");
    if (channel.starts_with("#")) channel = "C0NAMED" + std::to_string(channel.size());  // Slack answers with the id
    return ScriptedResponse::json(200, json::serialize(json::object{{"ok", true}, {"channel", channel}, {"ts", ts}}));
  }
  if (method == "chat.update") {
    if (auto bad = require({"channel", "ts"})) return *bad;
    return ScriptedResponse::json(
        200, json::serialize(json::object{{"ok", true}, {"channel", field(body, "channel")}, {"ts", field(body, "ts")}}));
  }
  if (method == "chat.postEphemeral") {
    if (auto bad = require({"channel", "user"})) return *bad;
    return ScriptedResponse::json(200, json::serialize(json::object{{"ok", true}, {"message_ts", ts}}));
  }
  if (method == "views.open") {
    if (auto bad = require({"trigger_id", "view"})) return *bad;
    return ScriptedResponse::json(200, R"({"ok":true,"view":{"id":"V0FAKE1"}})");
  }
  return ScriptedResponse::json(200, R"({"ok":false,"error":"unknown_method"})");
}

void FakeSlack::fail_next(const std::string& method, ScriptedResponse response) {
  server_.script("POST", "/api/" + method, std::move(response));
}

void FakeSlack::rate_limit_next(const std::string& method, int retry_after_seconds) {
  fail_next(method, ScriptedResponse::json(429, R"({"ok":false,"error":"ratelimited"})")
                        .header("Retry-After", std::to_string(retry_after_seconds)));
}

void FakeSlack::error_next(const std::string& method, const std::string& slack_error) {
  fail_next(method, ScriptedResponse::json(200, R"({"ok":false,"error":")" + slack_error + "\"}"));
}

std::vector<json::object> FakeSlack::calls(const std::string& method) const {
  std::vector<json::object> out;
  for (const auto& r : server_.requests("POST", "/api/" + method)) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    out.push_back(!ec && v.is_object() ? v.as_object() : json::object{});
  }
  return out;
}

std::vector<json::object> FakeSlack::response_url_posts() const {
  std::vector<json::object> out;
  for (const auto& r : server_.requests()) {
    if (!r.path.starts_with("/response/")) continue;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    out.push_back(!ec && v.is_object() ? v.as_object() : json::object{});
  }
  return out;
}

bool FakeSlack::wait_for_calls(const std::string& method, std::size_t count, std::chrono::milliseconds timeout) const {
  return server_.wait_for_requests("POST", "/api/" + method, count, timeout);
}

bool FakeSlack::wait_for_response_url_posts(std::size_t count, std::chrono::milliseconds timeout) const {
  return server_.wait_until(
      [&](const std::vector<RecordedRequest>& all) {
        std::size_t n = 0;
        for (const auto& r : all) n += r.path.starts_with("/response/");
        return n >= count;
      },
      timeout);
}

std::vector<std::string> FakeSlack::violations() const {
  std::lock_guard lock(mutex_);
  return violations_;
}

}  // namespace costbot::testing
