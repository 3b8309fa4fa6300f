#include "bot/server/server.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "bot/server/address_ranges.hpp"
#include "bot/server/errors.hpp"
#include "bot/server/forwarded.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::server {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

class SessionBase;

struct Server::State {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::string request_id_prefix = hash::random_hex(3);
  std::atomic<std::uint64_t> request_counter{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> in_flight{0};
  bool started = false;
  bool stopped = false;

  mutable std::mutex sessions_mutex;
  std::condition_variable sessions_changed;
  std::unordered_set<SessionBase*> sessions;
  std::unordered_map<std::string, std::size_t> per_client;  // open connections per client address
  AddressRanges trusted_proxies;

  // HTTPS: the context new connections use (swapped by reload_tls; a connection keeps its own).
  mutable std::mutex tls_mutex;
  std::shared_ptr<ssl::context> tls;

  // Out of descriptors: spare ones (on /dev/null) to give back while the failure is logged and the
  // waiting connections are accepted and closed. Two: a pipe takes two, and the sanitizer build's
  // first check of a dynamic type (UBSan's vptr check) opens one; so may a log sink.
  std::array<int, 2> reserve_fds{-1, -1};
  std::chrono::milliseconds accept_backoff{0};
  Clock::time_point last_accept_warning{};
  std::uint64_t accept_failures_unlogged = 0;

  unsigned short bound_port = 0;
  std::vector<std::thread> threads;
  // Declared after everything sessions touch and before the I/O objects: destroyed after them,
  // before the rest (members are destroyed in reverse order).
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_timer;

  explicit State(ServerOptions o, std::shared_ptr<const Router> r)
      : options(std::move(o)),
        router(std::move(r)),
        trusted_proxies(options.trusted_proxies),
        ioc(std::max(1, options.threads)) {}
  ~State() {
    for (int fd : reserve_fds)
      if (fd >= 0) ::close(fd);
  }

  std::string next_request_id() {
    return request_id_prefix + "-" + std::to_string(request_counter.fetch_add(1, std::memory_order_relaxed) + 1);
  }
};

namespace {

// A client-supplied id is kept only if it is short and harmless in logs.
bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// Metrics labels must come from a small set: a client may send any method name.
std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
    if (method == known) return known;
  return "other";
}

const char* reason_for_parse_error(const beast::error_code& ec, int& status) {
  if (ec == beast_http::error::body_limit) return status = 413, "request body too large";
  if (ec == beast_http::error::header_limit) return status = 431, "request headers too large";
  status = 400;
  return nullptr;
}

}  // namespace

// What the server keeps of every connection, whatever its transport (plain TCP or TLS).
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Shutdown: an idle connection is closed now; a busy one closes after its response.
  virtual void close_if_idle() = 0;
  virtual void force_close() = 0;
  // Between two requests of a keep-alive connection (read from the acceptor's thread).
  bool idle_keep_alive() const { return idle_keep_alive_.load(std::memory_order_relaxed); }

 protected:
  std::atomic<bool> idle_keep_alive_{false};
};

// One connection. Stream is beast::tcp_stream, or beast::ssl_stream<beast::tcp_stream> for HTTPS
// (which first runs the TLS handshake under the read deadline).
template <class Stream>
class Session : public SessionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // `client`: the peer's address, already counted in state->per_client by the acceptor.
  template <class... StreamArgs>
  Session(std::shared_ptr<Server::State> state, std::string client, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        state_(std::move(state)),
        handler_timer_(stream_.get_executor()),
        client_(std::move(client)) {
    beast::error_code ec;
    auto ep = socket().remote_endpoint(ec);
    remote_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    socket().set_option(tcp::no_delay(true), ec);  // small responses, keep-alive: no Nagle wait
  }

  // Keeps the TLS context alive as long as the stream that uses it.
  void hold(std::shared_ptr<ssl::context> context) { tls_context_ = std::move(context); }

  ~Session() {
    std::lock_guard lock(state_->sessions_mutex);
    state_->sessions.erase(this);
    if (counted_)
      if (auto it = state_->per_client.find(client_); it != state_->per_client.end() && --it->second == 0)
        state_->per_client.erase(it);
    state_->sessions_changed.notify_all();
  }

  // Registered under sessions_mutex by the acceptor, before start().
  void register_locked() {
    state_->sessions.insert(this);
    counted_ = true;
  }

  void start() {
    if constexpr (kTls) {
      net::dispatch(stream_.get_executor(), [self = self()] {
        beast::get_lowest_layer(self->stream_).expires_after(self->state_->options.read_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            spdlog::debug("connection {}: TLS handshake failed: {}", self->remote_, ec.message());
            return self->close();
          }
          self->wait_for_request(self->state_->options.read_timeout);
        });
      });
    } else {
      net::dispatch(stream_.get_executor(),
                    beast::bind_front_handler(&Session::wait_for_request, self(), state_->options.read_timeout));
    }
  }

  void close_if_idle() override {
    net::dispatch(stream_.get_executor(), [self = self()] {
      if (self->phase_ == Phase::idle) self->close();
    });
  }
  void force_close() override {
    net::dispatch(stream_.get_executor(), [self = self()] { self->close(); });
  }

 private:
  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  void expires_after(std::chrono::steady_clock::duration d) { beast::get_lowest_layer(stream_).expires_after(d); }

  enum class Phase { idle, reading, handling, writing, closed };

  // Waits for the first bytes of the next request. A new connection gets read_timeout to start;
  // a keep-alive connection idle_timeout.
  void wait_for_request(std::chrono::milliseconds timeout) {
    if (phase_ == Phase::closed) return;
    if (state_->stopping && requests_ > 0) return close();
    phase_ = Phase::idle;
    if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
    idle_keep_alive_.store(requests_ > 0, std::memory_order_relaxed);
    expires_after(timeout);
    stream_.async_read_some(buffer_.prepare(8192), beast::bind_front_handler(&Session::on_first_bytes, self()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    idle_keep_alive_.store(false, std::memory_order_relaxed);
    if (ec) {
      if (ec != beast::error::timeout && ec != net::error::eof && ec != net::error::operation_aborted &&
          ec != net::error::connection_reset)
        spdlog::debug("connection {}: {}", remote_, ec.message());
      return close();
    }
    buffer_.commit(n);
    read_request();
  }

  void read_request() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->eager(true);
    parser_->body_limit(state_->options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(state_->options.header_limit));
    // One deadline for the whole request, set in the transport: a slow client cannot hold on.
    expires_after(state_->options.read_timeout);
    // Fast path: a request usually arrives whole in one read. Parse what is buffered right here
    // and skip the asynchronous read operations (and their scheduling) entirely.
    beast::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == beast_http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || used == 0) break;
    }
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return handle();
    if (parser_->is_header_done()) return on_header({}, 0);
    beast_http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_header, self()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    auto& msg = parser_->get();
    if (msg[beast_http::field::expect] == "100-continue" && !parser_->is_done()) {
      // Clients that ask first (curl with large bodies) get the go-ahead instead of a 1 s stall.
      auto cont = std::make_shared<beast_http::response<beast_http::empty_body>>(beast_http::status::continue_, msg.version());
      beast_http::async_write(stream_, *cont, [self = self(), cont](beast::error_code ec2, std::size_t) {
        if (ec2) return self->close();
        beast_http::async_read(self->stream_, self->buffer_, *self->parser_,
                         beast::bind_front_handler(&Session::on_read, self));
      });
      return;
    }
    beast_http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, self()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(const beast::error_code& ec) {
    if (ec == beast_http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == beast_http::error::partial_message)
      return close();
    if (ec == beast::error::timeout) {
      spdlog::info("closed connection {}: request not received within {} ms", remote_,
                   state_->options.read_timeout.count());
      return close();  // the transport already closed the socket: nothing can be written
    }
    if (ec.category() != beast_http::make_error_code(beast_http::error::bad_method).category()) {
      spdlog::debug("connection {}: {}", remote_, ec.message());
      return close();
    }
    int status = 400;
    const char* reason = reason_for_parse_error(ec, status);
    std::string message = reason ? reason : "malformed HTTP request: " + ec.message();
    if (status == 413) message += " (limit " + std::to_string(state_->options.body_limit) + " bytes)";
    request_id_ = state_->next_request_id();
    route_ = "(bad request)";
    method_ = parser_ && parser_->is_header_done() ? std::string(parser_->get().method_string()) : "-";
    target_ = parser_ && parser_->is_header_done() ? std::string(parser_->get().target()) : "-";
    started_ = Clock::now();
    keep_alive_ = false;
    version_ = 11;
    auto response = error_response(status, message, request_id_);
    response.close = true;
    send(std::move(response));
  }

  void handle() {
    phase_ = Phase::handling;
    ++requests_;
    started_ = Clock::now();
    auto& msg = parser_->get();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive() && !state_->stopping;

    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(16);
    for (const auto& field : msg) {
      req.headers.emplace_back(text::to_lower(field.name_string()), std::string(field.value()));
    }
    auto given_id = msg["x-request-id"];
    req.id = sane_request_id(given_id) ? std::string(given_id) : state_->next_request_id();
    req.body = std::move(msg.body());
    req.remote = remote_;
    {
      auto client = forwarded_client(client_, req.headers, state_->trusted_proxies);
      req.client = std::move(client.address);
      req.forwarded_proto = std::move(client.proto);
      req.forwarded_host = std::move(client.host);
    }
    request_id_ = req.id;
    method_ = req.method;
    target_ = req.target;

    log::ScopedRequestId scope(request_id_);
    route_ = "(bad request)";
    if (req.target.empty() || req.target.front() != '/')
      return send(error_response(400, "request target must be an absolute path", request_id_));
    Router::Match match;
    try {
      match = state_->router->match(req.method, req.path);
    } catch (...) {
      return send(error_response_for(std::current_exception(), req));
    }
    route_ = match.pattern ? *match.pattern : match.status == 405 ? "(method not allowed)" : "(no route)";
    if (!match.found()) {
      auto r = error_response(match.status,
                              match.status == 405 ? req.method + " is not allowed here (allowed: " + match.allow + ")"
                                                  : "no route for " + req.path,
                              request_id_);
      if (match.status == 405) r.with_header("Allow", match.allow);
      return send(std::move(r));
    }
    req.params = std::move(match.params);
    if (match.handler) {
      Response response;
      try {
        response = (*match.handler)(req);
      } catch (...) {
        response = error_response_for(std::current_exception(), req);
      }
      return send(std::move(response));
    }

    // Asynchronous: the answer comes back through respond (from any thread) or the deadline.
    const std::uint64_t seq = requests_;
    std::weak_ptr<Session> weak = self();
    auto executor = stream_.get_executor();
    Respond respond = [weak, executor, seq](Response r) {
      if (auto self = weak.lock())
        net::post(executor, [self, seq, r = std::move(r)]() mutable { self->on_async_response(seq, std::move(r)); });
    };
    handler_timer_.expires_after(state_->options.handler_timeout);
    handler_timer_.async_wait([self = self(), seq](beast::error_code ec) {
      if (ec) return;
      spdlog::warn("{} {}: no answer within {} ms", self->method_, self->target_,
                   self->state_->options.handler_timeout.count());
      self->on_async_response(seq, error_response(503, "the request took too long", self->request_id_));
    });
    state_->in_flight.fetch_add(1);
    async_pending_ = true;
    std::string method = req.method, path = req.path, id = req.id;
    try {
      (*match.async_handler)(std::move(req), respond);
    } catch (...) {
      Request stub;
      stub.method = method;
      stub.path = path;
      stub.id = id;
      on_async_response(seq, error_response_for(std::current_exception(), stub));
    }
  }

  void on_async_response(std::uint64_t seq, Response response) {
    if (seq != requests_ || phase_ != Phase::handling || !async_pending_) return;  // late or duplicate
    async_pending_ = false;
    state_->in_flight.fetch_sub(1);
    handler_timer_.cancel();
    send(std::move(response));
  }

  void send(Response response) {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::writing;
    if (state_->stopping) keep_alive_ = false;
    if (response.close) keep_alive_ = false;
    res_.emplace(static_cast<beast_http::status>(response.status), version_);
    res_->set(beast_http::field::server, "costbot");
    if (!response.content_type.empty()) res_->set(beast_http::field::content_type, response.content_type);
    if (!request_id_.empty()) res_->set("X-Request-Id", request_id_);
    if (kTls && state_->options.hsts_max_age > 0)
      res_->set(beast_http::field::strict_transport_security, "max-age=" + std::to_string(state_->options.hsts_max_age));
    for (auto& [name, value] : response.headers) {
      // Set-Cookie is the one header that may repeat (a session and a login cookie at once).
      if (beast::iequals(name, "Set-Cookie")) res_->insert(beast_http::field::set_cookie, value);
      else res_->set(name, value);
    }
    res_->body() = std::move(response.body);
    res_->keep_alive(keep_alive_);
    res_->prepare_payload();
    status_ = response.status;
    expires_after(state_->options.read_timeout);
    beast_http::async_write(stream_, *res_, beast::bind_front_handler(&Session::on_write, self()));
  }

  void on_write(beast::error_code ec, std::size_t bytes) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
    if (state_->options.on_response) {
      try {
        state_->options.on_response(route_, method_label(method_), status_, static_cast<double>(us) / 1e6);
      } catch (const std::exception& e) {
        spdlog::error("on_response: {}", e.what());
      }
    }
    if (state_->options.access_log) {
      log::ScopedRequestId scope(request_id_);
      // On a terminal, answered requests go one level down so a polling page does not push the
      // startup lines (and the URL to open) off the screen; failures stay visible.
      static const bool on_terminal = ::isatty(STDERR_FILENO) == 1;
      const auto level = on_terminal && status_ < 400 ? spdlog::level::debug : spdlog::level::info;
      spdlog::log(level, "{} {} {} {}B {}.{:03}ms {}{}", method_, target_, status_, bytes, us / 1000, us % 1000, remote_,
                   ec ? " (write failed: " + ec.message() + ")" : "");
    }
    if (ec) return close();
    if (!keep_alive_) return linger_close();
    res_.reset();
    parser_.reset();
    wait_for_request(state_->options.idle_timeout);
  }

  // After the last response: stop sending, then read and discard what the client still sends for a
  // moment before closing. Closing with unread bytes would reset the connection, and the client
  // might lose the response (a 413 sent while a large body is still arriving).
  void linger_close() {
    phase_ = Phase::writing;
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    expires_after(std::chrono::seconds(1));
    discard_more(0);
  }

  void discard_more(std::size_t discarded) {
    if (discarded > 2 * state_->options.body_limit + (64 << 10)) return close();
    scratch_.resize(16 << 10);
    stream_.async_read_some(net::buffer(scratch_), [self = self(), discarded](beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->discard_more(discarded + n);
    });
  }

  void close() {
    if (phase_ == Phase::closed) return;
    if (async_pending_) {
      async_pending_ = false;
      state_->in_flight.fetch_sub(1);
    }
    phase_ = Phase::closed;
    handler_timer_.cancel();
    beast::error_code ignored;
    socket().close(ignored);
  }

  Stream stream_;
  std::shared_ptr<ssl::context> tls_context_;  // HTTPS: the context stream_ was made with
  std::shared_ptr<Server::State> state_;
  net::steady_timer handler_timer_;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  std::optional<beast_http::response<beast_http::string_body>> res_;
  std::vector<char> scratch_;
  Phase phase_ = Phase::idle;
  std::uint64_t requests_ = 0;
  bool async_pending_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  int status_ = 0;
  std::string client_;
  bool counted_ = false;  // in sessions and per_client (set under sessions_mutex)
  std::string remote_, request_id_, method_, target_, route_;
  Clock::time_point started_;
};

namespace {

void do_accept(const std::shared_ptr<Server::State>& state);

bool out_of_descriptors(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory;
}

// One line per second at most, however often accept fails.
void warn_accept_failure(Server::State& state, const beast::error_code& ec) {
  auto now = Clock::now();
  if (now - state.last_accept_warning < std::chrono::seconds(1)) {
    ++state.accept_failures_unlogged;
    return;
  }
  spdlog::warn("accept failed: {}{}; pausing new connections for {} ms", ec.message(),
               state.accept_failures_unlogged
                   ? " (and " + std::to_string(state.accept_failures_unlogged) + " more failures since the last line)"
                   : std::string(),
               state.accept_backoff.count());
  state.last_accept_warning = now;
  state.accept_failures_unlogged = 0;
}

void take_reserve_descriptors(Server::State& state) {
  for (int& fd : state.reserve_fds)
    if (fd < 0) fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// Returns whether any was given back.
bool give_back_reserve_descriptors(Server::State& state) {
  bool any = false;
  for (int& fd : state.reserve_fds)
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
      any = true;
    }
  return any;
}

// The connections waiting now cannot be served: close them (up to a bound) rather than let them
// hang. Needs a free descriptor.
void shed_waiting_connections(Server::State& state) {
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(state.acceptor->native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) break;
    ::close(fd);
  }
}

// Out of descriptors, the waiting connections stay in the kernel's queue and every accept fails
// at once: a loop without a pause burns a core and the log. Give back the reserve descriptors, log,
// accept the waiting connections and close them (their clients see a close instead of a hang),
// take the reserve again, and wait before the next accept.
void accept_after_pause(const std::shared_ptr<Server::State>& state, const beast::error_code& ec) {
  state->accept_backoff = std::min(std::chrono::milliseconds(1000),
                                   std::max(std::chrono::milliseconds(10), state->accept_backoff * 2));
  const bool released = out_of_descriptors(ec) && give_back_reserve_descriptors(*state);
  warn_accept_failure(*state, ec);
  if (released) {
    shed_waiting_connections(*state);
    take_reserve_descriptors(*state);
  }
  state->accept_timer->expires_after(state->accept_backoff);
  state->accept_timer->async_wait([state](beast::error_code timer_ec) {
    if (timer_ec || state->stopping) return;
    do_accept(state);
  });
}

// Decides, under sessions_mutex, whether a new connection from `client` may open; at the global
// cap an idle keep-alive connection is closed to make room. Registers the session when it may.
template <class S>
bool admit(Server::State& state, const std::shared_ptr<S>& session, const std::string& client, bool trusted) {
  std::shared_ptr<SessionBase> evict;
  {
    std::lock_guard lock(state.sessions_mutex);
    auto& mine = state.per_client[client];
    if (!trusted && state.options.max_connections_per_client > 0 && mine >= state.options.max_connections_per_client) {
      if (mine == 0) state.per_client.erase(client);
      spdlog::warn("refused a connection from {}: it holds {} (server.max_connections_per_client)", client, mine);
      return false;
    }
    if (state.sessions.size() >= state.options.max_connections) {
      for (auto* s : state.sessions)
        if (s->idle_keep_alive())
          if ((evict = s->weak_from_this().lock())) break;
      if (!evict) {
        if (mine == 0) state.per_client.erase(client);
        spdlog::warn("refused a connection: {} open (server.max_connections), none idle", state.sessions.size());
        return false;
      }
    }
    ++mine;
    session->register_locked();
  }
  if (evict) evict->close_if_idle();
  return true;
}

void do_accept(const std::shared_ptr<Server::State>& state) {
  state->acceptor->async_accept(net::make_strand(state->ioc), [state](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || state->stopping) return;
      // Out of file descriptors and the like: pause, then accept again; the listener must not die.
      return accept_after_pause(state, ec);
    }
    state->accept_backoff = std::chrono::milliseconds(0);
    if (state->stopping) return;
    beast::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) return do_accept(state);  // already gone
    auto address = unmapped(peer.address());
    auto client = address.to_string();
    const bool trusted = state->trusted_proxies.contains(address);
    std::shared_ptr<ssl::context> tls;
    {
      std::lock_guard lock(state->tls_mutex);
      tls = state->tls;
    }
    if (tls) {
      auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(state, client, std::move(socket), *tls);
      session->hold(tls);
      if (admit(*state, session, client, trusted)) session->start();
    } else {
      auto session = std::make_shared<Session<beast::tcp_stream>>(state, client, std::move(socket));
      if (admit(*state, session, client, trusted)) session->start();
    }
    // else: the session (and its socket) closes as it goes out of scope
    do_accept(state);
  });
}

}  // namespace

namespace {

// TLS 1.2 and later, the certificate chain and its key (checked to match). Throws Error(invalid_input)
// naming the file at fault.
std::shared_ptr<ssl::context> load_tls_context(const ServerOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) throw invalid_input("server.tls_cert_file " + o.tls_cert_file + ": cannot use it as a PEM certificate chain (" + ec.message() + ")");
  ctx->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
  // OpenSSL 3 checks the pair already here ("key values mismatch").
  if (ec && ec.message().find("mismatch") != std::string::npos)
    throw invalid_input("server.tls_key_file " + o.tls_key_file + " is not the key of server.tls_cert_file " + o.tls_cert_file);
  if (ec) throw invalid_input("server.tls_key_file " + o.tls_key_file + ": cannot use it as a PEM private key (" + ec.message() + ")");
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw invalid_input("server.tls_key_file " + o.tls_key_file + " is not the key of server.tls_cert_file " + o.tls_cert_file);
  return ctx;
}

}  // namespace

ServerOptions ServerOptions::from(const config::ServerConfig& c, const std::string& listen) {
  ServerOptions o;
  const std::string& address = listen.empty() ? c.listen : listen;
  if (!config::parse_listen_address(address, o.host, o.port))
    throw invalid_input("listen address: expected HOST:PORT such as 127.0.0.1:8080, got \"" + address + "\"");
  o.body_limit = static_cast<std::size_t>(c.body_limit_bytes);
  o.header_limit = static_cast<std::size_t>(c.header_limit_bytes);
  o.read_timeout = std::chrono::seconds(c.read_timeout);
  o.idle_timeout = std::chrono::seconds(c.idle_timeout);
  o.handler_timeout = std::chrono::seconds(c.handler_timeout);
  o.threads = c.threads;
  o.max_connections = static_cast<std::size_t>(c.max_connections);
  o.max_connections_per_client = static_cast<std::size_t>(c.max_connections_per_client);
  o.trusted_proxies = c.trusted_proxies;
  o.tls_cert_file = c.tls_cert_file;
  o.tls_key_file = c.tls_key_file;
  o.hsts_max_age = c.hsts_max_age;
  o.access_log = c.access_log;
  return o;
}

Server::Server(ServerOptions options, std::shared_ptr<const Router> router)
    : state_(std::make_shared<State>(std::move(options), std::move(router))) {}

Server::~Server() { shutdown(std::chrono::milliseconds(0)); }

void Server::start() {
  auto& s = *state_;
  if (s.started) return;
  if (!s.options.tls_cert_file.empty() || !s.options.tls_key_file.empty()) {
    auto ctx = load_tls_context(s.options);
    std::lock_guard lock(s.tls_mutex);
    s.tls = std::move(ctx);
  }
  beast::error_code ec;
  std::string where = s.options.host + ":" + std::to_string(s.options.port);
  tcp::resolver resolver(s.ioc);
  auto results = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) throw Error(ErrorKind::unavailable, "cannot resolve listen address " + where + ": " + ec.message());
  tcp::endpoint endpoint = results.begin()->endpoint();
  s.acceptor.emplace(s.ioc);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    s.acceptor.reset();
    throw Error(ErrorKind::unavailable, "cannot listen on " + where + ": " + ec.message());
  }
  s.bound_port = s.acceptor->local_endpoint().port();
  s.acceptor->non_blocking(true, ec);  // shed_waiting_connections' accept must never block
  take_reserve_descriptors(s);
  s.accept_timer.emplace(s.ioc);
  s.work.emplace(s.ioc.get_executor());
  do_accept(state_);
  for (int i = 0; i < std::max(1, s.options.threads); ++i)
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          // A handler must never take the server down; log and keep serving.
          spdlog::error("I/O thread caught: {}", e.what());
        }
      }
    });
  s.started = true;
}

unsigned short Server::port() const { return state_->bound_port; }

std::string Server::url() const {
  auto host = state_->options.host;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (tls() ? "https://" : "http://") + host + ":" + std::to_string(port());
}

bool Server::tls() const {
  std::lock_guard lock(state_->tls_mutex);
  return state_->tls != nullptr;
}

void Server::reload_tls() {
  auto& s = *state_;
  if (!tls()) return;
  auto ctx = load_tls_context(s.options);  // throws: the old context stays
  std::lock_guard lock(s.tls_mutex);
  s.tls = std::move(ctx);
  spdlog::info("TLS certificate reloaded from {}", s.options.tls_cert_file);
}

std::size_t Server::connections() const {
  std::lock_guard lock(state_->sessions_mutex);
  return state_->sessions.size();
}

std::size_t Server::requests_in_flight() const { return state_->in_flight.load(); }

void Server::shutdown(std::chrono::milliseconds grace) {
  auto& s = *state_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  net::post(s.ioc, [state = state_] {
    beast::error_code ignored;
    if (state->acceptor) state->acceptor->close(ignored);
    if (state->accept_timer) state->accept_timer->cancel();
  });
  auto for_each_session = [&](auto&& fn) {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(s.sessions_mutex);
      for (auto* session : s.sessions)
        if (auto sp = session->weak_from_this().lock()) live.push_back(std::move(sp));
    }
    for (auto& session : live) fn(*session);
  };
  for_each_session([](SessionBase& session) { session.close_if_idle(); });
  {
    std::unique_lock lock(s.sessions_mutex);
    s.sessions_changed.wait_for(lock, grace, [&] { return s.sessions.empty(); });
    if (!s.sessions.empty()) spdlog::warn("shutdown: closing {} connection(s) still busy after the grace period", s.sessions.size());
  }
  for_each_session([](SessionBase& session) { session.force_close(); });
  s.work.reset();
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  s.threads.clear();
  // Handlers that never ran (a race with the stop) hold sessions; run them to completion here so
  // nothing outlives the I/O context.
  s.ioc.restart();
  s.ioc.run();
}

}  // namespace costbot::server
