#include "engine/detect/cost_anomalies.hpp"
#include "engine/detect/small_medians.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace costbot::detect {
namespace {

using std::chrono::days;

// Month-end and month-start days get a position that repeats every month: 1..3 for the first
// days, 0, -1, -2 for the last day and the two before it. Other days have none.
std::optional<int> month_position(Day d) {
  const std::chrono::year_month_day ymd{d};
  const int dom = static_cast<int>(static_cast<unsigned>(ymd.day()));
  const int to_end =
      static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day_last(ymd.year(), std::chrono::month_day_last(ymd.month())).day())) - dom;
  if (to_end <= 2) return -to_end;
  if (dom <= 3) return dom;
  return std::nullopt;
}

Day same_position_months_ago(Day d, int position, int months_ago) {
  std::chrono::year_month_day ymd{d};
  auto ym = std::chrono::year_month(ymd.year(), ymd.month()) - std::chrono::months{months_ago};
  if (position > 0) return Day(ym / std::chrono::day(static_cast<unsigned>(position)));
  return Day(ym / std::chrono::last) - days{-position};
}

double relative(double impact, double expected) { return impact / std::max(std::abs(expected), 1.0); }

double score_of(double z, double threshold) {
  double az = std::abs(z);
  return az * az * az / (az * az * az + threshold * threshold * threshold);
}

}  // namespace

bool CostCalendar::is_planned(Day d) const {
  for (const auto& [from, to] : planned)
    if (d >= from && d <= to) return true;
  return false;
}

bool CostAnalysis::recent_days_normal(int count) const {
  if (count <= 0 || static_cast<int>(days.size()) < count) return false;
  for (auto it = days.end() - count; it != days.end(); ++it)
    if (it->anomalous || it->score >= 0.5) return false;
  return true;
}

DetectorOptions daily_cost_options(const config::AnomalyConfig& c, double threshold_factor) {
  DetectorOptions o;
  o.period = 7;                  // weekday-aware: the week is the season of daily cost
  o.find_period = false;
  o.season_cycles = c.season_weeks;
  o.fast_alpha = c.level_alpha;
  o.slow_alpha = 0;              // slow change is drift, judged on weekly totals below
  o.huber_k = 3.0;
  o.threshold = c.threshold * threshold_factor;
  o.scale_window = 56;           // eight weeks of residuals ...
  o.scale_lag = 7;               // ... that end a week ago
  o.scale_quantile = 0.9;        // tolerate one anomalous day in ten in the reference
  o.min_scale_points = 14;
  o.warmup = 21;                 // three weeks: three values per weekday
  o.hold = 0;                    // grouping into incidents happens later
  o.shift_run = c.shift_days;
  o.relative_floor = 0.01;       // a 1% wobble is never five sigmas
  o.range_floor = 0;
  return o;
}

CostAnalysis analyze_cost_series(Day first_day, std::span<const double> values, const config::AnomalyConfig& c,
                                 const CostCalendar& calendar, const CostTuning& tuning) {
  CostAnalysis out;
  const std::size_t n = values.size();
  out.days.resize(n);
  const double threshold = c.threshold * tuning.threshold_factor;
  const double min_impact = std::max(c.min_daily_impact, tuning.min_daily_impact);
  SeriesDetector detector(daily_cost_options(c, tuning.threshold_factor));

  std::vector<double> raw_relative(n, 0.0);
  // Bytes, not vector<bool>: the weekly loop below reads these 35 times per day.
  std::vector<std::uint8_t> scored(n, 0), gated(n, 0), shift_at(n, 0), holiday_at(n, 0), planned_at(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Day d = first_day + days{static_cast<int>(i)};
    holiday_at[i] = calendar.is_holiday(d);
    planned_at[i] = calendar.is_planned(d);
  }
  std::vector<double> same_direction;
  auto passes_gates = [&](double impact, double expected) {
    if (impact < 0 && !c.alert_on_decrease) return false;
    return std::abs(impact) >= min_impact && std::abs(relative(impact, expected)) >= c.min_relative_change;
  };

  for (std::size_t i = 0; i < n; ++i) {
    const Day d = first_day + days{static_cast<int>(i)};
    const double v = values[i];
    const bool holiday = holiday_at[i];
    const bool planned = planned_at[i];
    auto r = detector.push(v, !holiday);
    DayResult& day = out.days[i];
    day.day = d;
    day.actual = v;
    if (r.kind == PointKind::warmup) {
      day.expected = day.lower = day.upper = v;
      day.note = "warm-up";
      continue;
    }
    scored[i] = true;
    shift_at[i] = r.kind == PointKind::level_shift;
    raw_relative[i] = relative(v - r.expected, r.expected);
    day.expected = r.expected;
    day.lower = r.lower;
    day.upper = r.upper;
    day.score = r.score;

    // A month-end (or month-start) bump that earlier months had too raises the baseline.
    if (auto pos = month_position(d); pos && c.recurrence_months > 0) {
      same_direction.clear();
      for (int m = 1; m <= c.recurrence_months; ++m) {
        Day past = same_position_months_ago(d, *pos, m);
        if (past < first_day) break;
        auto j = static_cast<std::size_t>((past - first_day).count());
        if (j >= i || !scored[j]) continue;
        double rel = raw_relative[j];
        if (std::abs(rel) >= c.min_relative_change && (rel > 0) == (raw_relative[i] > 0)) same_direction.push_back(rel);
      }
      if (static_cast<int>(same_direction.size()) >= c.recurrence_min_matches) {
        double bump = medians::median_of_copy(same_direction);
        double shift = r.expected * bump;
        day.expected += shift;
        day.lower += shift;
        day.upper += shift;
        day.score = score_of((v - day.expected) / r.scale, threshold);
        day.note = fmt::format("recurring {} pattern ({:+.0f}% in {} of the last {} months)",
                               *pos > 0 ? "month-start" : "month-end", bump * 100, same_direction.size(),
                               c.recurrence_months);
      }
    }
    const double impact = v - day.expected;
    if (day.score < 0.5) continue;
    if (holiday) {
      day.note = "holiday";
    } else if (planned) {
      day.note = "planned event";
    } else if (!passes_gates(impact, day.expected)) {
      if (day.note.empty()) day.note = "below the minimum impact or change";
    } else {
      gated[i] = 1;
    }
  }

  // Level shifts: the detector re-anchored after shift_days one-sided days.
  std::vector<std::uint8_t> covered(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!shift_at[i]) continue;
    std::size_t start = i + 1 >= static_cast<std::size_t>(std::max(c.shift_days, 1))
                            ? i + 1 - static_cast<std::size_t>(std::max(c.shift_days, 1))
                            : 0;
    while (start < i && !scored[start]) ++start;
    bool excused = false;
    double sum = 0, expected_sum = 0, best_score = 0;
    for (std::size_t j = start; j <= i; ++j) {
      excused = excused || holiday_at[j] || planned_at[j];
      sum += values[j];
      expected_sum += out.days[j].expected;
      best_score = std::max(best_score, out.days[j].score);
    }
    // Averages over the same days on both sides, so the weekday mix cancels out.
    const double days_in_run = static_cast<double>(i - start + 1);
    const double baseline = expected_sum / days_in_run;
    const double level = sum / days_in_run;
    if (excused || !passes_gates(level - baseline, baseline)) continue;
    std::size_t end = i;
    const double rel = relative(level - baseline, baseline);
    while (end + 1 < n && relative(values[end + 1] - out.days[end + 1].expected + (level - baseline), baseline) *
                                  (rel > 0 ? 1 : -1) >= std::abs(rel) / 2)
      ++end;
    CostDetection det;
    det.kind = "level_shift";
    det.day = out.days[start].day;
    det.window_start = out.days[start].day;
    det.window_end = out.days[end].day;
    det.expected = baseline;
    det.lower = out.days[start].lower;
    det.upper = out.days[start].upper;
    det.actual = level;
    det.impact_per_day = level - baseline;
    det.percent_change = rel;
    det.score = std::max(best_score, 0.5);
    det.note = fmt::format("moved from about {:.0f} to {:.0f} per day and stayed", baseline, level);
    out.detections.push_back(det);
    for (std::size_t j = start; j <= i; ++j) covered[j] = 1;
  }

  for (std::size_t i = 0; i < n; ++i) {
    if (!gated[i] || covered[i]) continue;
    const auto& day = out.days[i];
    CostDetection det;
    det.kind = "cost_spike";
    det.day = det.window_start = det.window_end = day.day;
    det.expected = day.expected;
    det.lower = day.lower;
    det.upper = day.upper;
    det.actual = day.actual;
    det.impact_per_day = day.actual - day.expected;
    det.percent_change = relative(det.impact_per_day, day.expected);
    det.score = day.score;
    det.note = day.note;
    out.detections.push_back(det);
    covered[i] = 1;
  }
  for (std::size_t i = 0; i < n; ++i) out.days[i].anomalous = covered[i];

  // Drift and runaway growth: judged on whole weeks, which carry no weekday pattern.
  const int weeks = std::max(c.drift_weeks, c.runaway_weeks);
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t open_episode = kNone;
  std::string open_kind;
  // Whether any day of a stretch is excused (holiday, planned, not scored) or already part of a
  // detection: counts before each day, so a stretch is answered in O(1), not 7 * (weeks + 1) reads.
  std::vector<int> excused_before(n + 1, 0), covered_before(n + 1, 0);
  for (std::size_t j = 0; j < n; ++j) {
    excused_before[j + 1] = excused_before[j] + (holiday_at[j] || planned_at[j] || !scored[j]);
    covered_before[j + 1] = covered_before[j] + covered[j];
  }
  std::vector<double> weekly(static_cast<std::size_t>(weeks + 1));
  for (std::size_t i = static_cast<std::size_t>(7 * (weeks + 1) - 1); i < n; ++i) {
    for (int w = 0; w <= weeks; ++w) {
      double sum = 0;
      for (int k = 0; k < 7; ++k) sum += values[i - static_cast<std::size_t>(7 * (weeks - w) + k)];
      weekly[static_cast<std::size_t>(w)] = sum / 7.0;
    }
    const std::size_t from = i - static_cast<std::size_t>(7 * weeks + 6);
    const bool excused = excused_before[i + 1] != excused_before[from];
    const bool interrupted = covered_before[i + 1] != covered_before[from];
    std::string kind;
    std::size_t first_week = 0;
    if (!excused && !interrupted) {
      bool runaway = true;
      for (int w = weeks - c.runaway_weeks + 1; w <= weeks; ++w) {
        const double prev = weekly[static_cast<std::size_t>(w - 1)];
        if (prev <= 0 || weekly[static_cast<std::size_t>(w)] / prev - 1 < c.runaway_weekly_growth) runaway = false;
      }
      if (runaway) {
        kind = "runaway_growth";
        first_week = static_cast<std::size_t>(weeks - c.runaway_weeks);
      } else {
        first_week = static_cast<std::size_t>(weeks - c.drift_weeks);
        int rising = 0;
        for (std::size_t w = first_week + 1; w < weekly.size(); ++w)
          if (weekly[w] > weekly[w - 1] * 1.01) ++rising;
        const double base = weekly[first_week];
        if (base > 0 && weekly.back() / base - 1 >= c.drift_min_change && rising >= c.drift_weeks - 1) kind = "drift";
      }
    }
    const double base = weekly[first_week];
    const double impact = weekly.back() - base;
    if (!kind.empty() && !passes_gates(impact, base)) kind.clear();
    if (kind.empty()) {
      open_episode = kNone;
      continue;
    }
    if (open_episode != kNone && open_kind == kind) {
      out.detections[open_episode].window_end = out.days[i].day;
      continue;
    }
    CostDetection det;
    det.kind = kind;
    det.day = out.days[i].day;
    det.window_start = out.days[i].day - days{static_cast<int>(7 * (weekly.size() - first_week) - 1)};
    det.window_end = out.days[i].day;
    det.expected = base;
    const double band = kind == "drift" ? c.drift_min_change : c.runaway_weekly_growth;
    det.lower = base * (1 - band);
    det.upper = base * (1 + band);
    det.actual = weekly.back();
    det.impact_per_day = impact;
    det.percent_change = relative(impact, base);
    det.score = std::min(1.0, 0.5 + std::abs(det.percent_change) / (4 * band));
    if (kind == "runaway_growth") {
      double growth = std::pow(weekly.back() / base, 1.0 / static_cast<double>(weekly.size() - 1 - first_week)) - 1;
      det.note = fmt::format("weekly cost up {:.0f}% a week for {} weeks", growth * 100, weekly.size() - 1 - first_week);
    } else {
      det.note = fmt::format("weekly cost crept up {:.0f}% over {} weeks", det.percent_change * 100,
                             weekly.size() - 1 - first_week);
    }
    open_kind = kind;
    open_episode = out.detections.size();
    out.detections.push_back(det);
  }
  std::stable_sort(out.detections.begin(), out.detections.end(),
                   [](const CostDetection& a, const CostDetection& b) { return a.day < b.day; });
  return out;
}

}  // namespace costbot::detect
