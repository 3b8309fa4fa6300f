#include <arpa/inet.h>

#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

bool parse_listen_address(std::string_view text, std::string& host, unsigned short& port) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto p = text::parse_int(text.substr(colon + 1));
  if (!p || *p < 0 || *p > 65535) return false;
  host = h.empty() ? "0.0.0.0" : std::string(h);
  port = static_cast<unsigned short>(*p);
  return true;
}

std::string ServerConfig::url_for_listen(const std::string& listen) {
  std::string host;
  unsigned short port = 0;
  if (!parse_listen_address(listen, host, port)) return "http://127.0.0.1:8080";
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

namespace {

// "10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8": an address with an optional prefix length.
bool valid_address_range(const std::string& text) {
  auto slash = text.find('/');
  std::string address = text.substr(0, slash);
  unsigned char buf[16];
  int bits = 0;
  if (inet_pton(AF_INET, address.c_str(), buf) == 1) bits = 32;
  else if (inet_pton(AF_INET6, address.c_str(), buf) == 1) bits = 128;
  else return false;
  if (slash == std::string::npos) return true;
  auto prefix = text::parse_int(std::string_view(text).substr(slash + 1));
  return prefix && *prefix >= 0 && *prefix <= bits;
}

void positive(Reader& r, const std::string& key, std::int64_t value, std::int64_t minimum = 1) {
  if (value < minimum) r.error(key, "must be at least " + std::to_string(minimum));
}

void read_server(Reader& root, ServerConfig& c) {
  auto r = root.section("server");
  if (r.string("listen", c.listen)) {
    std::string host;
    unsigned short port = 0;
    if (!parse_listen_address(c.listen, host, port))
      r.error("listen", "expected HOST:PORT such as 127.0.0.1:8080, got \"" + c.listen + "\"");
  }
  std::string own;
  if (r.string("public_url", own) && !own.empty()) {
    if (!c.public_url_alias.empty() && text::trim(own) != text::trim(c.public_url))
      r.error("public_url", "differs from the deprecated " + c.public_url_alias + " (\"" + c.public_url +
                                "\"): keep server.public_url only");
    c.public_url = own;
  }
  c.public_url = std::string(text::trim(c.public_url));
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  if (c.public_url.empty()) {
    c.public_url = ServerConfig::url_for_listen(c.listen);
    c.public_url_derived = true;
  } else if (!text::starts_with_icase(c.public_url, "http://") && !text::starts_with_icase(c.public_url, "https://")) {
    if (c.public_url_alias.empty() || r.has("public_url"))
      r.error("public_url", "expected an http(s) URL such as https://costbot.example.com");
    else
      r.issues().add(c.public_url_alias, "expected an http(s) URL such as https://costbot.example.com");
  }
  if (r.integer("body_limit_bytes", c.body_limit_bytes)) positive(r, "body_limit_bytes", c.body_limit_bytes, 1024);
  if (r.integer("header_limit_bytes", c.header_limit_bytes)) positive(r, "header_limit_bytes", c.header_limit_bytes, 1024);
  if (r.duration("read_timeout", c.read_timeout)) positive(r, "read_timeout", c.read_timeout);
  if (r.duration("idle_timeout", c.idle_timeout)) positive(r, "idle_timeout", c.idle_timeout);
  if (r.duration("handler_timeout", c.handler_timeout)) positive(r, "handler_timeout", c.handler_timeout);
  if (r.duration("shutdown_grace", c.shutdown_grace)) positive(r, "shutdown_grace", c.shutdown_grace, 0);
  if (r.integer("max_connections", c.max_connections)) positive(r, "max_connections", c.max_connections);
  if (r.integer("max_connections_per_client", c.max_connections_per_client))
    positive(r, "max_connections_per_client", c.max_connections_per_client, 0);
  if (r.strings("trusted_proxies", c.trusted_proxies))
    for (std::size_t i = 0; i < c.trusted_proxies.size(); ++i)
      if (!valid_address_range(c.trusted_proxies[i]))
        r.error("trusted_proxies[" + std::to_string(i) + "]",
                "expected an IP address or CIDR range such as 10.0.0.0/8 or ::1, got \"" + c.trusted_proxies[i] + "\"");
  r.string("tls_cert_file", c.tls_cert_file);
  r.string("tls_key_file", c.tls_key_file);
  if (c.tls_cert_file.empty() != c.tls_key_file.empty())
    r.error(c.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file",
            "give both tls_cert_file and tls_key_file (or neither)");
  if (r.duration("hsts_max_age", c.hsts_max_age)) positive(r, "hsts_max_age", c.hsts_max_age, 0);
  if (r.integer("threads", c.threads) && (c.threads < 1 || c.threads > 64)) r.error("threads", "must be 1..64");
  if (r.integer("work_threads", c.work_threads) && (c.work_threads < 1 || c.work_threads > 64))
    r.error("work_threads", "must be 1..64");
  r.boolean("access_log", c.access_log);
  r.finish();
}

void read_http_client(Reader& root, HttpClientConfig& c) {
  auto r = root.section("http_client");
  r.string("ca_file", c.ca_file);
  if (r.duration("connect_timeout", c.connect_timeout)) positive(r, "connect_timeout", c.connect_timeout);
  if (r.duration("request_timeout", c.request_timeout)) positive(r, "request_timeout", c.request_timeout);
  if (r.integer("max_attempts", c.max_attempts) && (c.max_attempts < 1 || c.max_attempts > 20))
    r.error("max_attempts", "must be 1..20");
  if (r.integer("retry_base_delay_ms", c.retry_base_delay_ms)) positive(r, "retry_base_delay_ms", c.retry_base_delay_ms);
  if (r.integer("retry_max_delay_ms", c.retry_max_delay_ms)) positive(r, "retry_max_delay_ms", c.retry_max_delay_ms);
  if (r.duration("max_retry_wait", c.max_retry_wait)) positive(r, "max_retry_wait", c.max_retry_wait, 0);
  r.choice("plain_http", c.plain_http, {"loopback", "allow", "deny"});
  if (r.integer("max_response_bytes", c.max_response_bytes)) positive(r, "max_response_bytes", c.max_response_bytes, 1024);
  r.finish();
}

void read_outbox(Reader& root, OutboxConfig& c) {
  auto r = root.section("outbox");
  if (r.duration("poll_interval", c.poll_interval)) positive(r, "poll_interval", c.poll_interval);
  if (r.integer("max_attempts", c.max_attempts) && c.max_attempts < 1) r.error("max_attempts", "must be at least 1");
  if (r.duration("backoff_base", c.backoff_base)) positive(r, "backoff_base", c.backoff_base);
  if (r.duration("backoff_max", c.backoff_max)) positive(r, "backoff_max", c.backoff_max);
  if (r.duration("lease", c.lease)) positive(r, "lease", c.lease, 5);
  r.finish();
}

void read_commands(Reader& root, CommandsConfig& c) {
  auto r = root.section("commands");
  if (r.duration("cache_ttl", c.cache_ttl)) positive(r, "cache_ttl", c.cache_ttl, 0);
  r.string("default_period", c.default_period);
  if (r.integer("top_default", c.top_default) && (c.top_default < 1 || c.top_default > 50))
    r.error("top_default", "must be 1..50");
  r.finish();
}

}  // namespace

void read_service_sections(Reader& root, Config& config) {
  read_server(root, config.server);
  read_http_client(root, config.http_client);
  read_outbox(root, config.outbox);
  read_commands(root, config.commands);
}

}  // namespace costbot::config
