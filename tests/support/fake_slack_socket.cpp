#include "tests/support/fake_slack_socket.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/util/hash.hpp"
#include "tests/support/test_pki.hpp"

namespace costbot::testing {
namespace {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using WsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
}  // namespace

// Handlers hold a plain pointer: the destructor joins the I/O thread before the Impl goes away.
struct FakeSlackSocket::Impl {
  std::string app_token;
  FakeHttpServer http;
  TestPki pki = make_test_pki({"localhost"}, {"127.0.0.1"});
  TempDir dir;
  std::string ca_path;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> open_tickets, used_tickets;
  int tickets = 0;
  int greeted = 0;
  std::shared_ptr<WsStream> current;  // the newest connection
  int current_number = 0;
  std::map<std::string, int> sent;    // envelope id -> connection it went out on
  std::vector<SocketAckRecord> acks;
  std::vector<std::string> problem_list;
  std::uint64_t next_envelope = 1;

  explicit Impl(std::string token) : app_token(std::move(token)) {
    ca_path = dir.write("ca.pem", pki.ca_cert_pem);
    tls.use_certificate_chain(net::buffer(pki.server_cert_pem));
    tls.use_private_key(net::buffer(pki.server_key_pem), ssl::context::pem);
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  }

  unsigned short ws_port() const { return acceptor.local_endpoint().port(); }

  void problem(std::string what) {
    std::lock_guard lock(mutex);
    problem_list.push_back(std::move(what));
    changed.notify_all();
  }

  ScriptedResponse connections_open(const RecordedRequest& req) {
    const std::string auth = req.header("authorization");
    if (auth.rfind("Bearer ", 0) != 0) return ScriptedResponse::json(200, R"({"ok":false,"error":"not_authed"})");
    const std::string token = auth.substr(7);
    if (token.rfind("xapp-", 0) != 0)  // a bot or user token
      return ScriptedResponse::json(200, R"({"ok":false,"error":"not_allowed_token_type"})");
    if (token != app_token) return ScriptedResponse::json(200, R"({"ok":false,"error":"invalid_auth"})");
    std::lock_guard lock(mutex);
    std::string ticket = hash::random_hex(8);
    open_tickets.insert(ticket);
    ++tickets;
    json::object answer{{"ok", true},
                        {"url", "wss://127.0.0.1:" + std::to_string(ws_port()) + "/link/?ticket=" + ticket + "&app_id=A0TEST"}};
    return ScriptedResponse::json(200, json::serialize(answer));
  }

  void accept() {
    acceptor.async_accept([self = this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto ws = std::make_shared<WsStream>(std::move(socket), self->tls);
      self->handshake(ws);
      self->accept();
    });
  }

  void handshake(const std::shared_ptr<WsStream>& ws) {
    ws->next_layer().async_handshake(ssl::stream_base::server, [self = this, ws](beast::error_code ec) {
      if (ec) return;  // a client that did not trust the certificate, say
      auto req = std::make_shared<beast::http::request<beast::http::string_body>>();
      auto buffer = std::make_shared<beast::flat_buffer>();
      beast::http::async_read(ws->next_layer(), *buffer, *req, [self, ws, req, buffer](beast::error_code ec2, std::size_t) {
        if (ec2 || !websocket::is_upgrade(*req)) return;
        const std::string target(req->target());
        auto at = target.find("ticket=");
        std::string ticket = at == std::string::npos ? "" : target.substr(at + 7, target.find('&', at) - at - 7);
        {
          std::lock_guard lock(self->mutex);
          if (!self->open_tickets.erase(ticket)) {
            self->problem_list.push_back(std::string("WebSocket opened with ") + (self->used_tickets.count(ticket) ? "a used" : "an unknown") +
                                         " ticket \"" + ticket + "\"");
            self->changed.notify_all();
            return;  // Slack refuses the upgrade
          }
          self->used_tickets.insert(ticket);
        }
        ws->async_accept(*req, [self, ws](beast::error_code ec3) {
          if (ec3) return;
          int number;
          {
            std::lock_guard lock(self->mutex);
            number = self->greeted + 1;
          }
          auto hello = std::make_shared<std::string>(json::serialize(json::object{
              {"type", "hello"}, {"num_connections", 1}, {"connection_info", {{"app_id", "A0TEST"}}}}));
          ws->text(true);
          ws->async_write(net::buffer(*hello), [self, ws, hello, number](beast::error_code ec4, std::size_t) {
            if (ec4) return;
            {
              // Usable for envelopes only now: one write at a time on a WebSocket.
              std::lock_guard lock(self->mutex);
              self->greeted = number;
              self->current = ws;
              self->current_number = number;
              self->changed.notify_all();
            }
            self->read(ws, number);
          });
        });
      });
    });
  }

  void read(const std::shared_ptr<WsStream>& ws, int number) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    ws->async_read(*buffer, [self = this, ws, buffer, number](beast::error_code ec, std::size_t) {
      if (ec) return;
      json::value frame;
      try {
        frame = json::parse(beast::buffers_to_string(buffer->data()));
      } catch (const std::exception&) {
        self->problem("connection " + std::to_string(number) + " sent a frame that is not JSON");
        return self->read(ws, number);
      }
      const auto* o = frame.if_object();
      const auto* id = o ? o->if_contains("envelope_id") : nullptr;
      if (!id || !id->is_string()) {
        self->problem("connection " + std::to_string(number) + " sent a frame without envelope_id");
        return self->read(ws, number);
      }
      SocketAckRecord ack;
      ack.envelope_id = std::string(id->as_string());
      ack.connection = number;
      if (const auto* p = o->if_contains("payload")) ack.payload = *p;
      {
        std::lock_guard lock(self->mutex);
        auto sent = self->sent.find(ack.envelope_id);
        if (sent == self->sent.end()) self->problem_list.push_back("ack for unknown envelope " + ack.envelope_id);
        else if (sent->second != number) self->problem_list.push_back("ack for " + ack.envelope_id + " on another connection");
        self->acks.push_back(ack);
        self->changed.notify_all();
      }
      self->read(ws, number);
    });
  }

  void write_current(std::string text) {
    std::shared_ptr<WsStream> ws;
    {
      std::lock_guard lock(mutex);
      ws = current;
    }
    if (!ws) throw std::runtime_error("no Socket Mode connection to send on");
    std::promise<void> written;
    auto done = written.get_future();
    net::post(ioc, [ws, text = std::make_shared<std::string>(std::move(text)), &written] {
      ws->text(true);
      ws->async_write(net::buffer(*text), [text, &written](beast::error_code, std::size_t) { written.set_value(); });
    });
    done.wait();
  }
};

FakeSlackSocket::FakeSlackSocket(std::string app_token) : impl_(std::make_shared<Impl>(std::move(app_token))) {
  auto impl = impl_;
  impl->http.on("POST", "/api/apps.connections.open", [self = impl.get()](const RecordedRequest& req) {
    return self->connections_open(req);
  });
  impl->accept();
  impl->thread = std::thread([impl] { impl->ioc.run(); });
}

FakeSlackSocket::~FakeSlackSocket() {
  auto impl = impl_;
  net::post(impl->ioc, [impl] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    if (impl->current) beast::get_lowest_layer(*impl->current).socket().close(ignored);
  });
  impl->ioc.stop();
  if (impl->thread.joinable()) impl->thread.join();
}

std::string FakeSlackSocket::api_url() const { return impl_->http.url() + "/api"; }
std::string FakeSlackSocket::ca_file() const { return impl_->ca_path; }
FakeHttpServer& FakeSlackSocket::web_api() { return impl_->http; }

std::string FakeSlackSocket::send_envelope(const std::string& type, json::value payload, bool accepts_response_payload,
                                           std::chrono::milliseconds wait) {
  int number;
  std::string id;
  {
    std::unique_lock lock(impl_->mutex);
    if (!impl_->changed.wait_for(lock, wait, [&] { return impl_->current != nullptr; }))
      throw std::runtime_error("no Socket Mode connection within the wait");
    number = impl_->current_number;
    id = "env-" + std::to_string(impl_->next_envelope++);
    impl_->sent[id] = number;
  }
  json::object frame{{"envelope_id", id},
                     {"type", type},
                     {"payload", std::move(payload)},
                     {"accepts_response_payload", accepts_response_payload},
                     {"retry_attempt", 0},
                     {"retry_reason", ""}};
  impl_->write_current(json::serialize(frame));
  return id;
}

void FakeSlackSocket::send_disconnect(const std::string& reason) {
  impl_->write_current(json::serialize(json::object{{"type", "disconnect"}, {"reason", reason}}));
}

std::optional<SocketAckRecord> FakeSlackSocket::wait_for_ack(const std::string& envelope_id, std::chrono::milliseconds wait) {
  std::unique_lock lock(impl_->mutex);
  std::optional<SocketAckRecord> found;
  impl_->changed.wait_for(lock, wait, [&] {
    for (const auto& a : impl_->acks)
      if (a.envelope_id == envelope_id) {
        found = a;
        return true;
      }
    return false;
  });
  return found;
}

bool FakeSlackSocket::wait_for_connections(int n, std::chrono::milliseconds wait) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, wait, [&] { return impl_->greeted >= n; });
}

int FakeSlackSocket::connections_opened() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->greeted;
}

int FakeSlackSocket::tickets_issued() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->tickets;
}

std::vector<std::string> FakeSlackSocket::problems() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->problem_list;
}

}  // namespace costbot::testing
