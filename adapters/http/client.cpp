#include "adapters/http/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "adapters/http/retry_after.hpp"
#include "adapters/http/url.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

bool is_loopback_host(std::string_view host) {
  if (text::iequals(host, "localhost") || host == "::1") return true;
  beast::error_code ec;
  auto address = net::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

Request Request::get(std::string url) {
  Request r;
  r.url = std::move(url);
  return r;
}

Request Request::post_json(std::string url, std::string json_body) {
  Request r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(json_body);
  r.content_type = "application/json; charset=utf-8";
  return r;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

ClientOptions ClientOptions::from(const config::HttpClientConfig& c) {
  ClientOptions o;
  o.ca_file = c.ca_file;
  o.connect_timeout = std::chrono::seconds(c.connect_timeout);
  o.request_timeout = std::chrono::seconds(c.request_timeout);
  o.max_attempts = c.max_attempts;
  o.retry_base_delay = std::chrono::milliseconds(c.retry_base_delay_ms);
  o.retry_max_delay = std::chrono::milliseconds(c.retry_max_delay_ms);
  o.max_retry_wait = std::chrono::seconds(c.max_retry_wait);
  o.plain_http = c.plain_http == "allow" ? PlainHttp::allow : c.plain_http == "deny" ? PlainHttp::deny : PlainHttp::loopback;
  o.max_response_bytes = static_cast<std::size_t>(c.max_response_bytes);
  return o;
}

namespace {

// One pooled connection: plain or TLS, with the bytes read past the last response.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  SteadyClock::time_point last_used;
  bool reused = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // A pooled connection is worth reusing only while the server has neither closed it nor sent
  // anything unasked (poll says "readable" in both cases).
  bool looks_alive() {
    if (!lowest().socket().is_open()) return false;
    pollfd pfd{lowest().socket().native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, 0) == 0;
  }
  void close() {
    beast::error_code ignored;
    lowest().socket().close(ignored);
  }
};

// What went wrong in one attempt, for the retry decision.
struct AttemptFailure {
  std::string message;
  bool sent = false;       // the request may have reached the server
  bool retryable = true;   // false: repeating cannot help (certificate, policy)
  bool stale_reuse = false;  // a reused connection failed before any answer: the server had closed it
  bool written = false;      // the whole request was written before the failure
};

}  // namespace

namespace {

template <class T>
T run_on_io_thread(net::io_context& ioc, net::awaitable<T> work) {
  std::promise<T> promise;
  auto future = promise.get_future();
  net::co_spawn(ioc, std::move(work), [&promise](std::exception_ptr error, T value) {
    if (error) promise.set_exception(error);
    else promise.set_value(std::move(value));
  });
  return future.get();
}

template <class Stream>
net::awaitable<void> read_stream_header(Stream& stream, beast::flat_buffer& buffer,
                                        bhttp::response_parser<bhttp::buffer_body>& parser, beast::error_code& ec) {
  co_await bhttp::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
}

template <class Stream>
net::awaitable<void> read_stream_body(Stream& stream, beast::flat_buffer& buffer,
                                      bhttp::response_parser<bhttp::buffer_body>& parser, beast::error_code& ec) {
  co_await bhttp::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
}

}  // namespace

struct BodyStream::State {
  Client::Impl* impl = nullptr;
  std::unique_ptr<Connection> connection;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  std::string pool_key;
  std::string what;  // "GET https://host/path" for messages
  std::chrono::milliseconds timeout{0};
  int status = 0;
  int attempts = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::uint64_t bytes_read = 0;
  std::string broken;  // the connection broke after the bytes last handed over: the next read throws
};

struct Client::Impl {
  ClientOptions options;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  ssl::context tls_context{ssl::context::tls_client};
  std::thread thread;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> pool;  // touched on the I/O thread only
  mutable std::mutex stats_mutex;
  ClientStats stats;
  std::mt19937_64 rng{std::random_device{}()};
  ProxySettings proxy_settings;

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    proxy_settings = options.proxy ? *options.proxy : ProxySettings::from_environment();
    tls_context.set_default_verify_paths();
    if (!options.ca_file.empty()) {
      beast::error_code ec;
      tls_context.load_verify_file(options.ca_file, ec);
      if (ec) throw invalid_input("http_client.ca_file: cannot load " + options.ca_file + ": " + ec.message());
    }
    tls_context.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_context.native_handle(), TLS1_2_VERSION);
    work.emplace(ioc.get_executor());
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    net::post(ioc, [this] {
      for (auto& [origin, list] : pool)
        for (auto& c : list) c->close();
      pool.clear();
    });
    work.reset();
    if (thread.joinable()) thread.join();
  }

  std::chrono::milliseconds backoff(int attempt) {
    auto exp = options.retry_base_delay.count() * (1LL << std::min(attempt - 1, 20));
    auto cap = std::min<long long>(exp, options.retry_max_delay.count());
    // "Equal jitter": half fixed, half random, so retries spread out but never collapse to zero.
    std::uniform_int_distribution<long long> dist(cap / 2, std::max<long long>(cap / 2, cap));
    return std::chrono::milliseconds(dist(rng));
  }

  // The retry rules call() and open_stream() share, for one request.
  struct RetryRules {
    bool idempotent = false;
    int max_attempts = 1;
    std::chrono::milliseconds max_wait{0};
    bool stale_retry_used = false;
  };

  // After an attempt that got no answer. nullopt: try again at once, not counted as an attempt (a
  // pooled connection the server had already closed; the server never saw the request). Once a
  // non-idempotent request was written whole, a close without an answer is ambiguous — the server
  // may have acted and then dropped the connection — so it is not repeated here; the caller decides
  // (the outbox looks before it acts again). Otherwise the backoff to wait, or NetworkError.
  std::optional<std::chrono::milliseconds> after_no_answer(RetryRules& rules, const AttemptFailure& failure,
                                                           const Request& request, const Url& url, int attempt_no) {
    if (failure.stale_reuse && !rules.stale_retry_used && (rules.idempotent || !failure.written)) {
      rules.stale_retry_used = true;
      return std::nullopt;
    }
    bool may_retry = failure.retryable && (!failure.sent || rules.idempotent) && attempt_no < rules.max_attempts;
    spdlog::debug("{} {}: attempt {} failed: {}", request.method, url.origin(), attempt_no, failure.message);
    if (!may_retry)
      throw NetworkError(request.method + " " + url.origin() + ": " + failure.message +
                             (attempt_no > 1 ? " (after " + std::to_string(attempt_no) + " attempts)" : ""),
                         failure.retryable, failure.sent);
    return backoff(attempt_no);
  }

  // After an answer: nullopt hands it over; otherwise the wait before the next attempt. 429 and 503
  // say the server did not act, so they are repeated; 500/502/504 only when idempotent. A
  // Retry-After longer than max_wait is not slept on: the caller (e.g. the outbox) reschedules.
  std::optional<std::chrono::milliseconds> after_answer(const RetryRules& rules, int status,
                                                        std::optional<std::chrono::seconds> retry_after,
                                                        int attempt_no) {
    bool refused = status == 429 || status == 503;
    bool server_error = status == 500 || status == 502 || status == 504;
    if (!((refused || (server_error && rules.idempotent)) && attempt_no < rules.max_attempts)) return std::nullopt;
    if (!retry_after) return backoff(attempt_no);
    if (*retry_after > rules.max_wait) return std::nullopt;
    return std::max<std::chrono::milliseconds>(*retry_after, std::chrono::milliseconds(50));
  }

  std::unique_ptr<Connection> take_pooled(const std::string& origin) {
    auto it = pool.find(origin);
    if (it == pool.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (SteadyClock::now() - c->last_used < options.pool_idle_timeout && c->looks_alive()) {
        c->reused = true;
        return c;
      }
      c->close();
    }
    return nullptr;
  }

  void give_back(const std::string& origin, std::unique_ptr<Connection> c) {
    auto& list = pool[origin];
    c->last_used = SteadyClock::now();
    if (list.size() >= options.pool_max_per_origin) return c->close();
    list.push_back(std::move(c));
  }

  // Asks the proxy for a tunnel to the origin (CONNECT host:port); the TLS handshake then runs
  // inside it, so the proxy sees neither the request nor the certificate check.
  net::awaitable<bool> open_tunnel(beast::tcp_stream& stream, const Url& url, const ProxyEndpoint& proxy,
                                   AttemptFailure& failure) {
    std::string authority = (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" + url.port;
    bhttp::request<bhttp::empty_body> connect_req{bhttp::verb::connect, authority, 11};
    connect_req.set(bhttp::field::host, authority);
    connect_req.set(bhttp::field::user_agent, options.user_agent);
    if (!proxy.authorization.empty()) connect_req.set(bhttp::field::proxy_authorization, proxy.authorization);
    beast::error_code ec;
    co_await bhttp::async_write(stream, connect_req, net::redirect_error(net::use_awaitable, ec));
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);  // a CONNECT answer has no body: the tunnel starts right after the header
    if (!ec) co_await bhttp::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      failure.message = "proxy " + proxy.display() + " did not open a tunnel to " + authority + ": " +
                        (ec == beast::error::timeout ? std::string("timed out") : ec.message());
      co_return false;
    }
    auto status = parser.get().result_int();
    if (status / 100 != 2) {
      failure.message = "proxy " + proxy.display() + " refused CONNECT to " + authority + ": HTTP " +
                        std::to_string(status) + " " + std::string(parser.get().reason()) +
                        (status == 407 ? " (the proxy wants credentials: user:password in HTTPS_PROXY)" : "");
      failure.retryable = status != 407 && status != 403;
      co_return false;
    }
    co_return true;
  }

  net::awaitable<std::unique_ptr<Connection>> connect(const Url& url, const std::optional<ProxyEndpoint>& proxy,
                                                      AttemptFailure& failure) {
    auto executor = co_await net::this_coro::executor;
    beast::error_code ec;
    tcp::resolver resolver(executor);
    const std::string& host = proxy ? proxy->host : url.host;
    const std::string& port = proxy ? proxy->port : url.port;
    const std::string target = proxy ? "proxy " + proxy->display() : url.origin();
    auto endpoints = co_await resolver.async_resolve(host, port, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      failure.message = "cannot resolve " + (proxy ? target : host) + ": " + ec.message();
      co_return nullptr;
    }
    auto c = std::make_unique<Connection>();
    if (url.tls())
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context);
    else
      c->plain = std::make_unique<beast::tcp_stream>(executor);
    auto& lowest = c->lowest();
    lowest.expires_after(options.connect_timeout);
    co_await lowest.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      failure.message = "cannot connect to " + target + ": " +
                        (ec == beast::error::timeout ? std::string("timed out") : ec.message());
      co_return nullptr;
    }
    lowest.socket().set_option(tcp::no_delay(true), ec);
    if (proxy && url.tls() && !co_await open_tunnel(lowest, url, *proxy, failure)) co_return nullptr;
    if (c->tls) {
      SSL* handle = c->tls->native_handle();
      beast::error_code ip_ec;
      net::ip::make_address(url.host, ip_ec);
      if (ip_ec) {
        SSL_set_tlsext_host_name(handle, url.host.c_str());  // SNI (never for IP literals)
        SSL_set1_host(handle, url.host.c_str());              // the certificate must name this host
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url.host.c_str());
      }
      co_await c->tls->async_handshake(ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        long verify = SSL_get_verify_result(handle);
        if (verify != X509_V_OK) {
          failure.message = "TLS certificate of " + url.origin() + " rejected: " +
                            X509_verify_cert_error_string(verify);
          failure.retryable = false;
        } else {
          failure.message = "TLS handshake with " + url.origin() + " failed: " +
                            (ec == beast::error::timeout ? std::string("timed out") : ec.message());
        }
        co_return nullptr;
      }
    }
    std::lock_guard lock(stats_mutex);
    ++stats.connections_opened;
    if (proxy) ++stats.proxied_connections;
    co_return c;
  }

  template <class Stream>
  net::awaitable<std::optional<Response>> exchange(Stream& stream, Connection& c, bhttp::request<bhttp::string_body>& req,
                                                    std::chrono::milliseconds timeout, AttemptFailure& failure,
                                                    bool& keep) {
    beast::error_code ec;
    c.lowest().expires_after(timeout);
    co_await bhttp::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      failure.message = "sending the request failed: " + ec.message();
      failure.sent = true;
      failure.stale_reuse = c.reused;
      co_return std::nullopt;
    }
    {
      std::lock_guard lock(stats_mutex);
      ++stats.requests_sent;
    }
    failure.written = true;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    parser.header_limit(64 << 10);
    co_await bhttp::async_read(stream, c.buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      failure.sent = true;
      failure.stale_reuse = c.reused && !parser.got_some() &&
                            (ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
                             ec == net::error::eof || ec == ssl::error::stream_truncated);
      failure.message = ec == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                        : ec == bhttp::error::body_limit ? "answer larger than " + std::to_string(options.max_response_bytes) + " bytes"
                                                          : "reading the answer failed: " + ec.message();
      co_return std::nullopt;
    }
    auto& msg = parser.get();
    Response r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      r.headers.emplace_back(text::to_lower(field.name_string()), std::string(field.value()));
    }
    r.body = std::move(msg.body());
    keep = msg.keep_alive() && !parser.need_eof();
    co_return r;
  }

  net::awaitable<std::optional<Response>> attempt(const Url& url, const std::optional<ProxyEndpoint>& proxy,
                                                   bhttp::request<bhttp::string_body>& req,
                                                   std::chrono::milliseconds timeout, AttemptFailure& failure) {
    // Connections through a proxy are pooled apart from direct ones to the same origin.
    auto origin = proxy ? proxy->display() + " " + url.origin() : url.origin();
    auto c = take_pooled(origin);
    if (c) {
      std::lock_guard lock(stats_mutex);
      ++stats.connections_reused;
    } else {
      c = co_await connect(url, proxy, failure);
      if (!c) co_return std::nullopt;
    }
    bool keep = false;
    std::optional<Response> r;
    if (c->tls)
      r = co_await exchange(*c->tls, *c, req, timeout, failure, keep);
    else
      r = co_await exchange(*c->plain, *c, req, timeout, failure, keep);
    if (r && keep) give_back(origin, std::move(c));
    else c->close();
    co_return r;
  }

  void require_allowed_scheme(const Url& url) const {
    if (url.tls()) return;
    bool allowed = options.plain_http == PlainHttp::allow ||
                   (options.plain_http == PlainHttp::loopback && (is_loopback_host(url.host) || is_metadata_host(url.host)));
    if (!allowed)
      throw NetworkError("plain http to " + url.origin() + " is not allowed (http_client.plain_http); use https", false,
                         false);
  }

  // The request as it goes on the wire. Through a proxy, plain http asks in absolute form (with the
  // proxy's credentials); https goes through a tunnel as usual.
  bhttp::request<bhttp::string_body> wire_request(Request& request, const Url& url,
                                                  const std::optional<ProxyEndpoint>& proxy) const {
    bhttp::request<bhttp::string_body> req;
    req.method_string(request.method);
    req.target(proxy && !url.tls() ? url.origin() + url.target : url.target);
    req.version(11);
    bool default_port = (url.tls() && url.port == "443") || (!url.tls() && url.port == "80");
    req.set(bhttp::field::host, default_port ? url.host : url.host + ":" + url.port);
    req.set(bhttp::field::user_agent, options.user_agent);
    if (!request.content_type.empty()) req.set(bhttp::field::content_type, request.content_type);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (proxy && !url.tls() && !proxy->authorization.empty()) req.set(bhttp::field::proxy_authorization, proxy->authorization);
    req.body() = std::move(request.body);
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  net::awaitable<Response> call(Request request, CallOptions call) {
    Url url = parse_url(request.url);
    require_allowed_scheme(url);
    RetryRules rules;
    rules.idempotent = call.idempotency == Idempotency::idempotent ||
                       (call.idempotency == Idempotency::by_method &&
                        (request.method == "GET" || request.method == "HEAD" || request.method == "PUT" ||
                         request.method == "DELETE" || request.method == "OPTIONS"));
    rules.max_attempts = std::max(1, call.max_attempts.value_or(options.max_attempts));
    rules.max_wait = call.max_retry_wait.value_or(options.max_retry_wait);
    auto timeout = call.request_timeout.value_or(options.request_timeout);

    auto proxy = proxy_settings.proxy_for(url);
    auto req = wire_request(request, url, proxy);

    net::steady_timer timer(co_await net::this_coro::executor);
    for (int attempt_no = 1;; ++attempt_no) {
      AttemptFailure failure;
      auto r = co_await attempt(url, proxy, req, timeout, failure);
      std::optional<std::chrono::milliseconds> delay;
      if (!r) {
        delay = after_no_answer(rules, failure, request, url, attempt_no);
        if (!delay) {
          --attempt_no;
          continue;
        }
      } else {
        r->attempts = attempt_no;
        if (auto ra = r->header("retry-after")) r->retry_after = parse_retry_after(*ra, default_clock().now());
        delay = after_answer(rules, r->status, r->retry_after, attempt_no);
        if (!delay) co_return std::move(*r);
        spdlog::debug("{} {}: HTTP {}, retrying in {} ms", request.method, url.origin(), r->status, delay->count());
      }
      timer.expires_after(*delay);
      beast::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
  }

  // Retries like call() until an answer worth handing over arrives; its body stays on the wire.
  net::awaitable<std::shared_ptr<BodyStream::State>> open_stream(Request request, CallOptions call) {
    Url url = parse_url(request.url);
    require_allowed_scheme(url);
    RetryRules rules;
    rules.idempotent = call.idempotency == Idempotency::idempotent ||
                       (call.idempotency == Idempotency::by_method && (request.method == "GET" || request.method == "HEAD"));
    rules.max_attempts = std::max(1, call.max_attempts.value_or(options.max_attempts));
    rules.max_wait = call.max_retry_wait.value_or(options.max_retry_wait);
    auto timeout = call.request_timeout.value_or(options.request_timeout);
    auto proxy = proxy_settings.proxy_for(url);
    auto req = wire_request(request, url, proxy);
    const std::string pool_key = proxy ? proxy->display() + " " + url.origin() : url.origin();
    const std::string what = request.method + " " + url.origin() + url.target;

    net::steady_timer timer(co_await net::this_coro::executor);
    for (int attempt_no = 1;; ++attempt_no) {
      AttemptFailure failure;
      auto state = std::make_shared<BodyStream::State>();
      state->impl = this;
      state->pool_key = pool_key;
      state->what = what;
      state->timeout = timeout;
      state->attempts = attempt_no;
      state->connection = take_pooled(pool_key);
      if (state->connection) {
        std::lock_guard lock(stats_mutex);
        ++stats.connections_reused;
      } else {
        state->connection = co_await connect(url, proxy, failure);
      }
      beast::error_code ec;
      if (state->connection) {
        auto& c = *state->connection;
        c.lowest().expires_after(timeout);
        if (c.tls) co_await bhttp::async_write(*c.tls, req, net::redirect_error(net::use_awaitable, ec));
        else co_await bhttp::async_write(*c.plain, req, net::redirect_error(net::use_awaitable, ec));
        if (!ec) {
          std::lock_guard lock(stats_mutex);
          ++stats.requests_sent;
          failure.written = true;
        }
        state->parser.emplace();
        state->parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        state->parser->header_limit(64 << 10);
        if (!ec) {
          if (c.tls) co_await read_stream_header(*c.tls, c.buffer, *state->parser, ec);
          else co_await read_stream_header(*c.plain, c.buffer, *state->parser, ec);
        }
        if (ec) {
          failure.sent = true;
          failure.stale_reuse = c.reused && !state->parser->got_some();
          failure.message = ec == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                                        : "reading the answer failed: " + ec.message();
          c.close();
        }
      }
      std::optional<std::chrono::milliseconds> delay;
      if (!state->connection || ec) {
        delay = after_no_answer(rules, failure, request, url, attempt_no);
        if (!delay) {
          --attempt_no;
          continue;
        }
      } else {
        const auto& msg = state->parser->get();
        state->status = static_cast<int>(msg.result_int());
        for (const auto& field : msg) state->headers.emplace_back(text::to_lower(field.name_string()), std::string(field.value()));
        std::optional<std::chrono::seconds> retry_after;
        for (const auto& [k, v] : state->headers)
          if (k == "retry-after") retry_after = parse_retry_after(v, default_clock().now());
        delay = after_answer(rules, state->status, retry_after, attempt_no);
        if (!delay) co_return state;
        state->connection->close();  // the error body is not worth reading to keep the connection
      }
      timer.expires_after(*delay);
      beast::error_code ignored;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ignored));
    }
  }

  net::awaitable<std::size_t> read_stream_chunk(BodyStream::State& s, char* into, std::size_t capacity) {
    auto& parser = *s.parser;
    std::size_t got = 0;
    while (!parser.is_done() && got == 0) {
      parser.get().body().data = into;
      parser.get().body().size = capacity;
      parser.get().body().more = true;
      auto& c = *s.connection;
      c.lowest().expires_after(s.timeout);
      beast::error_code ec;
      if (c.tls) co_await read_stream_body(*c.tls, c.buffer, parser, ec);
      else co_await read_stream_body(*c.plain, c.buffer, parser, ec);
      if (ec == bhttp::error::need_buffer) ec = {};
      got = capacity - parser.get().body().size;
      if (ec) {
        c.close();
        s.broken = s.what + ": the answer broke off after " + std::to_string(s.bytes_read + got) + " body bytes: " +
                   (ec == beast::error::timeout ? "no data within " + std::to_string(s.timeout.count()) + " ms"
                                                : ec.message());
        // Hand over what did arrive first, so a resumed read starts after it; the next read throws.
        if (got == 0) throw NetworkError(s.broken, true, true);
        break;
      }
    }
    s.bytes_read += got;
    co_return got;
  }

  // Back to the pool when the body was read to its end on a keep-alive connection; closed otherwise.
  void release_stream(const std::shared_ptr<BodyStream::State>& s) {
    net::post(ioc, [this, s] {
      if (!s->connection) return;
      if (s->parser && s->parser->is_done() && s->parser->get().keep_alive() && !s->parser->need_eof())
        give_back(s->pool_key, std::move(s->connection));
      else
        s->connection->close();
    });
  }
};


Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

const ClientOptions& Client::options() const { return impl_->options; }

ClientStats Client::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

std::unique_ptr<BodyStream> Client::open(Request request, const CallOptions& options) {
  auto state = run_on_io_thread(impl_->ioc, impl_->open_stream(std::move(request), options));
  return std::make_unique<BodyStream>(std::move(state));
}

BodyStream::BodyStream(std::shared_ptr<State> state) : state_(std::move(state)) {}
BodyStream::~BodyStream() { state_->impl->release_stream(state_); }
int BodyStream::status() const { return state_->status; }
int BodyStream::attempts() const { return state_->attempts; }
std::uint64_t BodyStream::bytes_read() const { return state_->bytes_read; }
const std::vector<std::pair<std::string, std::string>>& BodyStream::headers() const { return state_->headers; }
std::optional<std::string_view> BodyStream::header(std::string_view name) const {
  for (const auto& [k, v] : state_->headers)
    if (text::iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::size_t BodyStream::read(char* into, std::size_t capacity) {
  if (!state_->broken.empty()) throw NetworkError(state_->broken, true, true);
  if (capacity == 0 || !state_->connection || state_->parser->is_done()) return 0;
  return run_on_io_thread(state_->impl->ioc, state_->impl->read_stream_chunk(*state_, into, capacity));
}

std::string BodyStream::read_all(std::size_t limit) {
  std::string out;
  char buffer[16384];
  while (out.size() < limit) {
    std::size_t n = read(buffer, std::min(sizeof buffer, limit - out.size()));
    if (n == 0) break;
    out.append(buffer, n);
  }
  return out;
}

Response Client::send(Request request, const CallOptions& options) {
  std::promise<Response> promise;
  auto future = promise.get_future();
  net::co_spawn(impl_->ioc, impl_->call(std::move(request), options),
                [&promise](std::exception_ptr error, Response response) {
                  if (error) promise.set_exception(error);
                  else promise.set_value(std::move(response));
                });
  return future.get();
}

}  // namespace costbot::http
