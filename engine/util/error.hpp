#pragma once
// The few kinds of failure every layer reports. The HTTP layer maps each kind to one status in one
// place; the CLI maps any of them to a non-zero exit. `what()` is safe to show to a client or user;
// `detail()` is for the log only.
#include <stdexcept>
#include <string>

namespace costbot {

enum class ErrorKind {
  invalid_input,      // malformed request, bad config, bad file: the caller can fix it
  unauthorized,       // missing or wrong credentials / signature
  forbidden,          // authenticated, but not allowed to do this
  not_found,
  conflict,           // valid, but the current state does not allow it (e.g. already decided)
  too_many_requests,
  unavailable,        // a dependency is down or timed out; retry later
  internal,
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string detail = {})
      : std::runtime_error(std::move(message)), kind_(kind), detail_(std::move(detail)) {}
  ErrorKind kind() const noexcept { return kind_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  ErrorKind kind_;
  std::string detail_;
};

inline Error invalid_input(std::string message) { return Error(ErrorKind::invalid_input, std::move(message)); }
inline Error not_found(std::string message) { return Error(ErrorKind::not_found, std::move(message)); }

}  // namespace costbot
