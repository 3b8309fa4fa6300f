#include "engine/detect/daily_detector.hpp"

#include <algorithm>
#include <cmath>

#include "engine/detect/small_medians.hpp"

#include "engine/detect/exact_arithmetic.hpp"  // last: it changes how the code below compiles

namespace costbot::detect {
namespace {

constexpr int kWarmup = 7;       // the first week: no score, the model starts from it
constexpr int kMaxSeason = 8;    // season_weeks at most
constexpr int kTrendDays = 63;   // nine weeks of deseasonalized values
constexpr int kRecent = 8;       // shift_days at most
constexpr int kMaxIdle = 16;     // idle_days at most
constexpr int kMonths = 8;       // months of month-end / month-start residuals kept
constexpr double kBelow = 0.49;  // scores below the decision boundary stay ordered but never reach it

// 0.5 exactly at r = 1, rising smoothly towards 1: how every statistic and gate becomes a score.
inline double daily_past(double r) {
  r = r > 0 ? r : 0.0;
  const double r3 = r * r * r;
  return r3 > 1e300 ? 1.0 : r3 / (r3 + 1);
}

double small_median_sorted(double* v, int n) {
  std::sort(v, v + n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Student-t quantile for the same two-sided tail as the standard normal's z, by the
// Cornish-Fisher expansion (good to a few percent from 3 degrees of freedom on).
inline double t_quantile(double z, double nu) {
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
}

// P(chi-square with k degrees of freedom <= x): the regularized lower incomplete gamma
// P(k/2, x/2) by its power series (called for small x only, where it converges fast).
double chi_square_cdf(double x, int k) {
  if (x <= 0) return 0;
  const double s = k / 2.0, h = x / 2;
  if (h > s + 10 * std::sqrt(s) + 10) return 1;
  double term = 1 / s, sum = term;
  for (int i = 1; i < 1000 && term > sum * 1e-12; ++i) {
    term *= h / (s + i);
    sum += term;
  }
  return std::min(1.0, std::exp(s * std::log(h) - h - std::lgamma(s)) * sum);
}

// Month-end and month-start days: 0 = last day, 1 = the day before, 2 = first, 3 = second.
int position_in_month(int day_of_month, int month_days) {
  if (day_of_month == month_days) return 0;
  if (day_of_month == month_days - 1) return 1;
  if (day_of_month <= 2) return day_of_month + 1;
  return -1;
}

}  // namespace

const char* to_string(DayKind k) {
  switch (k) {
    case DayKind::warmup: return "warmup";
    case DayKind::normal: return "normal";
    case DayKind::spike: return "spike";
    case DayKind::dip: return "dip";
    case DayKind::shift_up: return "level_shift";
    case DayKind::drop: return "drop";
    case DayKind::drift: return "drift";
    case DayKind::runaway: return "runaway";
    case DayKind::flatline: return "flatline";
  }
  return "normal";
}

// The state of L series. What every lane shares (the day, the calendar, the positions in the
// rings) is kept once; everything else is an array of L values, so that the per-day arithmetic
// is a loop over lanes the compiler turns into vector instructions. Rare events (an alarm, a
// re-anchor, the month-end look-back) run lane by lane.
template <int L>
struct DailyLanes {
  explicit DailyLanes(const DailyDetectorOptions& options) : o(options) {
    o.season_weeks = std::clamp(o.season_weeks, 1, kMaxSeason);
    o.shift_days = std::clamp(o.shift_days, 1, kRecent);
    if (o.idle_days != 0) o.idle_days = std::clamp(o.idle_days, 3, kMaxIdle);
    o.runaway_weeks = std::clamp(o.runaway_weeks, 1, 7);
    o.drift_weeks = std::clamp(o.drift_weeks, 2, 8);
    o.recurrence_months = std::clamp(o.recurrence_months, 0, kMonths - 1);
    alpha = std::erfc(o.threshold / std::sqrt(2.0));
    log_alpha = std::log(std::max(alpha, 1e-300));
    // The noise of a new day, plus the uncertainty of its weekday factor (a mean or median of
    // `count` days) and of the level (an exponentially weighted mean).
    for (int c = 0; c <= kMaxSeason; ++c)
      predictive[c] = std::sqrt(1 + 1.2 / std::max(c, 1) + o.level_alpha / (2 - o.level_alpha));
    reset();
  }

  void reset() {
    n = 0;
    std::fill(std::begin(count), std::end(count), 0);
    std::fill(std::begin(next), std::end(next), 0);
    day = Day{};
    day_of_month = month_days = 0;
    position = -1;
    month = 0;
    recent_head = flat_head = flat_count = 0;
    for (auto& m : months) {
      m.month = -1;
      std::fill(std::begin(m.seen), std::end(m.seen), false);
    }
    for (int l = 0; l < L; ++l) {
      level[l] = base_level[l] = var[l] = residuals[l] = up[l] = down[l] = 0;
      has_prev[l] = false;
      prev_age[l] = fits_prev[l] = 0;
      last_up_anchor[l] = -1000;
      stairs_from[l] = 0;
      stairs_level[l] = 0;
      trend_days[l] = 0;
      flat_latched[l] = false;
      flat_level[l] = 0;
      for (int w = 0; w < 7; ++w) factor[w][l] = 1;
      for (int k = 0; k < kRecent; ++k) {
        recent_e[k][l] = recent_z[k][l] = recent_d[k][l] = 0;
        recent_floored[k][l] = false;
      }
    }
  }

  // Today's place in its month, kept incrementally (consecutive days need no date arithmetic).
  void locate(Day d) {
    if (day_of_month > 0 && d == day + std::chrono::days{1}) {
      if (++day_of_month > month_days) {
        day_of_month = 1;
        ++month;
        month_days = days_in_month(d);
      }
    } else {
      const std::chrono::year_month_day ymd{d};
      day_of_month = static_cast<int>(static_cast<unsigned>(ymd.day()));
      month_days = days_in_month(d);
      month = static_cast<std::int32_t>(static_cast<int>(ymd.year()) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) - 1);
    }
    day = d;
    position = position_in_month(day_of_month, month_days);
  }

  // The weekday's factor in lane l: the median of its ratios (their mean while fewer than 3).
  void refresh_factor(int w, int l) {
    const int c = count[w];
    double v[kMaxSeason];
    for (int k = 0; k < c; ++k) v[k] = ratios[w][k][l];
    factor[w][l] = c == 0 ? 1.0 : c == 1 ? v[0] : c == 2 ? (v[0] + v[1]) / 2 : small_median_sorted(v, c);
  }

  // One more ratio for weekday w in every lane (the ring position is shared).
  void remember_ratios(int w, const double* ratio) {
    const int slot = next[w];
    for (int l = 0; l < L; ++l) ratios[w][slot][l] = ratio[l];
    next[w] = next[w] + 1 == o.season_weeks ? 0 : next[w] + 1;
    if (count[w] < o.season_weeks) ++count[w];
    if (count[w] == 5) {
      double* f = factor[w];
      const auto& r = ratios[w];
      for (int l = 0; l < L; ++l) f[l] = medians::median_of_five(r[0][l], r[1][l], r[2][l], r[3][l], r[4][l]);
    } else {
      for (int l = 0; l < L; ++l) refresh_factor(w, l);
    }
  }

  // Lane l moves to a new level; the model before is kept two weeks in case the move comes back.
  void snapshot(int l) {
    prev_level[l] = level[l];
    for (int w = 0; w < 7; ++w) {
      prev_factor[w][l] = factor[w][l];
      for (int k = 0; k < kMaxSeason; ++k) prev_ratios[w][k][l] = k < count[w] ? ratios[w][k][l] : factor[w][l];
    }
    has_prev[l] = true;
    prev_age[l] = fits_prev[l] = 0;
  }

  void revert(int l) {
    level[l] = prev_level[l];
    for (int w = 0; w < 7; ++w) {
      for (int k = 0; k < kMaxSeason; ++k) ratios[w][k][l] = prev_ratios[w][k][l];
      refresh_factor(w, l);
    }
    has_prev[l] = false;
    base_level[l] = level[l];
    flat_latched[l] = false;
    up[l] = down[l] = 0;
  }

  void reanchor(int l, double new_level, bool reported) {
    snapshot(l);
    level[l] = new_level;
    up[l] = down[l] = 0;
    if (reported) {
      base_level[l] = new_level;
      trend_days[l] = 0;
    }
  }

  // The first week: its mean (each day at most 3x the median, so a spike does not set the level)
  // is the level, each day's ratio to it the first value of its weekday.
  void start() {
    for (int l = 0; l < L; ++l) {
      double sorted[kWarmup];
      for (int i = 0; i < kWarmup; ++i) sorted[i] = warm[i][l];
      const double med = small_median_sorted(sorted, kWarmup);
      double sum = 0;
      for (int i = 0; i < kWarmup; ++i) sum += med > 0 ? std::min(warm[i][l], 3 * med) : warm[i][l];
      // A cost model's level is never negative (a week of net credits is a week of no cost).
      level[l] = std::max(0.0, sum / kWarmup);
      base_level[l] = level[l];
    }
    for (int i = 0; i < kWarmup; ++i) {
      double ratio[L];
      for (int l = 0; l < L; ++l) ratio[l] = level[l] > 0 ? std::max(0.0, warm[i][l] / level[l]) : 1.0;
      remember_ratios(warm_wd[i], ratio);
    }
  }

  DailyDetectorOptions o;
  double alpha = 0, log_alpha = 0;
  double predictive[kMaxSeason + 1] = {};
  // Shared by the lanes.
  std::int64_t n = 0;
  int count[7] = {}, next[7] = {};
  Day day{};
  int day_of_month = 0, month_days = 0, position = -1;
  std::int32_t month = 0;
  int recent_head = 0, flat_head = 0, flat_count = 0;
  int warm_wd[kWarmup] = {};
  struct MonthMark {
    std::int32_t month = -1;
    bool seen[4] = {false, false, false, false};
    double e[4][L] = {};
  } months[kMonths];
  // Per lane.
  double warm[kWarmup][L] = {};
  double level[L], base_level[L], var[L], residuals[L], up[L], down[L];
  double ratios[7][kMaxSeason][L] = {}, factor[7][L];
  bool has_prev[L];
  int prev_age[L], fits_prev[L];
  double prev_level[L] = {}, prev_ratios[7][kMaxSeason][L] = {}, prev_factor[7][L] = {};
  double recent_e[kRecent][L], recent_z[kRecent][L];
  double recent_d[kRecent][L];  // actual - expected, in money: what a step adds per day
  bool recent_floored[kRecent][L];  // the expectation was below the floor: recent_e means nothing
  int last_up_anchor[L], stairs_from[L];
  double stairs_level[L];
  double trend[kTrendDays][L] = {}, week_sum[kTrendDays][L] = {};
  double cost[kTrendDays][L] = {}, cost_week[kTrendDays][L] = {};  // the same, in money as billed
  int trend_days[L];
  double flat_values[kMaxIdle][L] = {}, flat_expected[kMaxIdle][L] = {};
  bool flat_latched[L];
  double flat_level[L];
};

namespace {

// What a method proposes for a day in one lane.
struct DayCandidate {
  double score = 0;
  DayKind kind = DayKind::normal;
  double change = 0, impact = 0, baseline = 0;
  int since = 0;
};

// The highest score wins; a change-point alarm (shift, drop, drift, flatline) names the day even
// when a spike scored higher, because it says more (the spike's score is kept).
inline void consider_candidate(DayCandidate& best, bool& best_is_alarm, DayCandidate c, bool alarm) {
  if (alarm && c.score >= 0.5 && !best_is_alarm) {
    c.score = std::max(c.score, best.score);
    best = c;
    best_is_alarm = true;
  } else if (c.score > best.score && (!best_is_alarm || alarm)) {
    best = c;
  }
}

template <int L>
[[gnu::always_inline]] inline void daily_step(DailyLanes<L>& s, Day day, const double* values, bool learn, DayVerdict* out) {
  const DailyDetectorOptions& o = s.o;
  const std::int64_t index = s.n++;
  if (index < kWarmup) {
    for (int l = 0; l < L; ++l) {
      s.warm[index][l] = values[l];
      out[l] = DayVerdict{};
      out[l].actual = out[l].expected = out[l].lower = out[l].upper = out[l].baseline = values[l];
      out[l].kind = DayKind::warmup;
    }
    s.warm_wd[index] = static_cast<int>(weekday(day));
    if (index == kWarmup - 1) s.start();
    return;
  }
  const int wd = static_cast<int>(weekday(day));
  const int today = static_cast<int>(index);
  s.locate(day);
  const int pos = s.position;
  const std::int32_t month = s.month;
  const double pf = s.predictive[s.count[wd]];
  const double z = o.threshold;
  const double impact_floor = o.min_daily_impact;

  double sigma[L], thr[L], scale[L], expected[L], floor[L], e[L], raw_e[L], t[L];
  const char* note[L];
  // The model's expectation and today's standardized residual.
  for (int l = 0; l < L; ++l) {
    const double w = o.prior_weight;
    const double v = (w * o.prior_noise * o.prior_noise + s.residuals[l] * s.var[l]) / (w + s.residuals[l]);
    sigma[l] = std::max(o.relative_floor, std::sqrt(v));
    thr[l] = t_quantile(z, std::max(3.0, w + std::min(s.residuals[l], 60.0)));
    scale[l] = sigma[l] * pf;
    expected[l] = s.level[l] * s.factor[wd][l];
    floor[l] = std::max(1e-9, 0.01 * std::max(s.level[l], s.base_level[l]));
    e[l] = std::max(expected[l], values[l]) <= 1e-9 ? 0.0 : values[l] / std::max(expected[l], floor[l]) - 1;
    raw_e[l] = e[l];
    note[l] = "";
  }
  // Month-end / month-start: a bump in the same direction at the same position in earlier
  // months is a pattern; the expectation follows it.
  if (pos >= 0 && o.recurrence_months > 0) {
    for (int l = 0; l < L; ++l) {
      if (std::abs(e[l]) < o.min_relative_change) continue;
      double bumps[kMonths];
      int matches = 0;
      for (int back = 1; back <= o.recurrence_months; ++back) {
        const auto& mark = s.months[(month - back) & (kMonths - 1)];
        if (mark.month != month - back || !mark.seen[pos]) continue;
        const double past_e = mark.e[pos][l];
        if (std::abs(past_e) >= o.min_relative_change && (past_e > 0) == (e[l] > 0)) bumps[matches++] = past_e;
      }
      if (matches >= std::max(1, o.recurrence_min_matches)) {
        expected[l] *= 1 + small_median_sorted(bumps, matches);
        e[l] = values[l] / std::max(expected[l], floor[l]) - 1;
        note[l] = pos <= 1 ? "recurring month-end pattern" : "recurring month-start pattern";
      }
    }
  }
  for (int l = 0; l < L; ++l) t[l] = e[l] / scale[l];

  // Right after a re-anchor, a day that fits the model from before (and not the new one) is
  // scored against it: a long spike ending, an idle stretch ending. Two days in a row undo the
  // move silently.
  bool back[L];
  for (int l = 0; l < L; ++l) {
    back[l] = false;
    if (!s.has_prev[l]) continue;
    const double prev_expected = s.prev_level[l] * s.prev_factor[wd][l];
    const double prev_e = values[l] / std::max(prev_expected, floor[l]) - 1;
    const double prev_t = prev_e / (sigma[l] * pf);
    if (std::abs(prev_t) <= 2 && std::abs(t[l]) > o.huber_k) {
      back[l] = true;
      if (++s.fits_prev[l] >= 2) s.revert(l);
      expected[l] = prev_expected;
      e[l] = prev_e;
      t[l] = prev_t;
    } else {
      s.fits_prev[l] = 0;
    }
    if (s.has_prev[l] && ++s.prev_age[l] > 14) s.has_prev[l] = false;
  }

  DayCandidate best[L];
  bool best_is_alarm[L], alarm[L], reported[L];
  double next_level[L];
  for (int l = 0; l < L; ++l) {
    DayVerdict& v = out[l];
    v = DayVerdict{};
    v.actual = values[l];
    v.expected = expected[l];
    v.lower = std::max(0.0, expected[l] * (1 - thr[l] * scale[l]));
    v.upper = expected[l] * (1 + thr[l] * scale[l]);
    v.baseline = expected[l];
    v.change = e[l];
    v.impact = values[l] - expected[l];
    v.note = note[l];
    best_is_alarm[l] = alarm[l] = reported[l] = false;
    next_level[l] = 0;
    // Spike (one day up) or dip (one day down: never an alert by itself; a drop must persist).
    const double impact = values[l] - expected[l];
    const double gate = impact_floor > 0 ? std::abs(impact) / impact_floor : 1e300;
    if (e[l] >= 0) {
      best[l] = {daily_past(std::min({t[l] / thr[l], e[l] / o.spike_min_change, gate})), DayKind::spike, e[l], impact, expected[l], 0};
    } else {
      best[l] = {kBelow * daily_past(std::min({-t[l] / thr[l], -e[l] / o.min_relative_change, gate})), DayKind::dip, e[l], impact,
                 expected[l], 0};
    }
  }

  // Level shifts: CUSUMs of the clipped standardized residual (reference 1 scale).
  if (learn) {
    const int head = s.recent_head;
    for (int l = 0; l < L; ++l) {
      if (back[l]) {  // scored against the old model: no evidence either way
        s.recent_e[head][l] = 0;
        s.recent_z[head][l] = 0;
        s.recent_d[head][l] = 0;
        s.recent_floored[head][l] = false;
        continue;
      }
      const double clipped = std::clamp(t[l], -z, z);
      s.up[l] = std::max(0.0, s.up[l] + clipped - 1);
      s.down[l] = std::max(0.0, s.down[l] - clipped - 1);
      s.recent_e[head][l] = e[l];
      s.recent_z[head][l] = t[l];
      s.recent_d[head][l] = values[l] - expected[l];
      s.recent_floored[head][l] = expected[l] < floor[l];
    }
    s.recent_head = (head + 1) & (kRecent - 1);
    for (int l = 0; l < L; ++l) {
      if (back[l]) continue;
      int persisted_up = 0, persisted_down = 0;
      bool floored = false;
      double run[kRecent], dollars[kRecent];
      for (int k = 1; k <= o.shift_days; ++k) {
        const int at = (s.recent_head - k) & (kRecent - 1);
        run[k - 1] = s.recent_e[at][l];
        dollars[k - 1] = s.recent_d[at][l];
        floored = floored || s.recent_floored[at][l];
        persisted_up += s.recent_z[at][l] >= 2;
        persisted_down += s.recent_z[at][l] <= -2;
      }
      const double moved = o.shift_days == 1   ? run[0]
                           : o.shift_days == 3 ? medians::max_of(medians::min_of(run[0], run[1]),
                                                                 medians::min_of(medians::max_of(run[0], run[1]), run[2]))
                                               : small_median_sorted(run, o.shift_days);
      // In money the step is what the last days added over their expectations (a constant cost
      // added on a weekday-patterned one is the same dollars on every day, not the same ratio).
      std::sort(dollars, dollars + o.shift_days);
      const double added = o.shift_days % 2 ? dollars[o.shift_days / 2]
                                            : (dollars[o.shift_days / 2 - 1] + dollars[o.shift_days / 2]) / 2;
      // The new level: the relative move, unless a day was measured against next to nothing (a
      // series starting from zero, a weekday that used to cost nothing): then its ratio means
      // nothing and the money added is the step. Never below zero (net credits are no cost).
      const double level = std::max(0.0, floored ? s.level[l] + added : s.level[l] * (1 + moved));
      const double base = std::max(s.base_level[l], floor[l]);
      const double total = level / base - 1;
      const double impact = s.level[l] - s.base_level[l] + added;
      const double gate = impact_floor > 0 ? std::abs(impact) / impact_floor : 1e300;
      for (int dir = 0; dir < 2; ++dir) {
        const bool rising = dir == 0;
        const double cusum = rising ? s.up[l] : s.down[l];
        const int persisted = rising ? persisted_up : persisted_down;
        const double size = rising ? total : -total;
        double score = daily_past(std::min({cusum / o.cusum_h, static_cast<double>(persisted) / o.shift_days,
                                            size / o.min_relative_change, gate}));
        const bool fires = cusum >= o.cusum_h && persisted == o.shift_days;
        DayKind kind = rising ? DayKind::shift_up : DayKind::drop;
        if (fires) {
          alarm[l] = true;
          next_level[l] = level;
          reported[l] = size >= o.min_relative_change && gate >= 1;
          if (rising) {
            // Upward re-anchors less than ten days apart are a staircase: growth, not a step;
            // how fast it climbs tells drift from runaway growth.
            if (today - s.last_up_anchor[l] > 10) {
              s.stairs_from[l] = today - o.shift_days;
              s.stairs_level[l] = s.level[l];
            } else if (s.stairs_level[l] > 0) {
              const double weeks = std::max(1.0, (today - s.stairs_from[l]) / 7.0);
              const double weekly = std::pow(level / s.stairs_level[l], 1 / weeks) - 1;
              kind = weekly >= o.runaway_weekly_growth ? DayKind::runaway : DayKind::drift;
            }
            s.last_up_anchor[l] = today;
          }
        }
        if (!rising && !o.alert_on_decrease) score *= kBelow;
        if (!fires) score = std::min(score, kBelow);
        consider_candidate(best[l], best_is_alarm[l], {score, kind, total, impact, s.base_level[l], o.shift_days - 1}, fires);
        if (fires) break;
      }
    }
  }

  // Drift and runaway growth on weekly means of the deseasonalized cost. Each day enters as the
  // level it implies, clipped like the level's own update, so one spike does not move a week.
  {
    const int slot = today % kTrendDays;
    const int before = (slot + kTrendDays - 1) % kTrendDays;
    const int leaving_slot = (slot + kTrendDays - 7) % kTrendDays;
    const double k = o.huber_k;
    for (int l = 0; l < L; ++l) {
      const double implied = s.level[l] * (1 + (learn ? std::clamp(e[l], -k * scale[l], k * scale[l]) : 0.0));
      const double leaving = s.trend[leaving_slot][l];
      s.trend[slot][l] = implied;
      // The running 7-day sum, restarted with the trend (days before an anchor do not count).
      s.week_sum[slot][l] = s.trend_days[l] == 0 ? implied : s.week_sum[before][l] + implied - (s.trend_days[l] >= 7 ? leaving : 0.0);
      // The same weeks in money as billed, for what a drift costs: under steady growth the level
      // lags and the weekday factors absorb part of the lag, so the level's weeks understate the
      // dollars (the demo's +1.6%/day bucket: ~$35/day by levels where the bill rose ~$55/day).
      const double cost_leaving = s.cost[leaving_slot][l];
      s.cost[slot][l] = values[l];
      s.cost_week[slot][l] = s.trend_days[l] == 0 ? values[l] : s.cost_week[before][l] + values[l] - (s.trend_days[l] >= 7 ? cost_leaving : 0.0);
      s.trend_days[l] = std::min(s.trend_days[l] + 1, kTrendDays);
    }
    for (int l = 0; l < L; ++l) {
      if (s.trend_days[l] < 7 * (o.drift_weeks + 1)) continue;
      auto week = [&](int back_weeks) { return s.week_sum[(today - 7 * back_weeks + 7 * kTrendDays) % kTrendDays][l] / 7; };
      auto billed = [&](int back_weeks) { return s.cost_week[(today - 7 * back_weeks + 7 * kTrendDays) % kTrendDays][l] / 7; };
      const int lookback = std::min(8, s.trend_days[l] / 7 - 1);
      const double w0 = week(0), wmid = week(lookback / 2), wref = week(lookback);
      if (!(wref > floor[l])) continue;
      const double g = w0 / wref - 1;
      const double zg = g / (sigma[l] * std::sqrt(2.0 / 7));
      const bool rising = g >= 0;
      const bool steady = rising ? (w0 > wmid && wmid > wref) : (w0 < wmid && wmid < wref);
      // The money: the billed weekly means over the same weeks, in the direction of the drift.
      const double dollars = rising ? std::max(0.0, billed(0) - billed(lookback)) : std::min(0.0, billed(0) - billed(lookback));
      const double gate = impact_floor > 0 ? std::abs(dollars) / impact_floor : 1e300;
      double score = daily_past(std::min({std::abs(g) / o.drift_min_change, std::abs(zg) / z, gate}));
      if (!steady) score *= kBelow;
      DayKind kind = DayKind::drift;
      if (!rising) {
        kind = DayKind::drop;
        if (!o.alert_on_decrease) score *= kBelow;
      } else {
        bool runaway = true;
        for (int w = 0; w < std::min(o.runaway_weeks, lookback) && runaway; ++w) {
          const double earlier = week(w + 1);
          runaway = earlier > 0 && week(w) / earlier - 1 >= o.runaway_weekly_growth;
        }
        if (runaway) kind = DayKind::runaway;
      }
      consider_candidate(best[l], best_is_alarm[l], {score, kind, g, dollars, billed(lookback), 7 * lookback}, score >= 0.5);
      if (score >= 0.5) {
        s.trend_days[l] = 0;
        s.base_level[l] = w0;
      }
    }
  }

  // Flatline: the last idle_days vary far less than the model expects them to.
  if (o.idle_days > 0) {
    const int m = o.idle_days;
    const int at = s.flat_head;
    for (int l = 0; l < L; ++l) {
      s.flat_values[at][l] = values[l];
      s.flat_expected[at][l] = expected[l];
      if (s.flat_latched[l] && std::abs(values[l] - s.flat_level[l]) > 0.05 * std::max(s.flat_level[l], floor[l]))
        s.flat_latched[l] = false;
    }
    s.flat_head = at + 1 == m ? 0 : at + 1;
    s.flat_count = std::min(s.flat_count + 1, m);
    if (s.flat_count == m) {
      for (int l = 0; l < L; ++l) {
        double mean = 0, mean_expected = 0;
        for (int k = 0; k < m; ++k) {
          mean += s.flat_values[k][l];
          mean_expected += s.flat_expected[k][l];
        }
        mean /= m;
        mean_expected /= m;
        double observed = 0, pattern = 0;
        for (int k = 0; k < m; ++k) {
          const double d = s.flat_values[k][l] - mean;
          const double p = s.flat_expected[k][l] - mean_expected;
          observed += d * d;
          pattern += p * p;
        }
        observed /= m - 1;
        // What the model expects, from the residuals seen (not the prior): only a series that
        // did vary, beyond the relative floor, can go flat.
        const double model = pattern / (m - 1) + s.var[l] * mean_expected * mean_expected;
        if (!(s.residuals[l] >= 21 && mean_expected > floor[l] &&
              model > 4 * o.relative_floor * o.relative_floor * mean_expected * mean_expected))
          continue;
        // Idle means the noise is gone too, not only the weekday pattern: a constant cost added
        // on top of a patterned one shrinks the pattern relative to the level (a level shift,
        // not a flatline), but leaves the day-to-day noise where it was.
        const double noise = s.var[l] * mean_expected * mean_expected;
        const double ratio = observed / std::max(noise, 1e-300);
        // Far from flat (most days): a score near 0, without the incomplete gamma.
        const double p = ratio > 0.3 ? 1.0 : chi_square_cdf((m - 1) * ratio, m - 1);
        double score = p <= 0 ? 1.0 : p >= 1 ? 0.0 : daily_past(std::log(p) / s.log_alpha);
        if (s.flat_latched[l]) score *= kBelow;
        consider_candidate(best[l], best_is_alarm[l],
                           {score, DayKind::flatline, mean / mean_expected - 1, mean - mean_expected, mean_expected, m - 1},
                           score >= 0.5);
        if (score >= 0.5) {
          // The flat stretch is the new model: its level, no weekday pattern.
          s.flat_latched[l] = true;
          s.flat_level[l] = mean;
          s.snapshot(l);
          s.level[l] = std::max(0.0, mean);
          for (int w = 0; w < 7; ++w) {
            for (int k = 0; k < kMaxSeason; ++k) s.ratios[w][k][l] = 1;
            s.factor[w][l] = 1;
          }
          s.base_level[l] = mean;
          s.trend_days[l] = 0;
          s.up[l] = s.down[l] = 0;
          alarm[l] = false;  // no other re-anchor today
        }
      }
    }
  }

  for (int l = 0; l < L; ++l) {
    DayVerdict& v = out[l];
    if (!learn) {
      best[l].score *= kBelow;
      if (!*v.note) v.note = "holiday or planned event";
    }
    v.score = best[l].score;
    v.is_anomaly = best[l].score >= 0.5;
    v.kind = v.is_anomaly ? best[l].kind : DayKind::normal;
    if (v.is_anomaly) {
      v.change = best[l].change;
      v.impact = best[l].impact;
      v.baseline = best[l].baseline;
      v.since = best[l].since;
    }
  }

  // Learn from today.
  if (!learn) return;
  if (pos >= 0) {
    auto& mark = s.months[month & (kMonths - 1)];
    if (mark.month != month) {
      mark.month = month;
      std::fill(std::begin(mark.seen), std::end(mark.seen), false);
    }
    for (int l = 0; l < L; ++l) mark.e[pos][l] = raw_e[l];
    mark.seen[pos] = true;
  }
  double ratio[L];
  const double k = o.huber_k;
  for (int l = 0; l < L; ++l) {
    if (std::abs(t[l]) <= thr[l]) {
      const double r = e[l] / pf;
      const double cap = k * sigma[l];
      s.residuals[l] = std::min(s.residuals[l] + 1, 1e9);
      s.var[l] += (std::min(r * r, cap * cap) - s.var[l]) / std::min(s.residuals[l], 28.0);
    }
    const double level_before = s.level[l];
    if (alarm[l]) {
      s.reanchor(l, next_level[l], reported[l]);
    } else if (!back[l]) {
      s.level[l] *= 1 + o.level_alpha * std::clamp(e[l], -k * scale[l], k * scale[l]);
    }
    // Every lane takes a ratio (the ring position is shared); one that must not learn today
    // repeats its factor.
    ratio[l] = level_before > 0 && !back[l] ? std::max(0.0, values[l] / level_before) : s.factor[wd][l];
    s.base_level[l] += (s.level[l] - s.base_level[l]) / 56;  // organic growth is forgotten over ~8 weeks
  }
  s.remember_ratios(wd, ratio);
}

// The eight-lane step, built for each SIMD width; the CPU picks one at run time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void daily_step8(DailyLanes<DailyBatchDetector::kLanes>& s, Day day, const double* values, bool learn, DayVerdict* out) {
  daily_step(s, day, values, learn, out);
}

}  // namespace

DailyCostDetector::DailyCostDetector(DailyDetectorOptions options) : lanes_(std::make_unique<DailyLanes<1>>(options)) {}
DailyCostDetector::~DailyCostDetector() = default;
DailyCostDetector::DailyCostDetector(DailyCostDetector&&) noexcept = default;
DailyCostDetector& DailyCostDetector::operator=(DailyCostDetector&&) noexcept = default;
void DailyCostDetector::reset() { lanes_->reset(); }
std::int64_t DailyCostDetector::days() const { return lanes_->n; }
const DailyDetectorOptions& DailyCostDetector::options() const { return lanes_->o; }

DayVerdict DailyCostDetector::push(Day day, double value, bool learn) {
  DayVerdict out;
  daily_step(*lanes_, day, &value, learn, &out);
  return out;
}

DailyBatchDetector::DailyBatchDetector(DailyDetectorOptions options)
    : lanes_(std::make_unique<DailyLanes<kLanes>>(options)) {}
DailyBatchDetector::~DailyBatchDetector() = default;
void DailyBatchDetector::reset() { lanes_->reset(); }

void DailyBatchDetector::push(Day day, const double* values, bool learn, DayVerdict* out) {
  daily_step8(*lanes_, day, values, learn, out);
}

}  // namespace costbot::detect
