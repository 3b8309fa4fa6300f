#pragma once
// Lenient percent-decoding, the one copy shared by the engine (remote source URLs) and the
// adapters (S3 query parameters, Azure blob names listed with Encoded="true"). Lenient on purpose:
// these are names a service or a user wrote, and a stray '%' is kept as it is rather than refused.
// Encoding lives in adapters/http/form.hpp (Boost.URL); header-only so that no unity batch shifts.
#include <string>
#include <string_view>

namespace costbot::text {

inline int percent_hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX; a '%' not followed by two hex digits stays. `plus_is_space`: query/form semantics.
inline std::string percent_decode_lenient(std::string_view s, bool plus_is_space = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = -1, lo = -1;
    if (s[i] == '%' && i + 2 < s.size() && (hi = percent_hex_digit(s[i + 1])) >= 0 &&
        (lo = percent_hex_digit(s[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

}  // namespace costbot::text
