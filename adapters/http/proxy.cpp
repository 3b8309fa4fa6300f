#include "adapters/http/proxy.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::http {
namespace {

namespace ip = boost::asio::ip;

std::string proxy_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(text::trim(v)) : std::string();
}

std::string first_proxy_env(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto v = proxy_env(n); !v.empty()) return v;
  return {};
}

std::string strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return std::string(host.substr(1, host.size() - 2));
  return std::string(host);
}

// True when `address` lies in prefix/length.
bool in_cidr(const ip::address& address, const ip::address& prefix, int length) {
  auto bytes_of = [](const ip::address& a) {
    std::vector<unsigned char> out;
    if (a.is_v4()) {
      auto b = a.to_v4().to_bytes();
      out.assign(b.begin(), b.end());
    } else {
      auto b = a.to_v6().to_bytes();
      out.assign(b.begin(), b.end());
    }
    return out;
  };
  if (address.is_v4() != prefix.is_v4()) return false;
  auto a = bytes_of(address), p = bytes_of(prefix);
  if (length < 0 || static_cast<std::size_t>(length) > a.size() * 8) return false;
  for (int bit = 0; bit < length; ++bit) {
    int mask = 0x80 >> (bit % 8);
    if ((a[static_cast<std::size_t>(bit / 8)] & mask) != (p[static_cast<std::size_t>(bit / 8)] & mask)) return false;
  }
  return true;
}

}  // namespace

bool is_metadata_host(std::string_view host) {
  boost::system::error_code ec;
  auto address = ip::make_address(strip_brackets(host), ec);
  if (ec) return false;
  static const auto v4 = ip::make_address("169.254.0.0");
  static const auto v6 = ip::make_address("fe80::");
  static const auto ec2 = ip::make_address("fd00:ec2::");
  return in_cidr(address, v4, 16) || in_cidr(address, v6, 10) || in_cidr(address, ec2, 32);
}

namespace {

// One NO_PROXY entry against the URL's host and port.
bool no_proxy_entry_matches(std::string_view entry, const std::string& host, std::string_view port) {
  std::string pattern(entry);
  // An optional ":port" (not inside an IPv6 literal: those have several colons unless bracketed).
  std::string entry_port;
  if (!pattern.empty() && pattern.front() == '[') {
    auto close = pattern.find(']');
    if (close != std::string::npos) {
      if (close + 1 < pattern.size() && pattern[close + 1] == ':') entry_port = pattern.substr(close + 2);
      pattern = pattern.substr(1, close - 1);
    }
  } else if (std::count(pattern.begin(), pattern.end(), ':') == 1) {
    auto colon = pattern.find(':');
    entry_port = pattern.substr(colon + 1);
    pattern.resize(colon);
  }
  if (!entry_port.empty() && entry_port != port) return false;

  boost::system::error_code ec;
  auto host_address = ip::make_address(host, ec);
  bool host_is_ip = !ec;
  if (auto slash = pattern.find('/'); slash != std::string::npos) {
    if (!host_is_ip) return false;
    auto prefix = ip::make_address(pattern.substr(0, slash), ec);
    auto length = text::parse_int(pattern.substr(slash + 1));
    return !ec && length && in_cidr(host_address, prefix, static_cast<int>(*length));
  }
  if (host_is_ip) {
    auto entry_address = ip::make_address(pattern, ec);
    return !ec && entry_address == host_address;
  }
  if (pattern.starts_with("*.")) pattern.erase(0, 1);
  if (!pattern.empty() && pattern.front() == '.') pattern.erase(0, 1);
  pattern = text::to_lower(pattern);
  if (pattern.empty()) return false;
  if (host == pattern) return true;
  return host.size() > pattern.size() && host.ends_with(pattern) && host[host.size() - pattern.size() - 1] == '.';
}

ProxyEndpoint parse_proxy_url(const std::string& value) {
  std::string candidate = value.find("://") == std::string::npos ? "http://" + value : value;
  auto parsed = boost::urls::parse_absolute_uri(candidate);
  auto hidden = [&] {
    // Never echo credentials: show scheme://host:port only, or the raw text without userinfo.
    auto at = value.rfind('@');
    return at == std::string::npos ? value : "(credentials hidden)@" + value.substr(at + 1);
  };
  if (!parsed || parsed->host().empty()) throw invalid_input("proxy URL \"" + hidden() + "\" is not a URL");
  std::string scheme = text::to_lower(parsed->scheme());
  if (scheme != "http")
    throw invalid_input("proxy URL \"" + hidden() + "\": only http:// proxies are supported (HTTPS goes through them "
                        "in a CONNECT tunnel)");
  ProxyEndpoint p;
  p.host = strip_brackets(parsed->host());
  p.port = parsed->has_port() ? std::string(parsed->port()) : "80";
  if (parsed->has_userinfo()) {
    std::string user = parsed->user();
    std::string password = parsed->password();
    p.authorization = "Basic " + hash::base64_encode(user + ":" + password);
  }
  return p;
}

}  // namespace

std::string ProxyEndpoint::display() const {
  return "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

ProxySettings ProxySettings::from_environment() {
  ProxySettings s;
  s.https_proxy = first_proxy_env({"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
  // Under CGI, HTTP_PROXY is set from the request's "Proxy:" header (httpoxy): ignore it there.
  s.http_proxy = std::getenv("REQUEST_METHOD") ? first_proxy_env({"http_proxy", "all_proxy", "ALL_PROXY"})
                                               : first_proxy_env({"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"});
  s.no_proxy = first_proxy_env({"no_proxy", "NO_PROXY"});
  return s;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host_in, std::string_view port) {
  std::string host = text::to_lower(strip_brackets(host_in));
  while (!host.empty() && host.back() == '.') host.pop_back();
  std::string list(no_proxy);
  std::replace(list.begin(), list.end(), ' ', ',');
  for (const auto& raw : text::split(list, ',')) {
    auto entry = text::trim(raw);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (no_proxy_entry_matches(entry, host, port)) return true;
  }
  return false;
}

std::optional<ProxyEndpoint> ProxySettings::proxy_for(const Url& url) const {
  const std::string& chosen = url.tls() ? https_proxy : http_proxy;
  if (chosen.empty()) return std::nullopt;
  if (is_metadata_host(url.host)) return std::nullopt;
  if (no_proxy_matches(no_proxy, url.host, url.port)) return std::nullopt;
  return parse_proxy_url(chosen);
}

}  // namespace costbot::http
