#pragma once
// A plain blocking HTTP/1.1 client for tests that talk to the real server over sockets, with raw
// access for the misbehaving-client cases (slow writes, garbage, half requests).
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace costbot::testing {

struct TestResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(std::string_view name) const;
};

// One connection, kept open across requests (keep-alive).
class TestConnection {
 public:
  // `source`: the local address to connect from (e.g. 127.0.0.2, another loopback client); empty = any.
  TestConnection(const std::string& host, unsigned short port, const std::string& source = {});
  ~TestConnection();
  TestResponse request(const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& body = {}, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void write_raw(const std::string& bytes);
  // Reads whatever arrives until the server closes the connection or the timeout passes.
  std::string read_until_closed(std::chrono::milliseconds timeout);
  // True when the server closed the connection within the timeout (EOF or reset).
  bool closed_by_server_within(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
TestResponse http_request(const std::string& host, unsigned short port, const std::string& method,
                          const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {},
                          const std::string& body = {});

}  // namespace costbot::testing
