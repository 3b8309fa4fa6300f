#pragma once
// Slack Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode): Slack delivers
// slash commands, events and interactions over a WebSocket the app opens, so costbot needs no
// public URL (a laptop, a private network). The client
//   1. asks apps.connections.open (with the app-level token, xapp-...) for a single-use wss URL,
//   2. connects (TLS, the same trust store as the HTTPS client), waits for {"type": "hello"},
//   3. hands every envelope {"envelope_id", "type", "payload", "accepts_response_payload"} to the
//      handler, which must acknowledge it ({"envelope_id", "payload"?}) within 3 seconds,
//   4. reconnects with a fresh URL on {"type": "disconnect"} (refresh_requested, warning, ...),
//      on a dropped or silent connection (keep-alive pings), with backoff on failures.
// Runs on its own thread; acks may be sent from any thread.
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/http/client.hpp"

namespace costbot::slack {

struct SocketEnvelope {
  std::string envelope_id;
  std::string type;  // events_api, slash_commands, interactive
  boost::json::value payload;
  bool accepts_response_payload = false;
  int retry_attempt = 0;
  std::string retry_reason;
};

// Acknowledges one envelope, once (later calls do nothing); payload only where Slack takes one
// (a slash command's immediate answer, a view_submission's response_action). Any thread.
using SocketAck = std::function<void(std::optional<boost::json::object> payload)>;
// Called on the client's thread: it must return quickly (hand slow work to another thread and
// ack from there, or ack first).
using SocketEnvelopeHandler = std::function<void(const SocketEnvelope&, SocketAck)>;

struct SocketModeOptions {
  std::string app_token;                          // xapp-...: only for apps.connections.open
  std::string api_url = "https://slack.com/api";  // SLACK_API_URL
  std::string ca_file;                            // extra trusted CAs (http_client.ca_file)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};  // no frame (data or pong) for this long: reconnect
  std::chrono::milliseconds reconnect_min{1'000};
  std::chrono::milliseconds reconnect_max{60'000};
  bool debug_reconnects = false;  // Slack refreshes the connection every ~6 minutes (for testing)
};

struct SocketModeStatus {
  bool connected = false;
  int connections = 0;     // successful connections so far (reconnects included)
  int envelopes = 0;       // envelopes received
  std::string last_error;  // the last failure, in words ("" while all is well)
};

class SocketModeClient {
 public:
  // `http` makes the apps.connections.open call (proxy, retries, trust store as everywhere).
  SocketModeClient(http::Client& http, SocketModeOptions options, SocketEnvelopeHandler handler);
  ~SocketModeClient();
  SocketModeClient(const SocketModeClient&) = delete;
  SocketModeClient& operator=(const SocketModeClient&) = delete;

  void start();
  // Closes the connection (a WebSocket close frame) and joins the thread.
  void stop();
  SocketModeStatus status() const;

  // apps.connections.open: the wss URL to connect to. Throws http::RemoteError with Slack's error
  // code (invalid_auth, not_allowed_token_type when a bot token is given, ...).
  std::string open_connection_url();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace costbot::slack
