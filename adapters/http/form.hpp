#pragma once
// application/x-www-form-urlencoded bodies (Slack slash commands and interactions, OAuth token
// requests) and query strings. Decoding is Boost.URL's: strict percent-encoding, '+' is a space.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace costbot::http {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Throws costbot::Error(invalid_input) naming the fault when the body is not valid form encoding.
FormFields decode_form(std::string_view body);
// The first value of `key`, if present.
std::optional<std::string> form_value(const FormFields& fields, std::string_view key);
// Encodes pairs for a request body (spaces as '+', everything outside unreserved percent-encoded).
std::string encode_form(const FormFields& fields);
// RFC 3986 percent-encoding of one URL component: everything outside the unreserved characters
// (A-Z a-z 0-9 - . _ ~) becomes %XX in upper-case hex, as AWS SigV4, Azure SAS tokens and Bot
// Framework paths want; `keep_slash` leaves '/' as is (a path of several segments).
std::string percent_encode(std::string_view text, bool keep_slash = false);

}  // namespace costbot::http
