#include "tests/support/fake_slack.hpp"

#include "adapters/http/form.hpp"

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
  for (const char* method : {"conversations.history", "conversations.replies", "conversations.open", "usergroups.list",
                             "usergroups.users.list"}) {
    std::string m = method;
    server_.on("POST", "/api/" + m, [this, m](const RecordedRequest& req) { return read_method(m, req); });
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
  std::function<void()> hook;
  {
    std::lock_guard lock(mutex_);
    if (auto it = hooks_.find(method); it != hooks_.end()) hook = it->second;
  }
  if (hook) hook();
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
  std::string ts = std::to_string(time_) + "." + std::to_string(100000 + ++next_ts_);
  if (method == "chat.postMessage") {
    if (auto bad = require({"channel"})) return *bad;
    if (!body.contains("text") && !body.contains("blocks")) return violation("neither text nor blocks", "no_text");
    auto channel = field(body, "channel");
    if (channel.starts_with("#")) channel = "C0NAMED" + std::to_string(channel.size());  // Slack answers with the id
    if (channel.starts_with("U")) channel = "D" + channel.substr(1);                      // a user's DM
    if (auto* meta = body.if_contains("metadata")) {
      if (!meta->is_object() || !meta->as_object().contains("event_type") || !meta->as_object().contains("event_payload"))
        return violation("metadata without event_type and event_payload", "invalid_metadata_format");
    }
    json::object kept = body;
    kept["ts"] = ts;
    channels_[channel].push_back(kept);
    if (lose_next_answer_) {
      lose_next_answer_ = false;
      ScriptedResponse lost;
      lost.hang = true;
      return lost;
    }
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

ScriptedResponse FakeSlack::read_method(const std::string& method, const RecordedRequest& req) {
  std::lock_guard lock(mutex_);
  auto refuse = [&](std::string what, const char* error) {
    violations_.push_back(method + ": " + what);
    return ScriptedResponse::json(200, std::string(R"({"ok":false,"error":")") + error + "\"}");
  };
  if (req.header("authorization") != "Bearer " + token_) return refuse("bad or missing bearer token", "invalid_auth");
  // Slack's read methods take form fields (a JSON body is not read).
  if (req.header("content-type").find("application/x-www-form-urlencoded") == std::string::npos)
    return refuse("content type " + req.header("content-type"), "invalid_form_data");
  std::map<std::string, std::string> form;
  try {
    for (auto& [k, v] : http::decode_form(req.body)) form[k] = v;
  } catch (const std::exception&) {
    return refuse("a body that is not form encoded", "invalid_form_data");
  }
  if (method == "conversations.open") {
    if (form["users"].empty()) return refuse("missing users", "users_list_not_supplied");
    return ScriptedResponse::json(200, json::serialize(json::object{{"ok", true}, {"channel", {{"id", "D" + form["users"].substr(1)}}}}));
  }
  if (method == "usergroups.list") {
    json::array groups;
    for (const auto& [id, g] : user_groups_) groups.push_back(json::object{{"id", id}, {"handle", g.handle}, {"name", g.handle}});
    return ScriptedResponse::json(200, json::serialize(json::object{{"ok", true}, {"usergroups", std::move(groups)}}));
  }
  if (method == "usergroups.users.list") {
    if (form["usergroup"].empty()) return refuse("missing usergroup", "invalid_arguments");
    auto it = user_groups_.find(form["usergroup"]);
    if (it == user_groups_.end()) return ScriptedResponse::json(200, R"({"ok":false,"error":"no_such_subteam"})");
    if (it->second.drop) {
      ScriptedResponse dropped;
      dropped.close_without_answer = true;
      return dropped;
    }
    json::array users;
    for (const auto& u : it->second.users) users.push_back(json::value(u));
    return ScriptedResponse::json(200, json::serialize(json::object{{"ok", true}, {"users", std::move(users)}}));
  }
  if (form["channel"].empty()) return refuse("missing channel", "channel_not_found");
  if (method == "conversations.replies" && form["ts"].empty()) return refuse("missing ts", "thread_not_found");
  const bool with_metadata = form["include_all_metadata"] == "true" || form["include_all_metadata"] == "1";
  const double oldest = form["oldest"].empty() ? 0 : std::stod(form["oldest"]);
  json::array found;
  for (const auto& m : channels_[form["channel"]]) {
    const auto ts = field(m, "ts");
    if (std::stod(ts) < oldest) continue;
    const auto thread = field(m, "thread_ts");
    if (method == "conversations.history" && !thread.empty() && !m.contains("reply_broadcast")) continue;
    if (method == "conversations.replies" && thread != form["ts"] && ts != form["ts"]) continue;
    json::object out{{"type", "message"}, {"ts", ts}, {"text", field(m, "text")}, {"bot_id", "B0COSTBOT"}};
    if (with_metadata && m.contains("metadata")) out["metadata"] = m.at("metadata");
    found.push_back(std::move(out));
  }
  return ScriptedResponse::json(200, json::serialize(json::object{{"ok", true}, {"messages", std::move(found)}, {"has_more", false}}));
}

void FakeSlack::set_user_group(const std::string& id, const std::string& handle, std::vector<std::string> users) {
  std::lock_guard lock(mutex_);
  user_groups_[id] = UserGroup{handle, std::move(users)};
}

void FakeSlack::drop_user_group_lookups(const std::string& id, bool drop) {
  std::lock_guard lock(mutex_);
  user_groups_[id].drop = drop;
}

std::size_t FakeSlack::user_group_lookups(const std::string& id) const {
  std::size_t n = 0;
  for (const auto& r : server_.requests("POST", "/api/usergroups.users.list"))
    try {
      for (const auto& [k, v] : http::decode_form(r.body))
        if (k == "usergroup" && v == id) ++n;
    } catch (const std::exception&) {
    }
  return n;
}

void FakeSlack::use_time(std::int64_t unix_seconds) {
  std::lock_guard lock(mutex_);
  time_ = unix_seconds;
}

void FakeSlack::post_then_lose_answer_next() {
  std::lock_guard lock(mutex_);
  lose_next_answer_ = true;
}

void FakeSlack::on_call(const std::string& method, std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  hooks_[method] = std::move(hook);
}

std::vector<json::object> FakeSlack::messages_in(const std::string& channel) const {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(channel);
  return it == channels_.end() ? std::vector<json::object>{} : it->second;
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
