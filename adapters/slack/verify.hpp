#pragma once
// Slack request signing (v0): HMAC-SHA256 with the signing secret over "v0:{timestamp}:{raw body}",
// sent as X-Slack-Signature "v0=<hex>" with X-Slack-Request-Timestamp. A request is accepted only
// with both headers, a timestamp within 5 minutes of now, and a signature that matches (compared
// in constant time). Runs on the exact bytes received, before anything is decoded.
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/time.hpp"

namespace costbot::slack {

constexpr std::int64_t kMaxTimestampSkew = 300;

// "v0=" + hex HMAC — what Slack sends for this body at this timestamp.
std::string sign(std::string_view signing_secret, std::string_view timestamp, std::string_view body);

// Throws costbot::Error(unauthorized) with the reason (never the expected signature).
void verify(std::string_view signing_secret, std::optional<std::string_view> timestamp_header,
            std::optional<std::string_view> signature_header, std::string_view raw_body, UnixSeconds now);

}  // namespace costbot::slack
