#include "bot/server/forwarded.hpp"

#include <algorithm>
#include <cctype>

#include "engine/util/strings.hpp"

namespace costbot::server {
namespace {

// "192.0.2.1", "192.0.2.1:80", "[2001:db8::1]", "[2001:db8::1]:4711", "\"[::1]:80\"" → the address.
std::string strip_node(std::string_view node) {
  node = text::trim(node);
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"') node = node.substr(1, node.size() - 2);
  if (!node.empty() && node.front() == '[') {
    auto close = node.find(']');
    return std::string(close == std::string_view::npos ? node.substr(1) : node.substr(1, close - 1));
  }
  // IPv4 with a port: one colon. A bare IPv6 (several colons) is kept whole.
  if (std::count(node.begin(), node.end(), ':') == 1) node = node.substr(0, node.find(':'));
  return std::string(node);
}

std::string unquote(std::string_view v) {
  v = text::trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

struct Element {
  std::string for_, proto, host;
};

// Forwarded: elements separated by ',', pairs by ';', each token=value (value may be quoted).
std::vector<Element> forwarded_elements(std::string_view header) {
  std::vector<Element> out;
  for (const auto& element : text::split(header, ',')) {
    Element e;
    for (const auto& pair : text::split(element, ';')) {
      auto eq = pair.find('=');
      if (eq == std::string::npos) continue;
      auto key = text::to_lower(text::trim(std::string_view(pair).substr(0, eq)));
      auto value = std::string_view(pair).substr(eq + 1);
      if (key == "for") e.for_ = strip_node(value);
      else if (key == "proto") e.proto = text::to_lower(unquote(value));
      else if (key == "host") e.host = unquote(value);
    }
    out.push_back(std::move(e));
  }
  return out;
}

const std::string* header_of(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

bool sane_host(const std::string& host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
      return false;
  return true;
}

}  // namespace

std::vector<std::string> forwarded_for_chain(std::string_view forwarded) {
  std::vector<std::string> out;
  for (auto& e : forwarded_elements(forwarded))
    if (!e.for_.empty()) out.push_back(std::move(e.for_));
  return out;
}

std::vector<std::string> x_forwarded_for_chain(std::string_view value) {
  std::vector<std::string> out;
  for (const auto& part : text::split(value, ',')) {
    auto node = strip_node(part);
    if (!node.empty()) out.push_back(std::move(node));
  }
  return out;
}

ForwardedClient forwarded_client(const std::string& peer, const std::vector<std::pair<std::string, std::string>>& headers,
                                 const AddressRanges& trusted) {
  ForwardedClient c{peer, "", ""};
  if (trusted.empty() || !trusted.contains(peer)) return c;
  std::vector<std::string> chain;
  std::string proto, host;
  if (const auto* f = header_of(headers, "forwarded")) {
    auto elements = forwarded_elements(*f);
    for (const auto& e : elements)
      if (!e.for_.empty()) chain.push_back(e.for_);
    // proto and host as the last proxy recorded them (the one nearest us).
    for (auto it = elements.rbegin(); it != elements.rend(); ++it) {
      if (proto.empty()) proto = it->proto;
      if (host.empty()) host = it->host;
    }
  } else {
    if (const auto* xff = header_of(headers, "x-forwarded-for")) chain = x_forwarded_for_chain(*xff);
    if (const auto* xfp = header_of(headers, "x-forwarded-proto")) {
      auto parts = text::split(*xfp, ',');
      if (!parts.empty()) proto = text::to_lower(text::trim(parts.back()));
    }
    if (const auto* xfh = header_of(headers, "x-forwarded-host")) {
      auto parts = text::split(*xfh, ',');
      if (!parts.empty()) host = std::string(text::trim(parts.back()));
    }
  }
  // Right to left: skip our own proxies; the first other address is the client.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto address = parse_address(*it);
    if (!address) break;  // "unknown" or an obfuscated id: stop believing the chain here
    c.address = address->to_string();
    if (!trusted.contains(*address)) break;
  }
  if (proto == "http" || proto == "https") c.proto = proto;
  if (sane_host(host)) c.host = host;
  return c;
}

}  // namespace costbot::server
