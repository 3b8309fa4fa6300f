#include "tests/support/http_test_client.hpp"

#include <poll.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace costbot::testing {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string TestResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

struct TestConnection::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;

  bool wait_readable(std::chrono::milliseconds timeout) {
    pollfd pfd{socket.native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, static_cast<int>(timeout.count())) > 0;
  }
};

TestConnection::TestConnection(const std::string& host, unsigned short port, const std::string& source)
    : impl_(std::make_unique<Impl>()) {
  if (!source.empty()) {
    auto from = net::ip::make_address(source);
    impl_->socket.open(from.is_v4() ? tcp::v4() : tcp::v6());
    impl_->socket.bind(tcp::endpoint(from, 0));
  }
  impl_->socket.connect(tcp::endpoint(net::ip::make_address(host), port));
}

TestConnection::~TestConnection() {
  beast::error_code ignored;
  impl_->socket.close(ignored);
}

TestResponse TestConnection::request(const std::string& method, const std::string& target,
                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                     const std::string& body, std::chrono::milliseconds timeout) {
  beast_http::request<beast_http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(beast_http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  beast_http::write(impl_->socket, req);
  if (!impl_->wait_readable(timeout)) throw std::runtime_error("no answer within the timeout");
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(64 << 20);
  beast_http::read(impl_->socket, impl_->buffer, parser);
  TestResponse r;
  r.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = parser.get().body();
  return r;
}

void TestConnection::write_raw(const std::string& bytes) { net::write(impl_->socket, net::buffer(bytes)); }

std::string TestConnection::read_until_closed(std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !impl_->wait_readable(left)) return out;
    beast::error_code ec;
    auto n = impl_->socket.read_some(net::buffer(chunk), ec);
    out.append(chunk, n);
    if (ec) return out;
  }
}

bool TestConnection::closed_by_server_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !impl_->wait_readable(left)) return false;
    beast::error_code ec;
    impl_->socket.read_some(net::buffer(chunk), ec);
    if (ec) return true;
  }
}

TestResponse http_request(const std::string& host, unsigned short port, const std::string& method,
                          const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) {
  TestConnection c(host, port);
  return c.request(method, target, headers, body);
}

}  // namespace costbot::testing
