#pragma once
// A stand-in for everything Microsoft runs around a Teams bot, on one HTTPS server on loopback
// (test CA): the OpenID metadata document and JWKS (keys made in the test), the AAD token
// endpoint (client-credentials form checked), and the Bot Connector REST API under /teams/
// (the bearer token it issued, JSON activities, conversation ids percent-encoded). It records what
// it received and lists protocol mistakes in violations(), which must stay empty.
#include <boost/json.hpp>

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/fake_http_server.hpp"
#include "tests/support/teams_tokens.hpp"

namespace costbot::testing {

struct ConnectorCall {
  std::string method;           // POST or PUT
  std::string conversation_id;  // decoded
  std::string activity_id;      // PUT: the edited activity; POST: the activity replied to (may be empty)
  boost::json::object body;
  std::string returned_id;      // POST: the id the fake answered with
};

class FakeTeams {
 public:
  explicit FakeTeams(std::string app_id = "00000000-test-app-id", std::string app_password = "test-app-password");

  std::string metadata_url() const { return server_.url() + "/v1/.well-known/openidconfiguration"; }
  std::string jwks_url() const { return server_.url() + "/v1/.well-known/keys"; }
  std::string token_url() const { return server_.url() + "/botframework.com/oauth2/v2.0/token"; }
  std::string service_url() const { return server_.url() + "/teams/"; }
  std::string ca_file() const { return server_.ca_file(); }
  const std::string& app_id() const { return app_id_; }
  const std::string& app_password() const { return app_password_; }

  // The JWKS served (default: the key "key-1", endorsed for msteams).
  void set_keys(std::vector<boost::json::object> jwks);
  // Claims as the Bot Framework writes them, valid for an hour from `now`.
  boost::json::object claims(std::int64_t now) const;
  // A valid RS256 token for `now` signed with test key `kid`.
  std::string token(std::int64_t now, const std::string& kid = "key-1") const;

  // The next connector call gets this answer instead (e.g. 429 with Retry-After).
  void fail_next_connector_call(ScriptedResponse response);

  std::vector<ConnectorCall> connector_calls() const;
  std::vector<ConnectorCall> connector_calls(const std::string& method) const;
  bool wait_for_connector_calls(const std::string& method, std::size_t count,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  std::size_t token_requests() const;
  std::size_t key_fetches() const;  // metadata + JWKS GETs
  std::vector<std::string> violations() const;
  FakeHttpServer& server() { return server_; }

 private:
  ScriptedResponse connector(const RecordedRequest& req);
  ScriptedResponse token_endpoint(const RecordedRequest& req);

  std::string app_id_, app_password_;
  mutable std::mutex mutex_;
  std::vector<boost::json::object> keys_;
  std::vector<std::string> issued_tokens_;
  std::vector<ConnectorCall> calls_;
  std::deque<ScriptedResponse> connector_failures_;
  std::vector<std::string> violations_;
  std::size_t token_requests_ = 0;
  int next_activity_ = 0;
  FakeHttpServer server_;  // last: its threads stop before the members they use go away
};

}  // namespace costbot::testing
