#include "tests/support/fake_http_server.hpp"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <set>
#include <thread>

#include "adapters/http/form.hpp"

namespace costbot::testing {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

std::string RecordedRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  return {};
}

std::string RecordedRequest::query(std::string_view key) const {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  return http::form_value(http::decode_form(target.substr(q + 1)), key).value_or("");
}

ScriptedResponse ScriptedResponse::json(int status, std::string body) {
  ScriptedResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ScriptedResponse ScriptedResponse::text(int status, std::string body) {
  ScriptedResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain";
  return r;
}

struct FakeHttpServer::Impl {
  FakeServerOptions options;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<ssl::context> tls;
  TempDir dir;
  std::string ca_path;
  unsigned short port = 0;
  std::thread accept_thread;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  bool stopping = false;
  std::map<std::pair<std::string, std::string>, FakeHandler> handlers;
  std::map<std::pair<std::string, std::string>, std::deque<ScriptedResponse>> scripts;
  FakeHandler fallback;
  std::vector<RecordedRequest> recorded;
  std::size_t accepted = 0;
  std::set<int> open_fds;
  std::vector<std::thread> connection_threads;

  ScriptedResponse answer_for(const RecordedRequest& req) {
    FakeHandler handler;
    {
      std::lock_guard lock(mutex);
      auto key = std::make_pair(req.method, req.path);
      if (auto it = scripts.find(key); it != scripts.end() && !it->second.empty()) {
        auto r = std::move(it->second.front());
        it->second.pop_front();
        return r;
      }
      if (auto it = handlers.find(key); it != handlers.end()) handler = it->second;
      else handler = fallback;
    }
    if (handler) return handler(req);
    return ScriptedResponse::json(404, R"({"ok":false,"error":"unknown_method"})");
  }

  // Sleeps up to `d`, waking early when the server stops. Returns false when stopping.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex);
    return !changed.wait_for(lock, d, [this] { return stopping; });
  }

  template <class Stream>
  void serve(Stream& stream, std::size_t connection) {
    beast::flat_buffer buffer;
    for (;;) {
      beast_http::request_parser<beast_http::string_body> parser;
      parser.body_limit(64 << 20);
      beast::error_code ec;
      beast_http::read(stream, buffer, parser, ec);
      if (ec) return;
      auto& msg = parser.get();
      RecordedRequest req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      req.path = req.target.substr(0, req.target.find('?'));
      for (const auto& f : msg) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.emplace_back(std::move(name), std::string(f.value()));
      }
      req.body = msg.body();
      req.connection = connection;
      {
        std::lock_guard lock(mutex);
        recorded.push_back(req);
      }
      changed.notify_all();
      auto answer = answer_for(req);
      if (answer.delay.count() > 0 && !pause(answer.delay)) return;
      if (answer.hang) {
        pause(std::chrono::hours(1));
        return;
      }
      if (answer.close_without_answer) return;
      beast_http::response<beast_http::string_body> res{static_cast<beast_http::status>(answer.status), msg.version()};
      res.set(beast_http::field::server, "costbot-test-fake");
      if (!answer.content_type.empty()) res.set(beast_http::field::content_type, answer.content_type);
      for (const auto& [k, v] : answer.headers) res.set(k, v);
      res.body() = answer.body;
      bool keep = options.keep_alive && msg.keep_alive();
      res.keep_alive(keep);
      res.prepare_payload();
      beast_http::write(stream, res, ec);
      if (ec || !keep) return;
    }
  }

  void handle(tcp::socket socket, std::size_t connection) {
    int fd = socket.native_handle();
    try {
      if (tls) {
        beast::ssl_stream<tcp::socket> stream(std::move(socket), *tls);
        beast::error_code ec;
        stream.handshake(ssl::stream_base::server, ec);
        if (!ec) serve(stream, connection);
      } else {
        serve(socket, connection);
      }
    } catch (const std::exception&) {
      // A client that went away mid-answer is normal in these tests.
    }
    std::lock_guard lock(mutex);
    open_fds.erase(fd);
  }

  void accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(ioc);
      acceptor.accept(socket, ec);
      std::lock_guard lock(mutex);
      if (stopping) return;
      if (ec) continue;
      std::size_t n = ++accepted;
      open_fds.insert(socket.native_handle());
      connection_threads.emplace_back([this, s = std::move(socket), n]() mutable { handle(std::move(s), n); });
    }
  }
};

FakeHttpServer::FakeHttpServer(FakeServerOptions options) : impl_(std::make_unique<Impl>()) {
  auto& s = *impl_;
  s.options = std::move(options);
  if (s.options.tls) {
    auto pki = make_test_pki(s.options.dns_names, s.options.ip_addresses);
    s.ca_path = s.dir.write("ca.pem", pki.ca_cert_pem);
    s.tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    s.tls->use_certificate_chain(net::buffer(pki.server_cert_pem));
    s.tls->use_private_key(net::buffer(pki.server_key_pem), ssl::context::pem);
  }
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen();
  s.port = s.acceptor.local_endpoint().port();
  s.accept_thread = std::thread([&s] { s.accept_loop(); });
}

FakeHttpServer::~FakeHttpServer() {
  auto& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
    // Unblock every thread stuck in a read: shutdown(2) is safe from another thread.
    for (int fd : s.open_fds) ::shutdown(fd, SHUT_RDWR);
  }
  s.changed.notify_all();
  ::shutdown(s.acceptor.native_handle(), SHUT_RDWR);
  // accept() may not return on shutdown of a listening socket everywhere: poke it with a connect.
  {
    beast::error_code ec;
    tcp::socket poke(s.ioc);
    poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port), ec);
  }
  if (s.accept_thread.joinable()) s.accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(s.mutex);
    threads = std::move(s.connection_threads);
  }
  for (auto& t : threads) t.join();
}

void FakeHttpServer::on(const std::string& method, const std::string& path, FakeHandler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->handlers[{method, path}] = std::move(handler);
}

void FakeHttpServer::on(const std::string& method, const std::string& path, ScriptedResponse fixed) {
  on(method, path, [fixed](const RecordedRequest&) { return fixed; });
}

void FakeHttpServer::script(const std::string& method, const std::string& path, ScriptedResponse response) {
  std::lock_guard lock(impl_->mutex);
  impl_->scripts[{method, path}].push_back(std::move(response));
}

void FakeHttpServer::otherwise(FakeHandler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->fallback = std::move(handler);
}

std::string FakeHttpServer::url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port);
}
unsigned short FakeHttpServer::port() const { return impl_->port; }
std::string FakeHttpServer::ca_file() const { return impl_->ca_path; }

std::vector<RecordedRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->recorded;
}

std::vector<RecordedRequest> FakeHttpServer::requests(const std::string& method, const std::string& path) const {
  std::vector<RecordedRequest> out;
  for (auto& r : requests())
    if (r.method == method && r.path == path) out.push_back(std::move(r));
  return out;
}

std::size_t FakeHttpServer::connections_accepted() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

bool FakeHttpServer::wait_until(const std::function<bool(const std::vector<RecordedRequest>&)>& ready,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return ready(impl_->recorded); });
}

bool FakeHttpServer::wait_for_requests(const std::string& method, const std::string& path, std::size_t count,
                                       std::chrono::milliseconds timeout) const {
  return wait_until(
      [&](const std::vector<RecordedRequest>& all) {
        std::size_t n = 0;
        for (const auto& r : all) n += r.method == method && r.path == path;
        return n >= count;
      },
      timeout);
}

}  // namespace costbot::testing
