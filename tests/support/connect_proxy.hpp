#pragma once
// A real forward proxy on loopback for tests of the HTTPS client's proxy support: it accepts
// CONNECT host:port (tunnels bytes both ways without looking inside) and absolute-form plain http
// requests (forwards them to the origin), and records what it was asked. Optionally demands Basic
// Proxy-Authorization (407 otherwise) or refuses every CONNECT with a given status.
#include <memory>
#include <string>
#include <vector>

namespace costbot::testing {

struct ProxiedRequest {
  std::string method;         // CONNECT, GET, ...
  std::string target;         // "127.0.0.1:4433" for CONNECT, "http://127.0.0.1:8080/x" otherwise
  std::string authorization;  // the Proxy-Authorization header, "" when absent
};

struct ConnectProxyOptions {
  std::string require_authorization;  // e.g. "Basic dXNlcjpwYXNz"; "" = no authentication
  int refuse_with = 0;                // answer every request with this status instead (e.g. 403)
};

class ConnectProxy {
 public:
  explicit ConnectProxy(ConnectProxyOptions options = {});
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT
  unsigned short port() const;
  std::vector<ProxiedRequest> requests() const;
  std::size_t tunnelled_bytes() const;  // bytes relayed inside CONNECT tunnels, both directions

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace costbot::testing
