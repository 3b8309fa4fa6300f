#pragma once
// Reading the fields of a Boost.JSON object that may be absent or of another type (payloads from
// chat platforms, Jira, PagerDuty, queued effects): one accessor for every reader.
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace costbot {

// The string at `key`; empty when the key is absent or holds another type.
std::string json_string(const boost::json::object& o, std::string_view key);
// The same on an object that may itself be missing (nullptr → empty).
std::string json_string(const boost::json::object* o, std::string_view key);
// The object at `key`, or nullptr when absent or not an object.
const boost::json::object* json_object(const boost::json::object& o, std::string_view key);
// true only when `key` holds the boolean true.
bool json_flag(const boost::json::object& o, std::string_view key);

}  // namespace costbot
