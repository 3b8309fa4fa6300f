#pragma once
// The one HTTP(S) client for every outbound call (Slack, Teams, Jira, PagerDuty, cloud APIs).
//
// - TLS with certificate verification against the system store (plus an optional extra CA file),
//   SNI, and host name (or IP) checks by OpenSSL.
// - Keep-alive connections pooled per origin and reused; a pooled connection the server has
//   closed is detected before use.
// - Deadlines for connect (DNS + TCP + TLS) and for writing the request and reading the answer.
// - Retries with exponential backoff and jitter on network errors, 429 and 5xx, honouring
//   Retry-After (seconds or HTTP-date). Only what is safe to repeat is repeated: a non-idempotent
//   call (POST by default) is retried only when the server cannot have acted on it (the connection
//   was never made, or it answered 429/503). A Retry-After longer than max_retry_wait is not slept
//   on: the response comes back with retry_after set, so a caller such as the outbox reschedules.
// - Plain http only where allowed (by default loopback hosts, for tests and local fakes, and the
//   link-local cloud metadata endpoints, which speak nothing else).
// - Outbound proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (adapters/http/proxy.hpp): https
//   through a CONNECT tunnel (TLS end to end with the origin), plain http in absolute form.
//
// Thread-safe: calls from any thread; I/O runs on the client's own thread. Never call send() from
// inside a completion on that thread.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/proxy.hpp"
#include "adapters/http/remote_error.hpp"
#include "engine/config/config.hpp"
#include "engine/util/error.hpp"

namespace costbot::http {

enum class PlainHttp { loopback, allow, deny };

struct ClientOptions {
  std::string ca_file;  // extra trusted CA certificates (PEM), e.g. a test CA
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{15'000};
  std::chrono::milliseconds pool_idle_timeout{30'000};  // pooled connections idle longer are dropped
  std::size_t pool_max_per_origin = 8;
  int max_attempts = 3;
  std::chrono::milliseconds retry_base_delay{250};
  std::chrono::milliseconds retry_max_delay{8'000};
  std::chrono::milliseconds max_retry_wait{10'000};
  PlainHttp plain_http = PlainHttp::loopback;
  std::size_t max_response_bytes = 16 << 20;
  std::string user_agent = "costbot/0.1";
  // nullopt: read from the environment when the client starts (ProxySettings::from_environment).
  std::optional<ProxySettings> proxy;

  static ClientOptions from(const config::HttpClientConfig& config);
};

enum class Idempotency {
  by_method,       // GET, HEAD, PUT, DELETE, OPTIONS are idempotent; POST and PATCH are not
  idempotent,      // safe to repeat after any failure (e.g. a POST carrying an idempotency key)
  non_idempotent,  // repeat only when the server cannot have acted on it
};

struct CallOptions {
  Idempotency idempotency = Idempotency::by_method;
  std::optional<int> max_attempts;
  std::optional<std::chrono::milliseconds> request_timeout;
  std::optional<std::chrono::milliseconds> max_retry_wait;
};

struct Request {
  std::string method = "GET";
  std::string url;  // absolute http(s) URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;  // sets Content-Type when not empty

  static Request get(std::string url);
  static Request post_json(std::string url, std::string json_body);
  Request& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  int attempts = 0;                               // requests made for this call
  std::optional<std::chrono::seconds> retry_after;  // when the server sent one

  std::optional<std::string_view> header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// No HTTP answer could be had (DNS, connect, TLS, timeout, reset). kind() is unavailable, so the
// HTTP layer and the outbox treat it as "retry later"; retryable() is false when retrying cannot
// help (a certificate that does not verify, plain http refused by policy).
class NetworkError : public RemoteError {
 public:
  NetworkError(std::string message, bool retryable, bool maybe_processed)
      : RemoteError(ErrorKind::unavailable, std::move(message), retryable), maybe_processed_(maybe_processed) {}
  // The request may have reached the server (the failure came after it was sent).
  bool maybe_processed() const { return maybe_processed_; }

 private:
  bool maybe_processed_;
};

struct ClientStats {
  std::size_t connections_opened = 0;
  std::size_t requests_sent = 0;
  std::size_t connections_reused = 0;
  std::size_t proxied_connections = 0;  // of connections_opened, through a proxy
};

// A response whose body the caller pulls chunk by chunk, for downloads of any size (billing
// exports): nothing is buffered beyond the socket's read buffer. Must not outlive its Client, and
// read() must not be called from the client's I/O thread.
class BodyStream {
 public:
  struct State;
  explicit BodyStream(std::shared_ptr<State> state);
  ~BodyStream();
  BodyStream(const BodyStream&) = delete;
  BodyStream& operator=(const BodyStream&) = delete;

  int status() const;
  const std::vector<std::pair<std::string, std::string>>& headers() const;  // names lower-cased
  std::optional<std::string_view> header(std::string_view name) const;
  int attempts() const;
  // Up to `capacity` body bytes; 0 only at the end. Throws NetworkError (retryable, maybe_processed)
  // when the connection breaks or stalls past the request timeout: the caller resumes with a Range.
  std::size_t read(char* into, std::size_t capacity);
  // The rest of the body as text, at most `limit` bytes (error documents).
  std::string read_all(std::size_t limit = 1 << 20);
  std::uint64_t bytes_read() const;

 private:
  std::shared_ptr<State> state_;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Blocks until the call (with its retries) is done. Returns every HTTP answer, error statuses
  // included; throws NetworkError when there was none, Error(invalid_input) for a bad URL.
  Response send(Request request, const CallOptions& options = {});

  // The same retries as send() (only for idempotent requests) until the status line and headers
  // of an answer that is not retried arrive; the body is then the caller's to read.
  std::unique_ptr<BodyStream> open(Request request, const CallOptions& options = {});

  const ClientOptions& options() const;
  ClientStats stats() const;

 private:
  friend class BodyStream;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace costbot::http
