#include "bot/server/http_types.hpp"

#include "adapters/http/form.hpp"
#include "engine/util/strings.hpp"

namespace costbot::server {

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  for (auto& [k, v] : http::decode_form(query))
    if (k == name) return v;
  return std::nullopt;
}

std::vector<std::string> Request::query_params(std::string_view name) const {
  std::vector<std::string> out;
  for (auto& [k, v] : http::decode_form(query))
    if (k == name) out.push_back(v);
  return out;
}

const std::string& Request::param(const std::string& name) const {
  static const std::string none;
  auto it = params.find(name);
  return it == params.end() ? none : it->second;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::json(int status, const boost::json::value& value) {
  Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = boost::json::serialize(value);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  r.content_type.clear();
  return r;
}

}  // namespace costbot::server
