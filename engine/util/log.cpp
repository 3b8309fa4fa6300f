#include "engine/util/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "engine/util/error.hpp"
#include "engine/util/time.hpp"
#include "engine/util/utf8.hpp"

namespace costbot::log {
namespace {

std::shared_mutex secrets_mutex;
std::vector<std::string>& secrets() {
  static std::vector<std::string> all;
  return all;
}
thread_local std::string request_id;

std::string json_escape(std::string_view s) {
  return boost::json::serialize(boost::json::string(s));
}

// Formats every line (text or JSON) and redacts secrets after formatting, so nothing a caller
// passes as an argument can leak a registered secret.
class RedactingFormatter final : public spdlog::formatter {
 public:
  explicit RedactingFormatter(Format format) : format_(format), text_("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v") {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    if (format_ == Format::text) {
      // One event, one line: control characters and invalid UTF-8 in the message (client text
      // quoted in it) are escaped, so nobody can forge a log line.
      std::string payload = text::loggable(std::string_view(msg.payload.data(), msg.payload.size()));
      spdlog::details::log_msg safe(msg);
      safe.payload = payload;
      spdlog::memory_buf_t buf;
      text_.format(safe, buf);
      line.assign(buf.data(), buf.size());
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!request_id.empty()) line += " [req=" + request_id + "]";
    } else {
      auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
      std::string ts = format_instant(secs / 1000);
      ts.insert(ts.size() - 1, fmt::format(".{:03d}", secs % 1000));
      line = fmt::format("{{\"ts\":\"{}\",\"level\":\"{}\",\"msg\":{}", ts,
                         spdlog::level::to_string_view(msg.level),
                         json_escape(text::valid_utf8(std::string_view(msg.payload.data(), msg.payload.size()))));
      if (!request_id.empty()) line += ",\"request_id\":" + json_escape(request_id);
      line += "}";
    }
    line = redact(line);
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingFormatter>(format_);
  }

 private:
  Format format_;
  spdlog::pattern_formatter text_;
};

}  // namespace

void init(Format format, spdlog::level::level_enum level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (format == Format::json) sink->set_color_mode(spdlog::color_mode::never);
  auto logger = std::make_shared<spdlog::logger>("costbot", sink);
  logger->set_formatter(std::make_unique<RedactingFormatter>(format));
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

Format parse_format(std::string_view name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  throw Error(ErrorKind::invalid_input, "unknown log format \"" + std::string(name) + "\" (valid: text, json)");
}

void register_secret(std::string value) {
  if (value.size() < 4) return;  // too short to redact without mangling ordinary text
  std::unique_lock lock(secrets_mutex);
  auto& all = secrets();
  if (std::find(all.begin(), all.end(), value) == all.end()) all.push_back(std::move(value));
  // Longest first, so a secret that contains another is redacted whole.
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void forget_secret(const std::string& value) {
  std::unique_lock lock(secrets_mutex);
  auto& all = secrets();
  all.erase(std::remove(all.begin(), all.end(), value), all.end());
}

namespace {

int log_hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The length of `secret` written at line[pos] with any of its characters percent-encoded (a URL a
// client sent: ?token=abc%2Ddef), or 0 when it is not there.
std::size_t encoded_match(std::string_view line, std::size_t pos, std::string_view secret) {
  std::size_t i = pos;
  for (char want : secret) {
    if (i < line.size() && line[i] == want) {
      ++i;
    } else if (i + 2 < line.size() && line[i] == '%' && log_hex_digit(line[i + 1]) >= 0 && log_hex_digit(line[i + 2]) >= 0 &&
               static_cast<char>(log_hex_digit(line[i + 1]) * 16 + log_hex_digit(line[i + 2])) == want) {
      i += 3;
    } else if (want == ' ' && i < line.size() && line[i] == '+') {
      ++i;
    } else {
      return 0;
    }
  }
  return i - pos;
}

}  // namespace

std::string redact(std::string_view line) {
  std::string out(line);
  std::shared_lock lock(secrets_mutex);
  const bool encoded = out.find('%') != std::string::npos;
  for (const auto& secret : secrets()) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "[redacted]");
      pos += 10;
    }
    if (!encoded) continue;
    for (std::size_t at = 0; at < out.size(); ++at) {
      if (out[at] != secret.front() && out[at] != '%') continue;
      if (auto n = encoded_match(out, at, secret)) out.replace(at, n, "[redacted]");
    }
  }
  return out;
}

ScopedRequestId::ScopedRequestId(std::string id) : previous_(std::move(request_id)) { request_id = std::move(id); }
ScopedRequestId::~ScopedRequestId() { request_id = std::move(previous_); }
const std::string& current_request_id() { return request_id; }

}  // namespace costbot::log
