#pragma once
// A stand-in for the Slack Web API and response_url endpoints on loopback (FakeHttpServer). It
// checks what it receives as Slack would (bearer token, JSON with charset, required fields),
// answers like Slack ({"ok":true,...} with channel + ts), records every call, and can be told to
// answer the next call with a 429 + Retry-After or an ok:false error.
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "tests/support/fake_http_server.hpp"

namespace costbot::testing {

class FakeSlack {
 public:
  explicit FakeSlack(std::string bot_token = "xoxb-test-token", FakeServerOptions options = {});

  std::string api_url() const { return server_.url() + "/api"; }
  std::string response_url(const std::string& id = "1") const { return server_.url() + "/response/" + id; }
  const std::string& bot_token() const { return token_; }

  // The next call of `method` ("chat.postMessage") gets this answer instead.
  void fail_next(const std::string& method, ScriptedResponse response);
  void rate_limit_next(const std::string& method, int retry_after_seconds);
  void error_next(const std::string& method, const std::string& slack_error);

  // Bodies of every call of `method` (parsed JSON), in order.
  std::vector<boost::json::object> calls(const std::string& method) const;
  std::vector<boost::json::object> response_url_posts() const;
  bool wait_for_calls(const std::string& method, std::size_t count,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  bool wait_for_response_url_posts(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Protocol mistakes seen (missing token, wrong content type, missing fields): must stay empty.
  std::vector<std::string> violations() const;

  FakeHttpServer& server() { return server_; }

 private:
  ScriptedResponse answer(const std::string& method, const RecordedRequest& req);

  std::string token_;
  mutable std::mutex mutex_;
  std::vector<std::string> violations_;
  int next_ts_ = 0;
  FakeHttpServer server_;  // last: its threads stop before the members they use go away
};

}  // namespace costbot::testing
