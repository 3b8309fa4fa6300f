#pragma once
// A stand-in SMTP server on loopback (plain TCP, one thread per connection) that speaks enough
// ESMTP for a real client (greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA with dot-unstuffing,
// RSET, NOOP, QUIT), records every message, and notes protocol mistakes: commands out of order,
// lines not ended by CRLF, bare LF in the data. `reject(address)` answers 550 to that recipient.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace costbot::testing {

struct SmtpMessage {
  std::string helo;                  // the EHLO/HELO argument
  std::string mail_from;             // the reverse path, without <>
  std::vector<std::string> rcpt_to;  // accepted recipients, without <>
  std::string data;                  // the message after DATA, dot-unstuffed, CRLF line ends kept
  std::string header(const std::string& name) const;  // first header with this name ("" when absent)
  std::string body() const;                           // after the blank line
};

class FakeSmtpServer {
 public:
  FakeSmtpServer();
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  unsigned short port() const;
  std::string url() const;  // smtp://127.0.0.1:PORT
  void reject(const std::string& address);

  std::vector<SmtpMessage> messages() const;
  std::vector<std::string> violations() const;
  std::vector<std::string> transcript() const;  // every command line received, in order
  bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace costbot::testing
