#pragma once
// An absolute http(s) URL split into what a connection needs.
#include <string>
#include <string_view>

namespace costbot::http {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::string port;    // always set: explicit, or 80 / 443 from the scheme
  std::string target;  // path + query, at least "/"
  bool tls() const { return scheme == "https"; }
  std::string origin() const;  // scheme://host[:port]
};

// Throws costbot::Error(invalid_input) naming the problem.
Url parse_url(std::string_view text);
// Joins a base URL ("https://slack.com/api") and a path ("chat.postMessage" or "/v3/...").
std::string join_url(std::string_view base, std::string_view path);

}  // namespace costbot::http
