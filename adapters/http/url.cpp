#include "adapters/http/url.hpp"

#include <boost/url/parse.hpp>

#include "engine/util/error.hpp"

namespace costbot::http {

std::string Url::origin() const {
  bool default_port = (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
  std::string out = scheme + "://" + host;
  if (!default_port) out.append(":").append(port);
  return out;
}

Url parse_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) throw invalid_input("not an absolute URL: \"" + std::string(text) + "\"");
  Url url;
  url.scheme = parsed->scheme();
  if (url.scheme != "http" && url.scheme != "https")
    throw invalid_input("URL scheme must be http or https: \"" + std::string(text) + "\"");
  url.host = parsed->host();
  if (url.host.empty()) throw invalid_input("URL has no host: \"" + std::string(text) + "\"");
  if (url.host.size() > 2 && url.host.front() == '[') url.host = url.host.substr(1, url.host.size() - 2);
  url.port = parsed->has_port() ? std::string(parsed->port()) : (url.tls() ? "443" : "80");
  url.target = std::string(parsed->encoded_path());
  if (url.target.empty()) url.target = "/";
  if (parsed->has_query()) {
    url.target += '?';
    url.target += std::string_view(parsed->encoded_query());
  }
  return url;
}

std::string join_url(std::string_view base, std::string_view path) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return out + "/" + std::string(path);
}

}  // namespace costbot::http
