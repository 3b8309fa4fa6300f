#include "tests/support/fake_jira.hpp"

#include <regex>

#include "engine/util/hash.hpp"

namespace costbot::testing {
namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
const json::object* obj(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

ScriptedResponse jira_error(int status, const std::string& message, json::object errors = {}) {
  return ScriptedResponse::json(
      status, json::serialize(json::object{{"errorMessages", message.empty() ? json::array{} : json::array{json::value(message)}},
                                           {"errors", errors}}));
}

bool is_adf_doc(const json::value& v) {
  if (!v.is_object()) return false;
  const auto& o = v.as_object();
  auto* content = o.if_contains("content");
  auto* version = o.if_contains("version");
  return str(o, "type") == "doc" && version && version->is_int64() && version->as_int64() == 1 && content &&
         content->is_array();
}

struct StatusDef {
  const char* id;
  const char* name;
  const char* category;
};
constexpr StatusDef kWorkflow[] = {
    {"11", "To Do", "new"}, {"21", "In Progress", "indeterminate"}, {"31", "Done", "done"}, {"41", "Won't Do", "done"}};

json::object status_json(const std::string& name, const std::string& category) {
  return {{"name", name}, {"statusCategory", {{"key", category}}}};
}

}  // namespace

FakeJira::FakeJira(std::string email, std::string api_token, FakeServerOptions options)
    : email_(std::move(email)), token_(std::move(api_token)), server_(options) {
  server_.otherwise([this](const RecordedRequest& req) { return route(req); });
}

void FakeJira::next_create(CreateMode mode, int retry_after_seconds) {
  std::lock_guard lock(mutex_);
  create_modes_.emplace_back(mode, retry_after_seconds);
}

void FakeJira::lag_search(int count) {
  std::lock_guard lock(mutex_);
  lag_searches_ = count;
  visible_issues_ = issues_.size();
}

void FakeJira::fail_next(const std::string& method, const std::string& path, ScriptedResponse response) {
  server_.script(method, path, std::move(response));
}

std::vector<FakeJiraIssue> FakeJira::issues() const {
  std::lock_guard lock(mutex_);
  return issues_;
}

std::optional<FakeJiraIssue> FakeJira::issue(const std::string& key) const {
  std::lock_guard lock(mutex_);
  for (const auto& i : issues_)
    if (i.key == key) return i;
  return std::nullopt;
}

void FakeJira::set_status(const std::string& key, const std::string& status, const std::string& category) {
  std::lock_guard lock(mutex_);
  if (auto* i = find(key)) {
    i->status = status;
    i->status_category = category;
  }
}

std::size_t FakeJira::create_calls() const { return server_.requests("POST", "/rest/api/3/issue").size(); }
std::size_t FakeJira::search_calls() const { return server_.requests("POST", "/rest/api/3/search/jql").size(); }

bool FakeJira::wait_for_creates(std::size_t count, std::chrono::milliseconds timeout) const {
  return server_.wait_for_requests("POST", "/rest/api/3/issue", count, timeout);
}
bool FakeJira::wait_for_searches(std::size_t count, std::chrono::milliseconds timeout) const {
  return server_.wait_for_requests("POST", "/rest/api/3/search/jql", count, timeout);
}

std::vector<std::string> FakeJira::violations() const {
  std::lock_guard lock(mutex_);
  return violations_;
}

FakeJiraIssue* FakeJira::find(const std::string& key) {
  for (auto& i : issues_)
    if (i.key == key) return &i;
  return nullptr;
}

ScriptedResponse FakeJira::violation(std::string what, int status) {
  violations_.push_back(what);
  return jira_error(status, what);
}

std::optional<ScriptedResponse> FakeJira::check_auth(const RecordedRequest& req) {
  auto expected = "Basic " + hash::base64_encode(email_ + ":" + token_);
  if (req.header("authorization") != expected) {
    violations_.push_back(req.method + " " + req.path + ": bad or missing Basic authorization");
    return jira_error(401, "Client must be authenticated to access this resource.");
  }
  if (req.method == "POST") {
    auto type = req.header("content-type");
    if (type.find("application/json") == std::string::npos)
      return violation(req.method + " " + req.path + ": content type " + type, 415);
  }
  return std::nullopt;
}

ScriptedResponse FakeJira::route(const RecordedRequest& req) {
  std::lock_guard lock(mutex_);
  if (auto denied = check_auth(req)) return *denied;
  json::object body;
  if (req.method == "POST") {
    boost::system::error_code ec;
    auto parsed = json::parse(req.body, ec);
    if (ec || !parsed.is_object()) return violation(req.path + ": body is not a JSON object");
    body = std::move(parsed.as_object());
  }
  if (req.method == "POST" && req.path == "/rest/api/3/search/jql") return search(body);
  if (req.method == "POST" && req.path == "/rest/api/3/issue") return create(body);

  static const std::regex issue_path(R"(^/rest/api/3/issue/([A-Z][A-Z0-9_]*-[0-9]+)(/comment|/transitions)?$)");
  std::smatch m;
  if (!std::regex_match(req.path, m, issue_path)) return jira_error(404, "no such resource in the Jira fake: " + req.path);
  auto* issue = find(m[1]);
  if (!issue) return jira_error(404, "Issue does not exist or you do not have permission to see it.");
  const std::string what = m[2];
  if (what.empty() && req.method == "GET")
    return ScriptedResponse::json(
        200, json::serialize(json::object{{"id", issue->id},
                                          {"key", issue->key},
                                          {"fields", {{"status", status_json(issue->status, issue->status_category)}}}}));
  if (what == "/comment" && req.method == "POST") {
    auto* adf = body.if_contains("body");
    if (!adf || !is_adf_doc(*adf)) return violation("comment on " + issue->key + ": body is not an ADF document");
    issue->comments.push_back(*adf);
    return ScriptedResponse::json(201, json::serialize(json::object{{"id", std::to_string(20000 + issue->comments.size())},
                                                                    {"body", *adf}}));
  }
  if (what == "/comment" && req.method == "GET") {
    json::array list;
    for (std::size_t i = 0; i < issue->comments.size(); ++i)
      list.push_back({{"id", std::to_string(20001 + i)}, {"body", issue->comments[i]}});
    return ScriptedResponse::json(200, json::serialize(json::object{{"comments", list}, {"total", list.size()}}));
  }
  if (what == "/transitions" && req.method == "GET") {
    json::array list;
    for (const auto& s : kWorkflow)
      if (s.name != issue->status) list.push_back({{"id", s.id}, {"name", s.name}, {"to", status_json(s.name, s.category)}});
    return ScriptedResponse::json(200, json::serialize(json::object{{"transitions", list}}));
  }
  if (what == "/transitions" && req.method == "POST") {
    const auto* t = obj(body, "transition");
    std::string id = t ? str(*t, "id") : "";
    for (const auto& s : kWorkflow)
      if (id == s.id && s.name != issue->status) {
        issue->status = s.name;
        issue->status_category = s.category;
        return ScriptedResponse::text(204, "");
      }
    return jira_error(400, "", {{"transition", "Transition id '" + id + "' is not valid for this issue."}});
  }
  return jira_error(405, "method not allowed in the Jira fake: " + req.method + " " + req.path);
}

ScriptedResponse FakeJira::search(const json::object& body) {
  std::string jql = str(body, "jql");
  if (jql.empty()) return violation("search: no jql");
  static const std::regex label_re(R"re(labels\s*=\s*"([^"]+)")re");
  static const std::regex project_re(R"re(project\s*=\s*"?([A-Z][A-Z0-9_]*)"?)re");
  std::smatch m;
  std::string label, project;
  if (std::regex_search(jql, m, label_re)) label = m[1];
  if (std::regex_search(jql, m, project_re)) project = m[1];
  if (label.empty()) return violation("search: the JQL names no label: " + jql);
  std::size_t visible = issues_.size();
  if (lag_searches_ > 0) {
    --lag_searches_;
    visible = std::min(visible, visible_issues_);
  }
  json::array found;
  for (std::size_t i = 0; i < visible; ++i) {
    const auto& issue = issues_[i];
    if (!project.empty() && issue.project != project) continue;
    if (std::find(issue.labels.begin(), issue.labels.end(), label) == issue.labels.end()) continue;
    found.push_back({{"id", issue.id},
                     {"key", issue.key},
                     {"fields", {{"status", status_json(issue.status, issue.status_category)}}}});
  }
  return ScriptedResponse::json(200, json::serialize(json::object{{"issues", found}, {"isLast", true}}));
}

ScriptedResponse FakeJira::create(const json::object& body) {
  auto mode = CreateMode::normal;
  int retry_after = 1;
  if (!create_modes_.empty()) {
    std::tie(mode, retry_after) = create_modes_.front();
    create_modes_.erase(create_modes_.begin());
  }
  if (mode == CreateMode::fail_500) return jira_error(500, "Internal server error (scripted)");
  if (mode == CreateMode::rate_limit)
    return jira_error(429, "Rate limit exceeded.").header("Retry-After", std::to_string(retry_after));
  if (mode == CreateMode::hang) {
    ScriptedResponse r;
    r.hang = true;
    return r;
  }

  const auto* fields = obj(body, "fields");
  if (!fields) return violation("create: no fields object");
  const auto* project = obj(*fields, "project");
  const auto* type = obj(*fields, "issuetype");
  std::string summary = str(*fields, "summary");
  json::object errors;
  if (!project || (str(*project, "key").empty() && str(*project, "id").empty())) errors["project"] = "Specify a valid project ID or key";
  if (!type || (str(*type, "name").empty() && str(*type, "id").empty())) errors["issuetype"] = "Specify an issue type";
  if (summary.empty() || summary.size() > 255 || summary.find('\n') != std::string::npos)
    errors["summary"] = "You must specify a summary of the issue (one line, at most 255 characters).";
  if (auto* d = fields->if_contains("description"); d && !is_adf_doc(*d))
    errors["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
  std::vector<std::string> labels;
  if (auto* l = fields->if_contains("labels")) {
    if (!l->is_array()) errors["labels"] = "labels must be an array";
    else
      for (const auto& v : l->as_array()) {
        if (!v.is_string() || v.as_string().empty() || std::string_view(v.as_string()).find(' ') != std::string_view::npos)
          errors["labels"] = "A label cannot contain spaces.";
        else
          labels.emplace_back(v.as_string());
      }
  }
  if (!errors.empty()) {
    violations_.push_back("create: " + json::serialize(errors));
    return jira_error(400, "", errors);
  }
  FakeJiraIssue issue;
  issue.id = std::to_string(next_id_++);
  issue.project = str(*project, "key");
  int n = 1;
  for (const auto& i : issues_) n += i.project == issue.project;
  issue.key = issue.project + "-" + std::to_string(n);
  issue.summary = summary;
  issue.labels = labels;
  issue.fields = *fields;
  issues_.push_back(issue);
  if (mode == CreateMode::create_then_drop) {
    ScriptedResponse r;
    r.close_without_answer = true;
    return r;
  }
  if (mode == CreateMode::create_then_hang) {
    ScriptedResponse r;
    r.hang = true;
    return r;
  }
  return ScriptedResponse::json(201, json::serialize(json::object{
                                         {"id", issue.id}, {"key", issue.key}, {"self", server_.url() + "/rest/api/3/issue/" + issue.id}}));
}

std::string jira_issue_webhook(const std::string& key, const std::string& status, const std::string& category,
                               std::int64_t timestamp_ms, const std::string& event) {
  json::object body{
      {"timestamp", timestamp_ms},
      {"webhookEvent", event},
      {"issue_event_type_name", "issue_generic"},
      {"user", {{"accountId", "5b10ac8d82e05b22cc7d4ef5"}, {"displayName", "Dana Lee"}}},
      {"issue",
       {{"id", "10000"},
        {"key", key},
        {"fields", {{"summary", "[costbot] test"}, {"status", {{"name", status}, {"statusCategory", {{"key", category}, {"name", status}}}}}}}}},
      {"changelog",
       {{"id", "10100"}, {"items", json::array{{{"field", "status"}, {"fieldtype", "jira"}, {"fromString", "To Do"}, {"toString", status}}}}}}};
  return json::serialize(body);
}

}  // namespace costbot::testing
