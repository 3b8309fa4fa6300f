#pragma once
// Email over SMTP with libcurl (Debian's libcurl4-openssl-dev): STARTTLS or implicit TLS, AUTH,
// dot-stuffing and the SMTP dialogue are libcurl's; this file builds the RFC 5322 message (headers,
// an RFC 2047 encoded subject, UTF-8 plain text with CRLF line ends) and maps failures to
// retryable or permanent http::RemoteError, like every other adapter.
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/util/time.hpp"

namespace costbot::email {

struct SmtpOptions {
  std::string url;        // smtp://host:587 (STARTTLS per tls) or smtps://host:465
  std::string tls = "required";  // required, opportunistic, none
  std::string username;
  std::string password;
  std::string from;       // "costbot <costbot@example.com>"
  std::string ca_file;    // extra trusted CA (PEM)
  long timeout_seconds = 30;

  static SmtpOptions from_config(const config::EmailConfig& email, const std::string& ca_file);
};

struct Message {
  std::vector<std::string> to;
  std::string subject;
  std::string text;        // plain text, \n line ends
  std::string message_id;  // optional; <...@costbot> is generated from it when set
};

// "a@b" from "Name <a@b>" (or the text itself).
std::string address_of(const std::string& mailbox);
// The full message as sent after DATA: headers, a blank line, the body; CRLF line ends.
std::string format_message(const std::string& from, const Message& m, UnixSeconds date);

class SmtpClient {
 public:
  explicit SmtpClient(SmtpOptions options);
  // Throws http::RemoteError: retryable for connection problems, timeouts and 4xx replies;
  // permanent for 5xx replies (a rejected recipient, a refused login). Error(invalid_input) for a
  // message without recipients.
  void send(const Message& m, UnixSeconds date);

 private:
  SmtpOptions options_;
};

}  // namespace costbot::email
