#pragma once
// The HTTP/1.1 server (Boost.Beast), shaped after Beast's advanced server example: one session per
// connection on its own strand, keep-alive, and the limits set in the transport for every request
// so no handler can forget them: a body limit (413), a header limit (431), a deadline for reading
// one request once its first byte arrived (a slow client is disconnected), an idle deadline for
// keep-alive connections, and a deadline for the handler (503). Malformed HTTP gets 400 and the
// connection is closed; nothing a client sends can crash the process or reach a handler unchecked.
//
// Running out of file descriptors (EMFILE / ENFILE) never spins: the server frees a reserve
// descriptor to accept and close the waiting connection (the client sees a close, not a hang),
// then pauses accepting with a growing backoff (10 ms .. 1 s), logging one line per second at most.
// At max_connections an idle keep-alive connection is closed to make room for the new one; a
// single client address may hold at most max_connections_per_client.
//
// Handlers run on the I/O threads (server.threads). Shutdown is graceful: stop accepting, close
// idle connections, let requests in flight finish (keep-alive ends after their response).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bot/server/router.hpp"
#include "engine/config/config.hpp"

namespace costbot::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 = any free port (tests)
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds handler_timeout{30'000};
  int threads = 2;
  std::size_t max_connections = 1024;
  // Connections one client address may hold (0 = no cap). Addresses in trusted_proxies are exempt:
  // every client of a reverse proxy shares its address.
  std::size_t max_connections_per_client = 64;
  std::vector<std::string> trusted_proxies;
  // HTTPS: both set = every connection is TLS (the files are read at start and by reload_tls()).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::int64_t hsts_max_age = 31536000;  // Strict-Transport-Security on every TLS response (0 = none)
  bool access_log = true;
  // Called once per answered request, on its I/O thread, after the response was written: the
  // route pattern ("/charts/{id}.png"; "(no route)", "(method not allowed)" or "(bad request)"
  // when none matched), the method (GET, POST, ...; "other" for unusual ones), the status and the
  // seconds from the request's arrival. The service counts and times requests here (/metrics).
  std::function<void(std::string_view route, std::string_view method, int status, double seconds)> on_response;

  // From the `server:` section; `listen` overrides server.listen when not empty.
  static ServerOptions from(const config::ServerConfig& config, const std::string& listen = {});
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const Router> router);
  ~Server();  // shuts down without grace if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. Throws Error(unavailable) naming the address on failure.
  void start();
  unsigned short port() const;  // the bound port (useful with port 0)
  std::string url() const;      // http://host:port

  // Stops accepting, closes idle connections and waits up to `grace` for requests in flight; then
  // closes whatever is left and joins the threads. Idempotent. Never call it from a handler.
  void shutdown(std::chrono::milliseconds grace);

  std::size_t connections() const;
  std::size_t requests_in_flight() const;

  // Re-reads the TLS certificate and key (SIGHUP); connections opened later use them. A bad pair
  // is reported (Error invalid_input) and the old one stays. No-op without TLS.
  void reload_tls();
  bool tls() const;

  struct State;  // implementation detail (server.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace costbot::server
