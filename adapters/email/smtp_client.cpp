#include "adapters/email/smtp_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "adapters/http/remote_error.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::email {

SmtpOptions SmtpOptions::from_config(const config::EmailConfig& email, const std::string& ca_file) {
  SmtpOptions o;
  o.url = email.smtp_url;
  o.tls = email.tls;
  o.username = email.username;
  o.password = email.password.reveal();
  o.from = email.from;
  o.ca_file = ca_file;
  o.timeout_seconds = static_cast<long>(email.timeout);
  return o;
}

std::string address_of(const std::string& mailbox) {
  auto open = mailbox.find('<');
  auto close = mailbox.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) return mailbox.substr(open + 1, close - open - 1);
  return std::string(text::trim(mailbox));
}

namespace {

bool ascii_printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// RFC 2047: a subject with non-ASCII characters as =?UTF-8?B?...?= words (each under 76 chars,
// split between UTF-8 sequences).
std::string encode_header(const std::string& value) {
  if (ascii_printable(value)) return value;
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t n = std::min<std::size_t>(45, value.size() - i);
    while (i + n < value.size() && n > 0 && (static_cast<unsigned char>(value[i + n]) & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min<std::size_t>(45, value.size() - i);
    std::string b64(4 * ((n + 2) / 3) + 1, '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), reinterpret_cast<const unsigned char*>(value.data() + i),
                              static_cast<int>(n));
    b64.resize(static_cast<std::size_t>(len));
    out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") + b64 + "?=";
    i += n;
  }
  return out;
}

std::string rfc5322_date(UnixSeconds t) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Day d = day_of(t);
  std::chrono::year_month_day ymd{d};
  auto secs = t - start_of(d);
  return fmt::format("{}, {:02d} {} {} {:02d}:{:02d}:{:02d} +0000", days[weekday(d)], static_cast<unsigned>(ymd.day()),
                     months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()), secs / 3600, (secs / 60) % 60,
                     secs % 60);
}

// Lines end in CRLF and stay under SMTP's 998-character limit.
std::string body_lines(const std::string& text) {
  std::string out;
  for (const auto& raw : text::split(text, '\n')) {
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    while (line.size() > 900) {
      out += line.substr(0, 900) + "\r\n";
      line = line.substr(900);
    }
    out += line + "\r\n";
  }
  return out;
}

struct Upload {
  std::string data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string format_message(const std::string& from, const Message& m, UnixSeconds date) {
  std::string out;
  out += "From: " + from + "\r\n";
  out += "To: " + text::join(m.to, ", ") + "\r\n";
  std::string subject = m.subject;
  std::replace(subject.begin(), subject.end(), '\r', ' ');
  std::replace(subject.begin(), subject.end(), '\n', ' ');
  out += "Subject: " + encode_header(subject) + "\r\n";
  out += "Date: " + rfc5322_date(date) + "\r\n";
  if (!m.message_id.empty()) out += "Message-ID: <" + m.message_id + "@costbot>\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  out += body_lines(m.text);
  return out;
}

SmtpClient::SmtpClient(SmtpOptions options) : options_(std::move(options)) { global_init(); }

void SmtpClient::send(const Message& m, UnixSeconds date) {
  if (m.to.empty()) throw invalid_input("an email needs at least one recipient");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error(ErrorKind::internal, "libcurl could not start");
  Upload upload{format_message(options_.from, m, date)};
  curl_slist* recipients = nullptr;
  for (const auto& to : m.to) recipients = curl_slist_append(recipients, ("<" + address_of(to) + ">").c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(recipients, curl_slist_free_all);
  const std::string from = "<" + address_of(options_.from) + ">";
  char error[CURL_ERROR_SIZE] = {0};

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.data.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(options_.timeout_seconds, 10L));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const long use_ssl = options_.tls == "required" ? CURLUSESSL_ALL : options_.tls == "opportunistic" ? CURLUSESSL_TRY : CURLUSESSL_NONE;
  curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  if (rc == CURLE_OK) return;
  std::string why = error[0] ? error : curl_easy_strerror(rc);
  std::string what = fmt::format("SMTP send to {} failed: {}{}", text::join(m.to, ", "), why,
                                 reply ? fmt::format(" (server reply {})", reply) : std::string());
  // 5xx replies and a refused login will not change on a retry; 4xx replies, timeouts and
  // connection trouble might.
  const bool permanent = reply >= 500 || rc == CURLE_LOGIN_DENIED || rc == CURLE_URL_MALFORMAT ||
                         rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_PEER_FAILED_VERIFICATION ||
                         (rc == CURLE_USE_SSL_FAILED && options_.tls == "required");
  throw http::RemoteError(permanent ? ErrorKind::invalid_input : ErrorKind::unavailable, what, !permanent);
}

}  // namespace costbot::email
