#include "engine/util/json_fields.hpp"

#include <boost/json/value.hpp>

namespace costbot {

std::string json_string(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string json_string(const boost::json::object* o, std::string_view key) { return o ? json_string(*o, key) : std::string(); }

const boost::json::object* json_object(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

bool json_flag(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

}  // namespace costbot
