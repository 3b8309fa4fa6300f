#pragma once
// Labelled daily cost series for measuring detection honestly (issue 14): the anomaly kinds and
// hard negatives the issue lists, drawn from ranges fixed here once, for any number of seeds.
//
// Shape of one series (every range below is drawn per series from the seed):
//  - 180 days from a random day in 2023..2025; level $10..$100/day (log-uniform); a gentle
//    organic trend of -8%..+8% over the whole series;
//  - a weekly pattern, one of: weekends lower (x0.45..0.9), a random weekday profile (each day
//    x0.8..1.2), a Monday batch peak (x1.1..1.4), or none;
//  - Gaussian relative noise of 2%..5% (sometimes with an occasional 3-sigma day);
//  - 0, 1 or 2 anomalies (20% / 50% / 30%), onset from day 35 (after NAB's 15% probation), at
//    least two weeks after the previous one's window; kinds with weights
//    spike 2, level_up 1, level_down 1, drift 1, runaway 1, idle 1:
//      spike       x2..x4 for 1..3 days
//      level_up    x1.35..x3.0 from onset on          level_down  x0.35..x0.55 from onset on
//      drift       +30%..+120% reached linearly over 21..56 days, then held
//      runaway     +6%..+15% a day, compounding, for 7..21 days, then held
//      idle        flat (no weekly pattern, noise under 0.3%) at x0.5..1.2 of the level, for 14..60
//                  days or to the end
//  - hard negatives, each with its own probability: month-end bumps (every last day of a month
//    x1.1..1.7, p=0.4), holiday dips (US holidays, x0.4..0.85 on the day, a second day for
//    Thanksgiving and Christmas, p=0.6), holiday bumps (Black Friday and Cyber Monday x1.1..1.6,
//    p=0.3). Nothing tells the detector about them (no calendar).
//
// Label windows (the stretch in which an alert counts as a detection, NAB style): from two days
// before the onset to six days after the anomaly has built up: [onset - 2, onset + span + 6],
// span = the spike's days, the drift's or runaway's build-up, 0 for level shifts and idle.
// Random numbers come from splitmix64 and hand-written transforms, so a seed gives the same series
// on every platform and standard library.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/util/time.hpp"

namespace costbot::testing {

struct LabelledAnomaly {
  std::string kind;    // spike, level_up, level_down, drift, runaway, idle
  int onset = 0;       // day index of the first changed day
  int span = 0;        // days it builds up over (see above)
  double magnitude = 0;
  int window_start = 0, window_end = 0;  // inclusive day indexes
};

struct DailyCostCase {
  std::uint64_t seed = 0;
  Day first_day{};
  std::vector<double> values;
  std::vector<LabelledAnomaly> anomalies;
  std::string weekly_pattern;       // weekend, profile, monday, none
  double noise = 0;                 // relative
  bool month_end_bumps = false;
  std::set<int> holiday_dips, holiday_bumps;  // day indexes

  // A day inside no label window.
  bool is_normal_day(int day) const;
};

struct DailyCostOptions {
  int days = 180;
  bool anomalies = true;       // false: hard negatives and noise only
  bool hard_negatives = true;
};

DailyCostCase daily_cost_case(std::uint64_t seed, const DailyCostOptions& options = {});

// Seeds set aside for tuning, and the ones every reported figure comes from. Disjoint.
inline constexpr std::uint64_t kTuningSeedBase = 1;
inline constexpr std::uint64_t kReportSeedBase = 1'000'000;

}  // namespace costbot::testing
