#pragma once
// A call to another service failed. Every adapter throws this (or NetworkError, a kind of it), so
// the outbox worker can decide the same way for Slack, Teams, Jira and PagerDuty: retry later
// (honouring the service's Retry-After) or give up.
#include <chrono>
#include <optional>
#include <string>

#include "engine/util/error.hpp"

namespace costbot::http {

struct Response;

class RemoteError : public Error {
 public:
  RemoteError(ErrorKind kind, std::string message, bool retryable,
              std::optional<std::chrono::seconds> retry_after = std::nullopt, std::string code = {})
      : Error(kind, std::move(message)), retryable_(retryable), retry_after_(retry_after), code_(std::move(code)) {}
  bool retryable() const { return retryable_; }
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  // The service's own error code when it gave one (Slack "channel_not_found", Jira field errors).
  const std::string& code() const { return code_; }

 private:
  bool retryable_;
  std::optional<std::chrono::seconds> retry_after_;
  std::string code_;
};

// Classifies a non-2xx answer: 429 and 5xx are retryable (with the server's Retry-After), 408 too;
// any other 4xx is permanent — repeating the same request will not change the answer.
RemoteError error_for_status(const Response& response, const std::string& what, std::string code = {});

}  // namespace costbot::http
