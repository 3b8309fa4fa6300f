#include "engine/util/format.hpp"

#include <cmath>
#include <fmt/format.h>

namespace costbot::fmtx {

std::string thousands(double value, int decimals) {
  std::string digits = fmt::format("{:.{}f}", std::fabs(value), decimals);
  auto dot = digits.find('.');
  std::string whole = digits.substr(0, dot), frac = dot == std::string::npos ? "" : digits.substr(dot);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(whole[i]);
  }
  bool negative = value < 0 && std::stod(digits) != 0.0;
  return (negative ? "-" : "") + grouped + frac;
}

std::string money(double amount, int decimals, const std::string& currency) {
  std::string number = thousands(std::fabs(amount), decimals);
  bool negative = amount < 0 && number.find_first_not_of("0,.") != std::string::npos;
  if (currency == "USD") return (negative ? "-$" : "$") + number;
  return (negative ? "-" : "") + number + " " + currency;
}

std::string money_rounded(double amount, const std::string& currency) {
  return money(amount, std::fabs(amount) < 100 ? 2 : 0, currency);
}

std::string money_short(double amount, const std::string& currency) {
  double a = std::fabs(amount);
  std::string sign = amount < 0 && a >= 0.005 ? "-" : "";
  std::string number;
  if (a >= 1e6) number = fmt::format("{:.1f}M", a / 1e6);
  else if (a >= 1e4) number = fmt::format("{:.1f}k", a / 1e3);
  else if (a >= 100) number = thousands(a, 0);
  else number = fmt::format("{:.2f}", a);
  if (currency == "USD") return sign + "$" + number;
  return sign + number + " " + currency;
}

std::string money_compact(double amount, const std::string& currency) {
  double a = std::fabs(amount);
  static constexpr struct {
    double scale;
    const char* suffix;
  } units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}, {1, ""}};
  std::string number = "0";
  if (a >= 0.005) {
    auto unit = units[4];
    for (const auto& u : units)
      if (a >= u.scale * 0.9995) {  // 999.96 reads as 1k, not 1,000
        unit = u;
        break;
      }
    number = fmt::format("{:.2f}", a / unit.scale);
    number.erase(number.find_last_not_of('0') + 1);
    if (number.back() == '.') number.pop_back();
    number += unit.suffix;
  }
  std::string sign = amount < 0 && number != "0" ? "-" : "";
  if (currency == "USD") return sign + "$" + number;
  return sign + number + " " + currency;
}

std::string percent_change(double fraction) {
  double p = fraction * 100.0;
  std::string body = std::fabs(p) < 10 ? fmt::format("{:.1f}", std::fabs(p)) : thousands(std::fabs(p), 0);
  return (p < 0 ? "-" : "+") + body + "%";
}

std::string percent(double fraction, int decimals) { return fmt::format("{:.{}f}%", fraction * 100.0, decimals); }

std::string day_short(Day d) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::chrono::year_month_day ymd{d};
  return fmt::format("{} {}", months[static_cast<unsigned>(ymd.month()) - 1], static_cast<unsigned>(ymd.day()));
}

std::string day_long(Day d) {
  std::chrono::year_month_day ymd{d};
  return fmt::format("{}, {}", day_short(d), static_cast<int>(ymd.year()));
}

}  // namespace costbot::fmtx
