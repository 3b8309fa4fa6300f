#pragma once
// Slack's Socket Mode side on loopback, for tests: apps.connections.open (over a FakeHttpServer,
// checking the app-level token) hands out single-use wss URLs to a real WebSocket server (TLS
// with a test CA) that greets with {"type":"hello"}, sends the envelopes a test queues, records
// the acks the client sends back, and can ask the client to reconnect ({"type":"disconnect"}).
// What it checks as Slack does: the Bearer token is an app-level token (xapp-), a ticket opens
// one connection only, and every ack names an envelope that was sent on that connection.
#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/fake_http_server.hpp"

namespace costbot::testing {

struct SocketAckRecord {
  std::string envelope_id;
  std::optional<boost::json::value> payload;
  int connection = 0;  // 1 for the first WebSocket connection, ...
};

class FakeSlackSocket {
 public:
  explicit FakeSlackSocket(std::string app_token = "xapp-1-A0TEST-1-test");
  ~FakeSlackSocket();
  FakeSlackSocket(const FakeSlackSocket&) = delete;
  FakeSlackSocket& operator=(const FakeSlackSocket&) = delete;

  std::string api_url() const;  // for SLACK_API_URL / slack.api_url: http://127.0.0.1:PORT/api
  std::string ca_file() const;  // the test CA the wss server's certificate chains to
  FakeHttpServer& web_api();    // to add chat.postMessage etc. next to apps.connections.open

  // Sends an envelope on the current connection (waits up to `wait` for one); returns its id.
  std::string send_envelope(const std::string& type, boost::json::value payload, bool accepts_response_payload,
                            std::chrono::milliseconds wait = std::chrono::seconds(10));
  // {"type": "disconnect", "reason": ...} on the current connection.
  void send_disconnect(const std::string& reason = "refresh_requested");

  // Waits until the ack for `envelope_id` arrived; nullopt after `wait`.
  std::optional<SocketAckRecord> wait_for_ack(const std::string& envelope_id,
                                              std::chrono::milliseconds wait = std::chrono::seconds(10));
  // Waits until `n` WebSocket connections were greeted.
  bool wait_for_connections(int n, std::chrono::milliseconds wait = std::chrono::seconds(10));

  int connections_opened() const;              // greeted WebSocket connections
  int tickets_issued() const;                  // successful apps.connections.open calls
  std::vector<std::string> problems() const;   // what Slack would have refused (reused ticket, unknown ack, ...)

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace costbot::testing
