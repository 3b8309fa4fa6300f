#include "adapters/identity/token_response.hpp"

#include <optional>

#include "adapters/http/remote_error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::identity {
namespace json = boost::json;
namespace {

std::optional<long long> number_member(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<long long>(v->as_uint64());
  if (v->is_double()) return static_cast<long long>(v->as_double());
  if (v->is_string()) return text::parse_int(v->as_string());
  return std::nullopt;
}

}  // namespace

json::object parse_json_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

std::string json_string(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

AccessToken parse_token_answer(const std::string& body, UnixSeconds now, const std::string& what) {
  auto answer = parse_json_object(body);
  AccessToken token;
  token.value = json_string(answer, "access_token");
  if (token.value.empty())
    throw http::RemoteError(ErrorKind::unavailable, what + ": the answer has no access_token", true);
  if (auto in = number_member(answer, "expires_in"); in && *in > 0) token.expires_at = now + *in;
  else if (auto on = number_member(answer, "expires_on"); on && *on > now) token.expires_at = *on;
  else token.expires_at = now + 300;
  return token;
}

}  // namespace costbot::identity
