#pragma once
// What a route handler sees and returns. Plain data, free of Beast, so handlers, tests and other
// adapters' routes need no HTTP library to be written.
#include <boost/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace costbot::server {

struct Request {
  std::string method;  // as sent: "GET", "POST"
  std::string target;  // the raw request-target, "/slack/commands?x=1"
  std::string path;    // the target without its query, not decoded
  std::string query;   // the raw query string after '?', not decoded
  std::map<std::string, std::string> params;  // values of {name} segments in the route pattern, decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in arrival order
  std::string body;    // exactly the bytes received (signatures are computed over these)
  std::string remote;  // "127.0.0.1:53422": the connection's peer
  // The client behind server.trusted_proxies (Forwarded / X-Forwarded-*), else the peer's address:
  std::string client;           // "203.0.113.7" (no port)
  std::string forwarded_proto;  // "https" when a trusted proxy said so, else ""
  std::string forwarded_host;   // the Host the client asked a trusted proxy for, else ""
  std::string id;      // request id (X-Request-Id when the client sent a sane one, else generated)

  // Case-insensitive; the first occurrence.
  std::optional<std::string_view> header(std::string_view name) const;
  // A decoded query parameter (the first occurrence; '+' is a space).
  std::optional<std::string> query_param(std::string_view name) const;
  // Every occurrence of a repeated query parameter (?where=a&where=b), decoded, in order.
  std::vector<std::string> query_params(std::string_view name) const;
  const std::string& param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  bool close = false;  // close the connection after this response

  static Response text(int status, std::string body);
  static Response json(int status, const boost::json::value& value);
  static Response empty(int status = 200);
  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// A synchronous handler runs on the connection's I/O thread: it must be quick (no waiting on the
// network). Anything slow goes to the outbox or to an asynchronous handler.
using Handler = std::function<Response(Request&)>;
// An asynchronous handler answers later, from any thread, by calling respond exactly once (extra
// calls are ignored; a handler that never answers gets 503 after server.handler_timeout).
using Respond = std::function<void(Response)>;
using AsyncHandler = std::function<void(Request&&, Respond)>;

}  // namespace costbot::server
