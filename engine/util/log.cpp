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
      spdlog::memory_buf_t buf;
      text_.format(msg, buf);
      line.assign(buf.data(), buf.size());
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!request_id.empty()) line += " [req=" + request_id + "]";
    } else {
      auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
      std::string ts = format_instant(secs / 1000);
      ts.insert(ts.size() - 1, fmt::format(".{:03d}", secs % 1000));
      line = fmt::format("{{\"ts\":\"{}\",\"level\":\"{}\",\"msg\":{}", ts,
                         spdlog::level::to_string_view(msg.level),
                         json_escape(std::string_view(msg.payload.data(), msg.payload.size())));
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

std::string redact(std::string_view line) {
  std::string out(line);
  std::shared_lock lock(secrets_mutex);
  for (const auto& secret : secrets()) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "[redacted]");
      pos += 10;
    }
  }
  return out;
}

ScopedRequestId::ScopedRequestId(std::string id) : previous_(std::move(request_id)) { request_id = std::move(id); }
ScopedRequestId::~ScopedRequestId() { request_id = std::move(previous_); }
const std::string& current_request_id() { return request_id; }

}  // namespace costbot::log
