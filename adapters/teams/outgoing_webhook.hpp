#pragma once
// Teams Outgoing Webhooks (a team @mentions the webhook; no bot registration): every request
// carries `Authorization: HMAC <base64(HMAC-SHA256(base64decode(security token), raw body))>`.
// Verified before anything else; a failure throws Error(unauthorized) (→ 401, nothing processed).
#include <optional>
#include <string>
#include <string_view>

namespace costbot::teams {

// "HMAC <base64>" for `body`; throws Error(invalid_input) when the token is not base64.
std::string outgoing_webhook_authorization(std::string_view security_token_base64, std::string_view body);

// Compares in constant time.
void verify_outgoing_webhook(std::string_view security_token_base64, std::optional<std::string_view> authorization,
                             std::string_view body);

// True when the security token Teams showed is valid base64 (checked at config load).
bool valid_security_token(std::string_view security_token_base64);

}  // namespace costbot::teams
