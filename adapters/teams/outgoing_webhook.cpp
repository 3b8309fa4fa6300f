#include "adapters/teams/outgoing_webhook.hpp"

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::teams {

bool valid_security_token(std::string_view security_token_base64) {
  std::string key;
  return !security_token_base64.empty() && hash::base64_decode(text::trim(security_token_base64), key) && !key.empty();
}

std::string outgoing_webhook_authorization(std::string_view security_token_base64, std::string_view body) {
  std::string key;
  if (!hash::base64_decode(text::trim(security_token_base64), key) || key.empty())
    throw invalid_input("the outgoing webhook security token is not base64");
  return "HMAC " + hash::base64_encode(hash::hmac_sha256_raw(key, body));
}

void verify_outgoing_webhook(std::string_view security_token_base64, std::optional<std::string_view> authorization,
                             std::string_view body) {
  auto fail = [](const std::string& reason) {
    throw Error(ErrorKind::unauthorized, "Teams outgoing webhook verification failed: " + reason);
  };
  if (security_token_base64.empty()) fail("no security token configured");
  if (!authorization) fail("missing Authorization header");
  auto given = text::trim(*authorization);
  if (!text::starts_with_icase(given, "HMAC ")) fail("Authorization is not an HMAC signature");
  std::string expected;
  try {
    expected = outgoing_webhook_authorization(security_token_base64, body);
  } catch (const Error&) {
    fail("the configured security token is not base64");
  }
  // The scheme word is compared as Teams writes it; the signature in constant time.
  if (!hash::equal_constant_time(expected.substr(5), given.substr(5))) fail("signature does not match");
}

}  // namespace costbot::teams
