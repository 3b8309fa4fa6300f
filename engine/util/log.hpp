#pragma once
// Logging setup: human text on a terminal or JSON lines, always to stderr (stdout is for command
// output). Every registered secret is replaced by "[redacted]" in every line, whatever logged it.
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace costbot::log {

enum class Format { text, json };

void init(Format format, spdlog::level::level_enum level = spdlog::level::info);
Format parse_format(std::string_view name);  // throws costbot::Error naming the valid choices

// Registers a value (token, password, signing secret) that must never appear in a log line.
void register_secret(std::string value);
// Stops redacting a value registered before (a short-lived access token that was replaced).
void forget_secret(const std::string& value);
std::string redact(std::string_view line);

// The request id carried by log lines written on this thread while the scope lives.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};
const std::string& current_request_id();

}  // namespace costbot::log
