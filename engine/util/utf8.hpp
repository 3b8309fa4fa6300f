#pragma once
// UTF-8 aware shortening for chat payloads with byte limits (Block Kit, Adaptive Cards).
#include <string>
#include <string_view>

namespace costbot::text {

// Shortens to at most `max` bytes without cutting a UTF-8 sequence, marking the cut with "…".
inline std::string clip_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t end = max >= 3 ? max - 3 : 0;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "\xE2\x80\xA6";
}

// Valid UTF-8: every byte that does not start a well-formed sequence (stray continuation bytes,
// overlong forms, surrogates, code points above U+10FFFF, truncated sequences) becomes U+FFFD.
// For text a client sent that goes back out in JSON or into a log line.
std::string valid_utf8(std::string_view s);

// For one log line: valid UTF-8 (as above) with every control character (newlines included)
// written as \n, \r, \t or \xHH, so client-chosen text cannot forge a log line.
std::string loggable(std::string_view s);

}  // namespace costbot::text
