#include "adapters/slack/socket_mode.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "adapters/slack/web_api.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::slack {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

struct SocketUrl {
  bool tls = true;
  std::string host, port, target;
};

SocketUrl parse_socket_url(const std::string& text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) throw invalid_input("Socket Mode URL is not a URL: " + text);
  SocketUrl u;
  const std::string scheme(parsed->scheme());
  if (scheme == "wss") u.tls = true;
  else if (scheme == "ws") u.tls = false;
  else throw invalid_input("Socket Mode URL must be wss:// (got " + scheme + "://)");
  u.host = std::string(parsed->host_address());
  if (u.host.empty()) throw invalid_input("Socket Mode URL has no host: " + text);
  if (!u.tls && !http::is_loopback_host(u.host))
    throw invalid_input("Socket Mode URL must be wss:// outside loopback (got ws://" + u.host + ")");
  u.port = parsed->has_port() ? std::string(parsed->port()) : (u.tls ? "443" : "80");
  u.target = std::string(parsed->encoded_path());
  if (u.target.empty()) u.target = "/";
  if (parsed->has_query()) u.target += "?" + std::string(parsed->encoded_query());
  return u;
}

}  // namespace

struct SocketModeClient::Impl : std::enable_shared_from_this<Impl> {
  http::Client& http;
  SocketModeOptions options;
  SocketEnvelopeHandler handler;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::thread thread;
  std::atomic<bool> stopping{false};

  mutable std::mutex status_mutex;
  SocketModeStatus current_status;

  // Owned by the I/O thread.
  std::deque<std::string> outgoing;
  std::unique_ptr<net::steady_timer> writer_wake;
  std::function<void()> close_connection;  // set while a connection is open
  std::unique_ptr<net::steady_timer> backoff_timer;
  std::uint64_t generation = 0;  // acks of an earlier connection are dropped (Slack redelivers)

  Impl(http::Client& h, SocketModeOptions o, SocketEnvelopeHandler fn)
      : http(h), options(std::move(o)), handler(std::move(fn)) {
    tls.set_default_verify_paths();
    if (!options.ca_file.empty()) {
      beast::error_code ec;
      tls.load_verify_file(options.ca_file, ec);
      if (ec) throw invalid_input("http_client.ca_file: cannot load " + options.ca_file + ": " + ec.message());
    }
    tls.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  }

  void set_status(const std::function<void(SocketModeStatus&)>& change) {
    std::lock_guard lock(status_mutex);
    change(current_status);
  }

  std::string open_url() {
    WebApi api(http, options.api_url, options.app_token);
    auto answer = api.call("apps.connections.open", json::object{});
    std::string url = json_string(answer, "url");
    if (url.empty()) throw http::RemoteError(ErrorKind::unavailable, "Slack apps.connections.open: answer has no url", true);
    if (options.debug_reconnects) url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("debug_reconnects=true");
    return url;
  }

  // Queues a frame for the current connection (I/O thread).
  void send_frame(std::uint64_t for_generation, std::string frame) {
    if (for_generation != generation || !writer_wake) return;  // that connection is gone: Slack redelivers
    outgoing.push_back(std::move(frame));
    writer_wake->cancel();
  }

  SocketAck ack_for(const std::string& envelope_id, bool accepts_payload) {
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::weak_ptr<Impl> weak = shared_from_this();
    const std::uint64_t for_generation = generation;
    return [weak, done, envelope_id, accepts_payload, for_generation](std::optional<json::object> payload) {
      if (done->exchange(true)) return;
      auto self = weak.lock();
      if (!self) return;
      json::object frame{{"envelope_id", envelope_id}};
      if (payload && accepts_payload) frame["payload"] = std::move(*payload);
      net::post(self->ioc, [self, for_generation, text = json::serialize(frame)]() mutable {
        self->send_frame(for_generation, std::move(text));
      });
    };
  }

  template <class Ws>
  net::awaitable<void> writer(Ws& ws, std::uint64_t mine) {
    beast::error_code ec;
    while (mine == generation && !stopping) {
      if (outgoing.empty()) {
        writer_wake->expires_at(net::steady_timer::time_point::max());
        co_await writer_wake->async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      std::string frame = std::move(outgoing.front());
      outgoing.pop_front();
      ws.text(true);
      co_await ws.async_write(net::buffer(frame), net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  // One connection's life: handshake, hello, envelopes until a disconnect or an error. Returns
  // why it ended ("" for a disconnect Slack asked for, which reconnects at once).
  template <class Ws>
  net::awaitable<std::string> converse(Ws& ws, const SocketUrl& url) {
    beast::error_code ec;
    websocket::stream_base::timeout timeouts{options.connect_timeout, options.idle_timeout, true};
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "costbot/0.1 (Socket Mode)"); }));
    std::string host = url.host + ((url.tls && url.port == "443") || (!url.tls && url.port == "80") ? "" : ":" + url.port);
    co_await ws.async_handshake(host, url.target, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return "WebSocket handshake with " + url.host + " failed: " + ec.message();

    const std::uint64_t mine = ++generation;
    outgoing.clear();
    writer_wake = std::make_unique<net::steady_timer>(ioc);
    bool closing = false;  // one close per connection (Beast allows one close operation at a time)
    close_connection = [&ws, &closing] {
      if (closing || !ws.is_open()) return;
      closing = true;
      ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
    };
    net::co_spawn(ioc, writer(ws, mine), net::detached);

    std::string ended;
    bool greeted = false;
    beast::flat_buffer buffer;
    while (!stopping) {
      buffer.clear();
      co_await ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        ended = stopping ? "" : "connection lost: " + (ec == beast::error::timeout ? std::string("no frame within the idle timeout") : ec.message());
        break;
      }
      json::value message;
      try {
        message = json::parse(beast::buffers_to_string(buffer.data()));
      } catch (const std::exception& e) {
        spdlog::warn("Slack Socket Mode: a frame that is not JSON ignored ({})", e.what());
        continue;
      }
      if (!message.is_object()) continue;
      const auto& o = message.as_object();
      const std::string type = json_string(o, "type");
      if (type == "hello") {
        greeted = true;
        set_status([](SocketModeStatus& s) {
          s.connected = true;
          ++s.connections;
          s.last_error.clear();
        });
        spdlog::info("Slack Socket Mode connected to {}", url.host);
        continue;
      }
      if (type == "disconnect") {
        spdlog::info("Slack Socket Mode: Slack asked to reconnect ({})", json_string(o, "reason"));
        ended = "";
        break;
      }
      const std::string envelope_id = json_string(o, "envelope_id");
      if (envelope_id.empty()) {
        spdlog::debug("Slack Socket Mode: frame of type {} without envelope_id ignored", type);
        continue;
      }
      if (!greeted) spdlog::warn("Slack Socket Mode: envelope before hello");
      SocketEnvelope envelope;
      envelope.envelope_id = envelope_id;
      envelope.type = type;
      if (auto* p = o.if_contains("payload")) envelope.payload = *p;
      if (auto* a = o.if_contains("accepts_response_payload"); a && a->is_bool()) envelope.accepts_response_payload = a->as_bool();
      if (auto* r = o.if_contains("retry_attempt"); r && r->is_int64()) envelope.retry_attempt = static_cast<int>(r->as_int64());
      envelope.retry_reason = json_string(o, "retry_reason");
      set_status([](SocketModeStatus& s) { ++s.envelopes; });
      auto ack = ack_for(envelope_id, envelope.accepts_response_payload);
      try {
        handler(envelope, ack);
      } catch (const std::exception& e) {
        // Acked anyway: Slack would redeliver an envelope that fails the same way forever.
        spdlog::error("Slack Socket Mode: {} envelope {} failed: {}", type, envelope_id, e.what());
        ack(std::nullopt);
      }
    }
    set_status([](SocketModeStatus& s) { s.connected = false; });
    ++generation;  // acks still in flight belong to a closed connection
    close_connection = nullptr;
    if (writer_wake) writer_wake->cancel();
    if (ws.is_open() && !closing) {
      closing = true;
      beast::error_code ignored;
      co_await ws.async_close(websocket::close_code::normal, net::redirect_error(net::use_awaitable, ignored));
    }
    co_return ended;
  }

  net::awaitable<std::string> connect_once() {
    std::string url_text;
    try {
      url_text = open_url();  // blocking, on this thread only (the HTTP client has its own)
    } catch (const std::exception& e) {
      co_return std::string("apps.connections.open: ") + e.what();
    }
    SocketUrl url;
    try {
      url = parse_socket_url(url_text);
    } catch (const std::exception& e) {
      co_return e.what();
    }
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return "cannot resolve " + url.host + ": " + ec.message();
    if (!url.tls) {
      websocket::stream<beast::tcp_stream> ws(ioc);
      beast::get_lowest_layer(ws).expires_after(options.connect_timeout);
      co_await beast::get_lowest_layer(ws).async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return "cannot connect to " + url.host + ":" + url.port + ": " + ec.message();
      beast::get_lowest_layer(ws).expires_never();
      co_return co_await converse(ws, url);
    }
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, tls);
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.expires_after(options.connect_timeout);
    co_await lowest.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return "cannot connect to " + url.host + ":" + url.port + ": " + ec.message();
    SSL* handle = ws.next_layer().native_handle();
    beast::error_code ip_ec;
    net::ip::make_address(url.host, ip_ec);
    if (ip_ec) {
      SSL_set_tlsext_host_name(handle, url.host.c_str());
      SSL_set1_host(handle, url.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url.host.c_str());
    }
    co_await ws.next_layer().async_handshake(ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      long verify = SSL_get_verify_result(handle);
      if (verify != X509_V_OK) co_return "TLS certificate of " + url.host + " rejected: " + X509_verify_cert_error_string(verify);
      co_return "TLS handshake with " + url.host + " failed: " + ec.message();
    }
    lowest.expires_never();
    co_return co_await converse(ws, url);
  }

  net::awaitable<void> run() {
    std::mt19937 rng(std::random_device{}());
    auto delay = options.reconnect_min;
    while (!stopping) {
      std::string failure = co_await connect_once();
      if (stopping) break;
      if (failure.empty()) {  // Slack asked for a fresh connection: reconnect now
        delay = options.reconnect_min;
        continue;
      }
      set_status([&](SocketModeStatus& s) {
        s.connected = false;
        s.last_error = failure;
      });
      // Backoff with jitter; a connection that worked for a while starts over from the minimum.
      std::uniform_int_distribution<long long> jitter(0, delay.count() / 2);
      auto wait = delay + std::chrono::milliseconds(jitter(rng));
      spdlog::warn("Slack Socket Mode: {}; reconnecting in {} ms", failure, wait.count());
      backoff_timer = std::make_unique<net::steady_timer>(ioc, wait);
      beast::error_code ec;
      co_await backoff_timer->async_wait(net::redirect_error(net::use_awaitable, ec));
      delay = std::min(options.reconnect_max, delay * 2);
    }
  }
};

SocketModeClient::SocketModeClient(http::Client& http, SocketModeOptions options, SocketEnvelopeHandler handler)
    : impl_(std::make_shared<Impl>(http, std::move(options), std::move(handler))) {}

SocketModeClient::~SocketModeClient() { stop(); }

void SocketModeClient::start() {
  if (impl_->thread.joinable()) return;
  auto impl = impl_;
  net::co_spawn(impl->ioc, impl->run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("Slack Socket Mode stopped: {}", ex.what());
    }
  });
  impl->thread = std::thread([impl] { impl->ioc.run(); });
}

void SocketModeClient::stop() {
  auto impl = impl_;
  if (!impl->thread.joinable()) return;
  impl->stopping = true;
  net::post(impl->ioc, [impl] {
    if (impl->close_connection) impl->close_connection();
    if (impl->backoff_timer) impl->backoff_timer->cancel();
    if (impl->writer_wake) impl->writer_wake->cancel();
  });
  impl->thread.join();
}

SocketModeStatus SocketModeClient::status() const {
  std::lock_guard lock(impl_->status_mutex);
  return impl_->current_status;
}

std::string SocketModeClient::open_connection_url() { return impl_->open_url(); }

}  // namespace costbot::slack
