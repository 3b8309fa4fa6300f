#include "adapters/slack/verify.hpp"

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::slack {

std::string sign(std::string_view signing_secret, std::string_view timestamp, std::string_view body) {
  std::string base;
  base.reserve(4 + timestamp.size() + body.size());
  base.append("v0:").append(timestamp).append(":").append(body);
  return "v0=" + hash::hmac_sha256_hex(signing_secret, base);
}

void verify(std::string_view signing_secret, std::optional<std::string_view> timestamp_header,
            std::optional<std::string_view> signature_header, std::string_view raw_body, UnixSeconds now) {
  auto fail = [](std::string reason) { throw Error(ErrorKind::unauthorized, "Slack request verification failed: " + reason); };
  if (signing_secret.empty()) fail("no signing secret configured");
  if (!timestamp_header) fail("missing X-Slack-Request-Timestamp header");
  if (!signature_header) fail("missing X-Slack-Signature header");
  auto ts = text::parse_int(*timestamp_header);
  if (!ts || timestamp_header->size() > 12) fail("X-Slack-Request-Timestamp is not a Unix time");
  if (*ts > now + kMaxTimestampSkew || *ts < now - kMaxTimestampSkew)
    fail("request timestamp is more than 5 minutes from now (replayed or clock skew)");
  if (signature_header->size() != 67 || !signature_header->starts_with("v0="))
    fail("X-Slack-Signature is not a v0 signature");
  if (!hash::equal_constant_time(sign(signing_secret, *timestamp_header, raw_body), *signature_header))
    fail("signature does not match");
}

}  // namespace costbot::slack
