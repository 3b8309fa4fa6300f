#pragma once
// A stand-in for the Slack Web API and response_url endpoints on loopback (FakeHttpServer). It
// checks what it receives as Slack would (bearer token, JSON with charset, required fields),
// answers like Slack ({"ok":true,...} with channel + ts), records every call, and can be told to
// answer the next call with a 429 + Retry-After or an ok:false error.
//
// It keeps the messages it was asked to post, per channel, with their metadata, and serves them
// back through conversations.history / conversations.replies (form-encoded, bearer token,
// include_all_metadata, oldest) as Slack does; conversations.open gives a user's DM channel; user
// groups answer usergroups.list and usergroups.users.list.
// post_then_lose_answer_next() posts the next message and then never answers (a crash or a lost
// answer after Slack acted); on_call() runs a hook when a method is called, before it answers.
#include <boost/json.hpp>

#include <functional>
#include <map>
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

  // Message timestamps ("ts") start at this Unix time (default 1700000000), as Slack's follow the clock.
  void use_time(std::int64_t unix_seconds);
  // The next chat.postMessage is posted (kept, visible in the history) but never answered.
  void post_then_lose_answer_next();
  // Runs `hook` (on the fake's thread) every time `method` is called, before it answers.
  void on_call(const std::string& method, std::function<void()> hook);
  // A user group (usergroups.list, usergroups.users.list with usergroup=ID; bearer token, form
  // fields, as Slack takes them). Setting it again replaces its members.
  void set_user_group(const std::string& id, const std::string& handle, std::vector<std::string> users);
  // Lookups of the group's members drop the connection without an answer (Slack unreachable).
  void drop_user_group_lookups(const std::string& id, bool drop = true);
  // How many times usergroups.users.list was asked for the group.
  std::size_t user_group_lookups(const std::string& id) const;
  // Messages kept in a channel (chat.postMessage bodies with their "ts"), oldest first.
  std::vector<boost::json::object> messages_in(const std::string& channel) const;

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
  ScriptedResponse read_method(const std::string& method, const RecordedRequest& req);

  std::string token_;
  mutable std::mutex mutex_;
  std::vector<std::string> violations_;
  int next_ts_ = 0;
  std::int64_t time_ = 1700000000;
  bool lose_next_answer_ = false;
  std::map<std::string, std::function<void()>> hooks_;
  std::map<std::string, std::vector<boost::json::object>> channels_;  // channel → posted messages
  struct UserGroup {
    std::string handle;
    std::vector<std::string> users;
    bool drop = false;
  };
  std::map<std::string, UserGroup> user_groups_;  // id → group
  FakeHttpServer server_;  // last: its threads stop before the members they use go away
};

}  // namespace costbot::testing
