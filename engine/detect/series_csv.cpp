#include "engine/detect/series_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>

#include "engine/detect/cost_anomalies.hpp"
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

namespace {

struct CsvRow {
  long long line = 0;
  std::string ts, raw;
  std::optional<double> time, value;  // both set when the row is good
};

struct Scored {
  double score = 0;
  bool anomaly = false;
};

// The generic profile: the spacing (and so the calendar hints) is learnt from the warm-up rows,
// which are never scored; they are replayed into the detector once it exists, so nothing looks
// ahead.
class GenericScorer {
 public:
  GenericScorer(const SeriesCsvOptions& options, SeriesCsvResult& result) : result_(result) {
    options_ = generic_series_options();
    options_.period = options.period;
    if (options.threshold > 0) options_.threshold = options.threshold;
  }

  void skip() {
    if (detector_) detector_->skip(1);
  }

  Scored push(double time, double value) {
    PointResult r;
    if (!detector_) {
      times_.push_back(time);
      warmup_.push_back(value);
      if (static_cast<int>(warmup_.size()) >= options_.warmup - 1) {
        std::vector<double> steps;
        for (std::size_t i = 1; i < times_.size(); ++i)
          if (times_[i] > times_[i - 1]) steps.push_back(times_[i] - times_[i - 1]);
        if (!steps.empty()) {
          std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2), steps.end());
          result_.spacing_seconds = steps[steps.size() / 2];
        }
        options_.period_hints = calendar_hints(result_.spacing_seconds);
        detector_ = std::make_unique<SeriesDetector>(options_);
        for (std::size_t i = 0; i < warmup_.size(); ++i) {
          if (i > 0) {
            last_time_ = times_[i - 1];
            detector_->skip(gap_before(times_[i]));
          }
          r = detector_->push(warmup_[i]);
        }
        warmup_.clear();
      }
    } else {
      detector_->skip(gap_before(time));
      r = detector_->push(value);
    }
    last_time_ = time;
    // An alert keeps its score; every other row (a quiet one, or one inside the hold after an
    // alert) is scaled below 0.5, so that is_anomaly == score >= 0.5 and a sweep over the score
    // keeps the one-alert-per-event hold.
    const double raw = std::isfinite(r.score) ? std::clamp(r.score, 0.0, 1.0) : 0.0;
    return {r.anomaly ? raw : 0.49 * raw, r.anomaly};
  }

  int period() const { return detector_ ? detector_->period() : 0; }

 private:
  int gap_before(double t) const {
    int gap = 0;
    if (last_time_ && result_.spacing_seconds > 0) {
      double steps = (t - *last_time_) / result_.spacing_seconds;
      if (steps >= 1.5) gap = static_cast<int>(std::min(std::round(steps) - 1, 100000.0));
    }
    return gap;
  }

  SeriesCsvResult& result_;
  DetectorOptions options_;
  std::vector<double> warmup_, times_;
  std::unique_ptr<SeriesDetector> detector_;
  std::optional<double> last_time_;
};

// The daily profile: the daily cost detector with the config's options.
class DailyScorer {
 public:
  explicit DailyScorer(const SeriesCsvOptions& options) : detector_(daily_detector_options(options)) {}

  Scored push(double time, double value) {
    const auto v = detector_.push(day_of(static_cast<UnixSeconds>(std::floor(time))), value);
    return {v.score, v.is_anomaly};
  }

  static DailyDetectorOptions daily_detector_options(const SeriesCsvOptions& options) {
    CostTuning tuning;
    auto anomaly = options.anomaly;
    anomaly.min_daily_impact = options.min_impact;
    if (options.threshold > 0) anomaly.threshold = options.threshold;
    return daily_options(anomaly, tuning);
  }

 private:
  DailyCostDetector detector_;
};

std::optional<double> median_spacing(const std::vector<CsvRow>& rows) {
  std::vector<double> steps;
  std::optional<double> last;
  for (const auto& r : rows) {
    if (!r.time || !r.value) continue;
    if (last && *r.time > *last) steps.push_back(*r.time - *last);
    last = r.time;
  }
  if (steps.empty()) return std::nullopt;
  std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2), steps.end());
  return steps[steps.size() / 2];
}

}  // namespace

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

  long long line_no = 1;
  auto next_row = [&](CsvRow& row) {
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (text::trim(line).empty()) continue;
      auto fields = split_csv(line);
      row = CsvRow{};
      row.line = line_no;
      row.ts = static_cast<int>(fields.size()) > ts_col ? fields[static_cast<std::size_t>(ts_col)] : "";
      row.raw = static_cast<int>(fields.size()) > value_col ? fields[static_cast<std::size_t>(value_col)] : "";
      auto value = text::parse_double(row.raw);
      auto time = parse_time(std::string(text::trim(row.ts)));
      std::string reason;
      if (!time) reason = "timestamp \"" + row.ts + "\" is not a date-time or a number";
      else if (!value || !std::isfinite(*value)) reason = "value \"" + row.raw + "\" is not a finite number";
      if (reason.empty()) {
        row.time = time;
        row.value = value;
      } else {
        result.bad_rows.push_back({line_no, reason});
      }
      return true;
    }
    return false;
  };

  // The first rows decide the profile (they are warm-up for either detector: never scored).
  constexpr int kDecideRows = 7;
  std::vector<CsvRow> first;
  CsvRow row;
  int good = 0;
  while (good < kDecideRows && next_row(row)) {
    good += row.value.has_value();
    first.push_back(row);
  }
  SeriesProfile profile = options.profile;
  if (profile == SeriesProfile::automatic) {
    auto spacing = median_spacing(first);
    profile = spacing && *spacing >= 0.9 * 86400 && *spacing <= 1.1 * 86400 ? SeriesProfile::daily_cost : SeriesProfile::generic;
  }
  result.profile = profile == SeriesProfile::daily_cost ? "daily_cost" : "generic";
  std::optional<GenericScorer> generic;
  std::optional<DailyScorer> daily;
  if (profile == SeriesProfile::daily_cost) daily.emplace(options);
  else generic.emplace(options, result);

  auto emit = [&](const CsvRow& r) {
    ++result.rows;
    if (!r.value) {  // a bad row: kept in place, not scored
      if (generic) generic->skip();
      out << r.ts << ',' << r.raw << ",0,0\n";
      return;
    }
    const Scored s = daily ? daily->push(*r.time, *r.value) : generic->push(*r.time, *r.value);
    if (s.anomaly) ++result.anomalies;
    // Printed so that the column reads the same decision: >= 0.5 exactly for anomalies.
    const double score = s.anomaly ? std::max(s.score, 0.5) : std::min(s.score, 0.499999);
    out << r.ts << ',' << r.raw << ',' << fmt::format("{:.6f}", std::clamp(score, 0.0, 1.0)) << ',' << (s.anomaly ? 1 : 0) << '\n';
  };
  for (const auto& r : first) emit(r);
  while (next_row(row)) emit(row);
  if (generic) result.period = generic->period();
  return result;
}

}  // namespace costbot::detect
