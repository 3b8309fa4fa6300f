#include "engine/render/chart_csv.hpp"

#include <array>
#include <cmath>
#include <optional>

#include "engine/util/strings.hpp"

namespace costbot::render {
namespace {

enum Column { kDay, kActual, kExpected, kLower, kUpper, kAnomaly, kColumns };

std::optional<Column> column_named(std::string_view name) {
  auto n = text::to_lower(text::trim(name));
  if (n == "day" || n == "date" || n == "timestamp") return kDay;
  if (n == "actual" || n == "value" || n == "cost") return kActual;
  if (n == "expected" || n == "baseline") return kExpected;
  if (n == "lower") return kLower;
  if (n == "upper") return kUpper;
  if (n == "anomaly" || n == "is_anomaly") return kAnomaly;
  return std::nullopt;
}

std::string unquote(std::string_view field) {
  field = text::trim(field);
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
  return std::string(field);
}

std::optional<Day> parse_any_day(const std::string& s) {
  if (auto d = parse_day(s)) return d;
  if (auto t = parse_instant(s)) return day_of(*t);
  return std::nullopt;
}

std::optional<bool> parse_flag(const std::string& s) {
  auto v = text::to_lower(s);
  if (v.empty() || v == "0" || v == "false" || v == "no") return false;
  if (v == "1" || v == "true" || v == "yes") return true;
  return std::nullopt;
}

}  // namespace

ChartCsv read_chart_csv(std::istream& in, const std::string& file_name) {
  ChartCsv out;
  std::array<int, kColumns> index{0, 1, 2, 3, 4, 5};  // positional until a header says otherwise
  bool first_row = true;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (text::trim(line).empty()) continue;
    auto raw = text::split(line, ',');
    std::vector<std::string> fields;
    for (const auto& f : raw) fields.push_back(unquote(f));
    auto problem = [&](const std::string& why) {
      out.problems.push_back(file_name + ":" + std::to_string(line_no) + ": " + why);
    };

    if (first_row) {
      first_row = false;
      if (!parse_any_day(fields[0])) {  // a header
        index.fill(-1);
        for (std::size_t i = 0; i < fields.size(); ++i)
          if (auto c = column_named(fields[i])) index[*c] = static_cast<int>(i);
        if (index[kDay] < 0 || index[kActual] < 0) {
          problem("the header needs a day (or date, timestamp) and an actual (or value, cost) column, got \"" + line +
                  "\"");
          return out;
        }
        continue;
      }
    }

    auto field = [&](Column c) -> std::string {
      int i = index[c];
      return i >= 0 && static_cast<std::size_t>(i) < fields.size() ? fields[static_cast<std::size_t>(i)] : "";
    };
    ChartPoint p;
    auto day = parse_any_day(field(kDay));
    if (!day) {
      problem("expected a day like 2024-09-18, got \"" + field(kDay) + "\"");
      continue;
    }
    p.day = *day;
    auto actual = text::parse_double(field(kActual));
    if (!actual || !std::isfinite(*actual)) {
      problem("expected a number for actual, got \"" + field(kActual) + "\"");
      continue;
    }
    p.actual = *actual;
    bool ok = true;
    auto optional_number = [&](Column c, const char* name, std::optional<double>& slot) {
      auto s = field(c);
      if (s.empty()) return;
      auto v = text::parse_double(s);
      if (!v || !std::isfinite(*v)) {
        problem(std::string("expected a number (or nothing) for ") + name + ", got \"" + s + "\"");
        ok = false;
      } else {
        slot = *v;
      }
    };
    optional_number(kExpected, "expected", p.expected);
    optional_number(kLower, "lower", p.lower);
    optional_number(kUpper, "upper", p.upper);
    auto flag = parse_flag(field(kAnomaly));
    if (!flag) {
      problem("expected 1/0, true/false or yes/no for anomaly, got \"" + field(kAnomaly) + "\"");
      ok = false;
    }
    if (!ok) continue;
    p.anomaly = *flag;
    out.points.push_back(p);
  }
  return out;
}

}  // namespace costbot::render
