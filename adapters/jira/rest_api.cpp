#include "adapters/jira/rest_api.hpp"

#include "adapters/http/url.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::jira {
namespace json = boost::json;
namespace {

std::string jira_text(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

// fields.status → (name, category key).
void read_status(const json::object& issue, IssueRef& out) {
  const auto* fields = json_object(issue, "fields");
  const auto* status = fields ? json_object(*fields, "status") : nullptr;
  if (!status) return;
  out.status = jira_text(*status, "name");
  if (const auto* category = json_object(*status, "statusCategory")) out.status_category = jira_text(*category, "key");
}

std::string issue_path(const std::string& key, std::string_view rest = {}) {
  if (!is_issue_key(key)) throw invalid_input("\"" + key + "\" is not a Jira issue key (PROJECT-123)");
  return "/rest/api/3/issue/" + key + std::string(rest);
}

}  // namespace

bool is_issue_key(std::string_view key) {
  auto dash = key.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= key.size() || key.size() > 64) return false;
  if (!(key[0] >= 'A' && key[0] <= 'Z')) return false;
  for (std::size_t i = 1; i < dash; ++i) {
    char c = key[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  for (std::size_t i = dash + 1; i < key.size(); ++i)
    if (key[i] < '0' || key[i] > '9') return false;
  return true;
}

std::string error_summary(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  std::string out;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    out += (out.empty() ? "" : "; ") + part;
  };
  if (auto* messages = v.as_object().if_contains("errorMessages"); messages && messages->is_array())
    for (const auto& m : messages->as_array())
      if (m.is_string()) add(std::string(m.as_string()));
  if (auto* errors = v.as_object().if_contains("errors"); errors && errors->is_object())
    for (const auto& [field, message] : errors->as_object())
      if (message.is_string()) add(std::string(field) + ": " + std::string(message.as_string()));
  if (out.size() > 500) out = out.substr(0, 497) + "...";
  return out;
}

RestApi::RestApi(http::Client& client, std::string base_url, const std::string& email, const std::string& api_token)
    : client_(client), base_url_(std::move(base_url)), authorization_("Basic " + hash::base64_encode(email + ":" + api_token)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

http::Response RestApi::send(http::Request request, const std::string& what, http::Idempotency idempotency) {
  request.header("Authorization", authorization_);
  request.header("Accept", "application/json");
  auto options = call_options_;
  options.idempotency = idempotency;
  auto response = client_.send(std::move(request), options);
  if (!response.ok()) throw http::error_for_status(response, "Jira " + what, error_summary(response.body));
  return response;
}

json::object RestApi::parse_object(const http::Response& response, const std::string& what) {
  boost::system::error_code ec;
  auto v = json::parse(response.body, ec);
  // A 2xx we cannot read: Jira may have acted, so the caller must look before acting again.
  if (ec || !v.is_object())
    throw http::RemoteError(ErrorKind::unavailable, "Jira " + what + ": answer is not a JSON object", true);
  return std::move(v.as_object());
}

std::vector<IssueRef> RestApi::search(const std::string& jql, int max_results) {
  json::object body{{"jql", jql}, {"fields", json::array{"status"}}, {"maxResults", max_results}};
  auto response = send(http::Request::post_json(base_url_ + "/rest/api/3/search/jql", json::serialize(body)), "search",
                       http::Idempotency::idempotent);  // a read: safe to repeat
  auto answer = parse_object(response, "search");
  std::vector<IssueRef> out;
  auto* issues = answer.if_contains("issues");
  if (!issues || !issues->is_array())
    throw http::RemoteError(ErrorKind::unavailable, "Jira search: answer has no issues list", true);
  for (const auto& i : issues->as_array()) {
    if (!i.is_object()) continue;
    IssueRef ref{jira_text(i.as_object(), "id"), jira_text(i.as_object(), "key"), "", ""};
    read_status(i.as_object(), ref);
    if (!ref.key.empty()) out.push_back(std::move(ref));
  }
  return out;
}

IssueRef RestApi::create_issue(const json::object& body) {
  auto response = send(http::Request::post_json(base_url_ + "/rest/api/3/issue", json::serialize(body)), "create issue",
                       http::Idempotency::non_idempotent);
  auto answer = parse_object(response, "create issue");
  IssueRef ref{jira_text(answer, "id"), jira_text(answer, "key"), "", ""};
  if (!is_issue_key(ref.key))
    throw http::RemoteError(ErrorKind::unavailable, "Jira create issue: answer has no issue key", true);
  return ref;
}

std::string RestApi::add_comment(const std::string& key, const json::value& adf_body) {
  json::object body{{"body", adf_body}};
  auto response = send(http::Request::post_json(base_url_ + issue_path(key, "/comment"), json::serialize(body)),
                       "comment on " + key, http::Idempotency::non_idempotent);
  boost::system::error_code ec;
  auto v = json::parse(response.body, ec);
  return !ec && v.is_object() ? jira_text(v.as_object(), "id") : std::string();
}

bool RestApi::has_comment_containing(const std::string& key, const std::string& text) {
  auto response = send(http::Request::get(base_url_ + issue_path(key, "/comment?orderBy=-created&maxResults=100")),
                       "comments of " + key, http::Idempotency::by_method);
  auto answer = parse_object(response, "comments of " + key);
  auto* comments = answer.if_contains("comments");
  if (!comments || !comments->is_array()) return false;
  for (const auto& c : comments->as_array())
    if (c.is_object())
      if (auto* body = c.as_object().if_contains("body"); body && json::serialize(*body).find(text) != std::string::npos)
        return true;
  return false;
}

std::vector<Transition> RestApi::transitions(const std::string& key) {
  auto response = send(http::Request::get(base_url_ + issue_path(key, "/transitions")), "transitions of " + key,
                       http::Idempotency::by_method);
  auto answer = parse_object(response, "transitions of " + key);
  std::vector<Transition> out;
  auto* list = answer.if_contains("transitions");
  if (!list || !list->is_array()) return out;
  for (const auto& t : list->as_array()) {
    if (!t.is_object()) continue;
    Transition tr{jira_text(t.as_object(), "id"), jira_text(t.as_object(), "name"), "", ""};
    if (const auto* to = json_object(t.as_object(), "to")) {
      tr.to_status = jira_text(*to, "name");
      if (const auto* category = json_object(*to, "statusCategory")) tr.to_category = jira_text(*category, "key");
    }
    if (!tr.id.empty()) out.push_back(std::move(tr));
  }
  return out;
}

void RestApi::transition(const std::string& key, const std::string& transition_id) {
  json::object body{{"transition", {{"id", transition_id}}}};
  send(http::Request::post_json(base_url_ + issue_path(key, "/transitions"), json::serialize(body)), "transition " + key,
       http::Idempotency::non_idempotent);
}

IssueRef RestApi::issue_status(const std::string& key) {
  auto response = send(http::Request::get(base_url_ + issue_path(key, "?fields=status")), "status of " + key,
                       http::Idempotency::by_method);
  auto answer = parse_object(response, "status of " + key);
  IssueRef ref{jira_text(answer, "id"), jira_text(answer, "key"), "", ""};
  read_status(answer, ref);
  return ref;
}

std::string RestApi::browse_url(const std::string& key) const { return base_url_ + "/browse/" + key; }

}  // namespace costbot::jira
