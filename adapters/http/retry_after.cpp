#include "adapters/http/retry_after.hpp"

#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>
#include <string>

#include "engine/util/strings.hpp"

namespace costbot::http {

std::optional<UnixSeconds> parse_http_date(std::string_view value) {
  std::string text(text::trim(value));
  // The three forms RFC 9110 §5.6.7 says a recipient must accept.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    std::istringstream in(text);
    in.imbue(std::locale::classic());
    in >> std::get_time(&tm, format);
    if (in.fail()) continue;
    in >> std::ws;
    if (!in.eof()) continue;
    return static_cast<UnixSeconds>(timegm(&tm));
  }
  return std::nullopt;
}

std::string format_http_date(UnixSeconds t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << std::put_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  return out.str();
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, UnixSeconds now) {
  auto trimmed = text::trim(value);
  if (trimmed.empty()) return std::nullopt;
  bool digits = true;
  for (char c : trimmed) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    if (trimmed.size() > 9) return std::chrono::seconds(999'999'999);  // absurd, but a number
    return std::chrono::seconds(std::stoll(std::string(trimmed)));
  }
  if (auto when = parse_http_date(trimmed)) return std::chrono::seconds(std::max<UnixSeconds>(0, *when - now));
  return std::nullopt;
}

}  // namespace costbot::http
