#pragma once
// A real HTTP(S) server on loopback that stands in for Slack, Teams, Jira, PagerDuty in tests.
// Register handlers per method + path; every request is recorded (method, target, headers, body,
// which connection it came on); responses can be scripted one-shot ahead of the handler, with a
// delay, a hang past the client's timeout, or a close without answering. With tls = true it serves
// a certificate from a CA made at test time (ca_file() for the client under test).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/test_pki.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent, with the query
  std::string path;    // without the query
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::size_t connection = 0;  // 1 for the first accepted connection, ...

  std::string header(std::string_view name) const;  // "" when absent
  std::string query(std::string_view key) const;     // a decoded query parameter, "" when absent
};

struct ScriptedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // wait before answering
  bool hang = false;                   // never answer (until the server stops)
  bool close_without_answer = false;   // read the request, then drop the connection

  static ScriptedResponse json(int status, std::string body);
  static ScriptedResponse text(int status, std::string body);
  ScriptedResponse& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

using FakeHandler = std::function<ScriptedResponse(const RecordedRequest&)>;

struct FakeServerOptions {
  bool tls = false;
  std::vector<std::string> dns_names{"localhost"};        // in the certificate (tls)
  std::vector<std::string> ip_addresses{"127.0.0.1"};
  bool keep_alive = true;  // false: close after every answer
};

class FakeHttpServer {
 public:
  explicit FakeHttpServer(FakeServerOptions options = {});
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  void on(const std::string& method, const std::string& path, FakeHandler handler);
  void on(const std::string& method, const std::string& path, ScriptedResponse fixed);
  // One-shot answers, used in order before the handler (e.g. a 429 then success).
  void script(const std::string& method, const std::string& path, ScriptedResponse response);
  // Answer for requests nobody registered (default: 404 JSON).
  void otherwise(FakeHandler handler);

  std::string url() const;  // http(s)://127.0.0.1:PORT
  unsigned short port() const;
  std::string ca_file() const;  // the test CA in PEM (tls only)

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requests(const std::string& method, const std::string& path) const;
  std::size_t connections_accepted() const;
  // Waits until `ready(requests)` holds; false on timeout.
  bool wait_until(const std::function<bool(const std::vector<RecordedRequest>&)>& ready,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  bool wait_for_requests(const std::string& method, const std::string& path, std::size_t count,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace costbot::testing
