#pragma once
// The one place where failures become HTTP statuses. A costbot::Error's message is written to the
// client; its detail and anything else (database, programming errors) only to the log, under the
// request id the client also gets back.
#include <exception>
#include <string>

#include "bot/server/http_types.hpp"
#include "engine/util/error.hpp"

namespace costbot::server {

int status_for(ErrorKind kind);
// {"error":"invalid_input","message":"...","request_id":"..."}
Response error_response(ErrorKind kind, const std::string& message, const std::string& request_id = {});
Response error_response(int status, const std::string& message, const std::string& request_id = {});
// Maps the exception in flight (call from a catch block) and logs it with the right severity.
Response error_response_for(std::exception_ptr error, const Request& request);

}  // namespace costbot::server
