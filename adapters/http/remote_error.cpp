#include "adapters/http/remote_error.hpp"

#include "adapters/http/client.hpp"

namespace costbot::http {

RemoteError error_for_status(const Response& r, const std::string& what, std::string code) {
  std::string message = what + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " (" + code + ")");
  if (r.status == 429) return RemoteError(ErrorKind::too_many_requests, message, true, r.retry_after, std::move(code));
  if (r.status >= 500 || r.status == 408) return RemoteError(ErrorKind::unavailable, message, true, r.retry_after, std::move(code));
  ErrorKind kind = r.status == 401 ? ErrorKind::unauthorized
                   : r.status == 403 ? ErrorKind::forbidden
                   : r.status == 404 ? ErrorKind::not_found
                   : r.status == 409 ? ErrorKind::conflict
                                     : ErrorKind::invalid_input;
  return RemoteError(kind, message, false, std::nullopt, std::move(code));
}

}  // namespace costbot::http
