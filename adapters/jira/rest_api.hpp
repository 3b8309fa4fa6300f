#pragma once
// The Jira Cloud REST API v3 calls costbot makes, over the shared HTTPS client, with Basic auth
// (email:API token). Every non-2xx answer throws http::RemoteError: 429 and 5xx are retryable with
// Jira's Retry-After, other 4xx are permanent and carry Jira's own message (errorMessages / errors)
// as code(). No call here retries a create by itself: the caller (the outbox handler) searches by
// the idempotency label before creating again.
//
//   search      POST /rest/api/3/search/jql        (the old /rest/api/3/search is removed from Cloud)
//   create      POST /rest/api/3/issue
//   comment     POST /rest/api/3/issue/{key}/comment (GET the same path to look for one)
//   transitions GET  /rest/api/3/issue/{key}/transitions, POST the same path
//   status      GET  /rest/api/3/issue/{key}?fields=status
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "adapters/http/client.hpp"

namespace costbot::jira {

struct IssueRef {
  std::string id;   // "10000"
  std::string key;  // "FIN-24"
  std::string status;           // status name, when asked for (search, status)
  std::string status_category;  // new, indeterminate, done
};

struct Transition {
  std::string id;    // "31"
  std::string name;  // "Done"
  std::string to_status;
  std::string to_category;  // new, indeterminate, done
};

// A key as Jira writes them: PROJECT-123 (checked before it goes into a URL path).
bool is_issue_key(std::string_view key);

class RestApi {
 public:
  // base_url: https://your-site.atlassian.net (a loopback fake in tests).
  RestApi(http::Client& client, std::string base_url, const std::string& email, const std::string& api_token);

  // Issues matching `jql` (at most max_results), with their status.
  std::vector<IssueRef> search(const std::string& jql, int max_results = 2);
  // POST the complete create body ({"fields": {...}}); returns the new issue's id and key.
  IssueRef create_issue(const boost::json::object& body);
  // An ADF document as a comment; returns the comment id.
  std::string add_comment(const std::string& key, const boost::json::value& adf_body);
  // Whether one of the issue's latest comments (newest 100) contains `text` (a retry after a lost
  // answer looks for its own reference before commenting again).
  bool has_comment_containing(const std::string& key, const std::string& text);
  std::vector<Transition> transitions(const std::string& key);
  void transition(const std::string& key, const std::string& transition_id);
  IssueRef issue_status(const std::string& key);

  // https://your-site.atlassian.net/browse/FIN-24
  std::string browse_url(const std::string& key) const;
  const std::string& base_url() const { return base_url_; }
  // Per-call policy (the outbox sets a short max_retry_wait and reschedules longer waits).
  void set_call_options(http::CallOptions options) { call_options_ = options; }

 private:
  http::Response send(http::Request request, const std::string& what, http::Idempotency idempotency);
  boost::json::object parse_object(const http::Response& response, const std::string& what);

  http::Client& client_;
  std::string base_url_;
  std::string authorization_;
  http::CallOptions call_options_;
};

// Jira's error body ({"errorMessages": [...], "errors": {"field": "message"}}) as one line.
std::string error_summary(std::string_view body);

}  // namespace costbot::jira
