#pragma once
// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
#include <chrono>
#include <optional>
#include <string_view>

#include "engine/util/time.hpp"

namespace costbot::http {

// Seconds to wait from `now`; a date in the past is 0. nullopt when the value is neither form.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, UnixSeconds now);
// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (also accepts the obsolete RFC 850 and asctime forms).
std::optional<UnixSeconds> parse_http_date(std::string_view value);
std::string format_http_date(UnixSeconds t);

}  // namespace costbot::http
