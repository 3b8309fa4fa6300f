#include "bot/server/router.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>

#include "engine/util/error.hpp"

namespace costbot::server {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// A path parameter, percent-decoded; an invalid escape is the client's fault.
std::string decode_segment(std::string_view raw_view) {
  const std::string raw(raw_view);  // NUL-terminated: see adapters/http/form.cpp on Boost.URL 1.81
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) throw invalid_input("malformed percent-encoding in the request path");
  return pct->decode();
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  add_route(std::move(r));
}

void Router::add_async(std::string method, std::string pattern, AsyncHandler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.async_handler = std::move(handler);
  add_route(std::move(r));
}

void Router::add_route(Route route) {
  if (route.pattern.empty() || route.pattern.front() != '/')
    throw Error(ErrorKind::internal, "route pattern must start with '/': " + route.pattern);
  for (auto part : split_path(route.pattern)) {
    Segment s;
    auto open = part.find('{');
    auto close = part.find('}');
    if (open == std::string_view::npos) {
      s.prefix = std::string(part);
    } else {
      if (close == std::string_view::npos || close < open + 2 || part.find('{', open + 1) != std::string_view::npos)
        throw Error(ErrorKind::internal, "bad route pattern segment: " + std::string(part));
      s.prefix = std::string(part.substr(0, open));
      s.param = std::string(part.substr(open + 1, close - open - 1));
      s.suffix = std::string(part.substr(close + 1));
    }
    route.segments.push_back(std::move(s));
  }
  for (const auto& r : routes_)
    if (r.method == route.method && r.pattern == route.pattern)
      throw Error(ErrorKind::internal, "route registered twice: " + route.method + " " + route.pattern);
  routes_.push_back(std::move(route));
}

bool Router::match_segments(const Route& route, const std::vector<std::string_view>& parts,
                            std::map<std::string, std::string>* params) {
  if (route.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& s = route.segments[i];
    auto part = parts[i];
    if (s.param.empty()) {
      if (part != s.prefix) return false;
      continue;
    }
    if (part.size() <= s.prefix.size() + s.suffix.size() || !part.starts_with(s.prefix) || !part.ends_with(s.suffix))
      return false;
    if (params)
      (*params)[s.param] = decode_segment(part.substr(s.prefix.size(), part.size() - s.prefix.size() - s.suffix.size()));
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  auto parts = split_path(path);
  for (const auto& r : routes_) {
    if (!match_segments(r, parts, nullptr)) continue;
    if (r.method != method) {
      if (m.allow.find(r.method) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + r.method;
      continue;
    }
    match_segments(r, parts, &m.params);
    m.pattern = &r.pattern;
    if (r.handler) m.handler = &r.handler;
    else m.async_handler = &r.async_handler;
    m.allow.clear();
    return m;
  }
  m.status = m.allow.empty() ? 404 : 405;
  return m;
}

std::vector<std::string> Router::describe() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

}  // namespace costbot::server
