#include "bot/server/errors.hpp"

#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "engine/util/log.hpp"
#include "engine/util/utf8.hpp"

namespace costbot::server {
namespace {

const char* code_for(int status) {
  switch (status) {
    case 400: return "invalid_input";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 429: return "too_many_requests";
    case 431: return "headers_too_large";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
  }
}

}  // namespace

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return 400;
    case ErrorKind::unauthorized: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::conflict: return 409;
    case ErrorKind::too_many_requests: return 429;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

Response error_response(int status, const std::string& message, const std::string& request_id) {
  // The message may quote what the client sent: valid UTF-8 only, so the body stays valid JSON.
  boost::json::object body{{"error", code_for(status)}, {"message", text::valid_utf8(log::redact(message))}};
  if (!request_id.empty()) body["request_id"] = request_id;
  auto r = Response::json(status, body);
  if (status == 401) r.with_header("WWW-Authenticate", "Signature");
  return r;
}

Response error_response(ErrorKind kind, const std::string& message, const std::string& request_id) {
  return error_response(status_for(kind), message, request_id);
}

Response error_response_for(std::exception_ptr error, const Request& request) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    int status = status_for(e.kind());
    if (status >= 500) {
      spdlog::error("{} {}: {}{}{}", request.method, request.path, e.what(), e.detail().empty() ? "" : ": ",
                    e.detail());
      // An internal error's message may still be internal: the client gets a generic one.
      return error_response(status, e.kind() == ErrorKind::internal ? "internal error" : e.what(), request.id);
    }
    spdlog::info("{} {}: {} ({}){}{}", request.method, request.path, e.what(), to_string(e.kind()),
                 e.detail().empty() ? "" : ": ", e.detail());
    return error_response(status, e.what(), request.id);
  } catch (const SQLite::Exception& e) {
    spdlog::error("{} {}: database error: {}", request.method, request.path, e.what());
    const int code = e.getErrorCode() & 0xff;  // the primary result code
    if (code == 5 /*SQLITE_BUSY*/ || code == 6 /*SQLITE_LOCKED*/)
      return error_response(503, "database busy, retry later", request.id);
    // The disk refuses writes (read-only or full filesystem, I/O error) or the file is damaged: the
    // transaction was rolled back, so nothing of the request was saved. Say so, as a 503 the client
    // may retry, instead of a bare internal error.
    if (code == 8 /*SQLITE_READONLY*/ || code == 10 /*SQLITE_IOERR*/ || code == 11 /*SQLITE_CORRUPT*/ ||
        code == 13 /*SQLITE_FULL*/ || code == 14 /*SQLITE_CANTOPEN*/ || code == 26 /*SQLITE_NOTADB*/)
      return error_response(503, std::string("the database cannot be written (") + e.what() +
                                     "): nothing was saved; retry once it is writable again",
                            request.id);
    return error_response(500, "internal error", request.id);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unexpected error: {}", request.method, request.path, e.what());
    return error_response(500, "internal error", request.id);
  } catch (...) {
    spdlog::error("{} {}: unexpected non-standard exception", request.method, request.path);
    return error_response(500, "internal error", request.id);
  }
}

}  // namespace costbot::server
