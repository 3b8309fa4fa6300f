// Fuzzes what reaches a log line or an error body from a client: the text sanitizers and the
// secret redactor (also of percent-encoded secrets), and the audit anchor parser (anchor files,
// copied logs, chat messages are text someone else may have written into).
// Properties: loggable() output has no control character and is valid UTF-8; valid_utf8() output
// is valid UTF-8 and a fixed point; redact() never leaves the registered secret in the line, even
// percent-encoded character by character; every anchor parsed has a 64-hex-digit hash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/audit/audit.hpp"
#include "engine/util/log.hpp"
#include "engine/util/utf8.hpp"

using namespace costbot;

namespace {

std::string percent_all(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const std::string secret = "s3cr3t-token-4711";
  static const bool registered = (log::register_secret(secret), true);
  (void)registered;

  auto logged = text::loggable(input);
  for (unsigned char c : logged)
    if (c < 0x20 || c == 0x7f) __builtin_trap();
  if (text::valid_utf8(logged) != logged) __builtin_trap();

  auto valid = text::valid_utf8(input);
  if (text::valid_utf8(valid) != valid) __builtin_trap();

  std::string line = std::string(input) + secret + std::string(input) + percent_all(secret) + std::string(input);
  auto redacted = log::redact(line);
  if (redacted.find(secret) != std::string::npos) __builtin_trap();
  if (redacted.find(percent_all(secret)) != std::string::npos) __builtin_trap();

  for (const auto& a : audit::parse_anchors(std::string(input)))
    if (a.hash.size() != 64 || a.id < 0) __builtin_trap();
  return 0;
}
