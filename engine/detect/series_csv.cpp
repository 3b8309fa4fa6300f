#include "engine/detect/series_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::detect {
namespace {

// Splits one CSV line; quoted fields may contain commas and doubled quotes.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::optional<double> parse_time(const std::string& text) {
  if (auto t = parse_instant(text)) return static_cast<double>(*t);
  return text::parse_double(text);  // epoch seconds or a plain index
}

// Calendar periods (a week, a day) in points, when the spacing divides a day evenly.
std::vector<int> calendar_hints(double spacing) {
  std::vector<int> hints;
  if (spacing <= 0) return hints;
  for (double span : {7 * 86400.0, 86400.0}) {
    double points = span / spacing;
    double rounded = std::round(points);
    if (rounded >= 2 && rounded <= 20000 && std::abs(points - rounded) <= 0.01 * rounded)
      hints.push_back(static_cast<int>(rounded));
  }
  return hints;
}

}  // namespace

DetectorOptions generic_series_options() {
  DetectorOptions o;
  o.season_cycles = 5;
  o.fast_alpha = 0.05;
  o.slow_alpha = 0.005;
  o.huber_k = 3.0;
  o.threshold = 5.0;
  o.scale_window = 1000;
  o.scale_lag = -1;
  o.scale_quantile = 0.99;
  o.warmup = 32;
  o.hold = -1;
  return o;
}

SeriesCsvResult detect_series_csv(std::istream& in, std::ostream& out, const SeriesCsvOptions& options) {
  SeriesCsvResult result;
  std::string line;
  if (!std::getline(in, line)) throw invalid_input("line 1: empty input, expected a header timestamp,value");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  auto header = split_csv(line);
  int ts_col = -1, value_col = -1;
  for (std::size_t i = 0; i < header.size(); ++i) {
    auto name = text::to_lower(text::trim(header[i]));
    if (name == "timestamp" && ts_col < 0) ts_col = static_cast<int>(i);
    if (name == "value" && value_col < 0) value_col = static_cast<int>(i);
  }
  if (ts_col < 0 || value_col < 0)
    throw invalid_input("line 1: expected a header with columns timestamp and value, got \"" + line + "\"");
  out << "timestamp,value,anomaly_score,is_anomaly\n";

  DetectorOptions det_options = generic_series_options();
  det_options.period = options.period;
  if (options.threshold > 0) det_options.threshold = options.threshold;

  // The spacing (and so the calendar hints) is learnt from the warm-up rows, which are never
  // scored; they are replayed into the detector once it exists, so nothing looks ahead.
  struct Pending {
    int gap = 0;
    double value = 0;
  };
  std::vector<Pending> warmup;
  std::vector<double> times;
  std::unique_ptr<SeriesDetector> detector;
  std::optional<double> last_time;

  auto gap_before = [&](double t) {
    int gap = 0;
    if (last_time && result.spacing_seconds > 0) {
      double steps = (t - *last_time) / result.spacing_seconds;
      if (steps >= 1.5) gap = static_cast<int>(std::min(std::round(steps) - 1, 100000.0));
    }
    return gap;
  };

  long long line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (text::trim(line).empty()) continue;
    auto fields = split_csv(line);
    const std::string ts = static_cast<int>(fields.size()) > ts_col ? fields[static_cast<std::size_t>(ts_col)] : "";
    const std::string raw = static_cast<int>(fields.size()) > value_col ? fields[static_cast<std::size_t>(value_col)] : "";
    ++result.rows;
    auto value = text::parse_double(raw);
    auto time = parse_time(std::string(text::trim(ts)));
    std::string reason;
    if (!time) reason = "timestamp \"" + ts + "\" is not a date-time or a number";
    else if (!value || !std::isfinite(*value)) reason = "value \"" + raw + "\" is not a finite number";
    if (!reason.empty()) {
      result.bad_rows.push_back({line_no, reason});
      out << ts << ',' << raw << ",0,0\n";
      if (detector) detector->skip(1);
      continue;
    }

    PointResult r;
    if (!detector) {
      times.push_back(*time);
      // Gaps are measured once the spacing is known; until then record the raw step count later.
      warmup.push_back({0, *value});
      if (static_cast<int>(warmup.size()) >= det_options.warmup - 1) {
        std::vector<double> steps;
        for (std::size_t i = 1; i < times.size(); ++i)
          if (times[i] > times[i - 1]) steps.push_back(times[i] - times[i - 1]);
        if (!steps.empty()) {
          std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2), steps.end());
          result.spacing_seconds = steps[steps.size() / 2];
        }
        det_options.period_hints = calendar_hints(result.spacing_seconds);
        detector = std::make_unique<SeriesDetector>(det_options);
        for (std::size_t i = 0; i < warmup.size(); ++i) {
          if (i > 0) {
            last_time = times[i - 1];
            detector->skip(gap_before(times[i]));
          }
          r = detector->push(warmup[i].value);
        }
        warmup.clear();
      }
    } else {
      detector->skip(gap_before(*time));
      r = detector->push(*value);
    }
    last_time = *time;
    if (r.anomaly) ++result.anomalies;
    out << ts << ',' << raw << ',' << fmt::format("{:.6f}", std::clamp(r.score, 0.0, 1.0)) << ','
        << (r.anomaly ? 1 : 0) << '\n';
  }
  if (detector) result.period = detector->period();
  return result;
}

}  // namespace costbot::detect
