#pragma once
// A stand-in for Jira Cloud's REST API v3 on loopback (FakeHttpServer), with real state: issues
// with labels, statuses, comments and a small workflow (To Do → In Progress → Done / Won't Do).
// It checks what it receives as Jira would — Basic auth with the right email:token, JSON bodies,
// the create body's shape (project key, issue type, one-line summary, ADF description, labels
// without spaces), ADF comments — and records every violation. It can fail on demand: 500, 429
// with Retry-After, hang past the client's timeout, create the issue and then drop the connection
// or hang (the answer is lost), and make search lag behind creates (Jira search is eventually
// consistent).
#include <boost/json.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/fake_http_server.hpp"

namespace costbot::testing {

struct FakeJiraIssue {
  std::string id, key, project, summary, status = "To Do", status_category = "new";
  std::vector<std::string> labels;
  boost::json::object fields;                 // as received
  std::vector<boost::json::value> comments;   // ADF bodies
};

class FakeJira {
 public:
  FakeJira(std::string email = "costbot@example.com", std::string api_token = "jira-test-token",
           FakeServerOptions options = {});

  std::string base_url() const { return server_.url(); }
  const std::string& email() const { return email_; }
  const std::string& api_token() const { return token_; }

  // What the next create does (one-shot each, in order; then normal again).
  enum class CreateMode { normal, fail_500, rate_limit, hang, create_then_drop, create_then_hang };
  void next_create(CreateMode mode, int retry_after_seconds = 1);
  // The next `count` searches do not see issues created from now on (search lag).
  void lag_search(int count);
  // The next call of `method` + `path` gets this answer instead (any endpoint).
  void fail_next(const std::string& method, const std::string& path, ScriptedResponse response);

  std::vector<FakeJiraIssue> issues() const;
  std::optional<FakeJiraIssue> issue(const std::string& key) const;
  // Moves an issue as a person in Jira would (for webhook tests).
  void set_status(const std::string& key, const std::string& status, const std::string& category);

  std::size_t create_calls() const;  // POST /rest/api/3/issue received (answered or not)
  std::size_t search_calls() const;
  bool wait_for_creates(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  bool wait_for_searches(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Protocol mistakes seen (bad auth, bad JSON, bad create body): must stay empty.
  std::vector<std::string> violations() const;

  FakeHttpServer& server() { return server_; }

 private:
  ScriptedResponse route(const RecordedRequest& req);
  ScriptedResponse search(const boost::json::object& body);
  ScriptedResponse create(const boost::json::object& body);
  std::optional<ScriptedResponse> check_auth(const RecordedRequest& req);
  ScriptedResponse violation(std::string what, int status = 400);
  FakeJiraIssue* find(const std::string& key);

  std::string email_, token_;
  mutable std::mutex mutex_;
  std::vector<FakeJiraIssue> issues_;
  std::vector<std::pair<CreateMode, int>> create_modes_;
  int lag_searches_ = 0;
  std::size_t visible_issues_ = 0;  // during a lag: how many issues searches may see
  std::vector<std::string> violations_;
  int next_id_ = 10000;
  FakeHttpServer server_;  // last: its threads stop before the members they use go away
};

// A Jira issue webhook body (jira:issue_updated) as Jira Cloud sends it, status change included.
std::string jira_issue_webhook(const std::string& key, const std::string& status, const std::string& category,
                               std::int64_t timestamp_ms, const std::string& event = "jira:issue_updated");

}  // namespace costbot::testing
