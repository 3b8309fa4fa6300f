#pragma once
// The JSON answers of OAuth token endpoints and metadata servers, read the same way for Entra,
// managed identity and Google: access_token, and the expiry as expires_in (seconds, a number or a
// string) or expires_on (Unix seconds, a number or a string: IMDS and App Service send strings).
#include <boost/json.hpp>

#include <string>

#include "adapters/identity/token_cache.hpp"
#include "engine/util/time.hpp"

namespace costbot::identity {

// {} when the body is not a JSON object.
boost::json::object parse_json_object(const std::string& body);
// The string member `key`, "" when absent or not a string.
std::string json_string(const boost::json::object& o, std::string_view key);

// The token and its expiry. Throws http::RemoteError (retryable) naming `what` when the answer has
// no access_token; an answer without a usable expiry counts as valid for five minutes.
AccessToken parse_token_answer(const std::string& body, UnixSeconds now, const std::string& what);

}  // namespace costbot::identity
