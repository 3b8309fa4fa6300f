#include <catch2/catch.hpp>

#include <cmath>

#include "engine/detect/cost_anomalies.hpp"
#include "tests/support/cost_fixtures.hpp"

using namespace costbot;
using namespace costbot::detect;
using std::chrono::days;

namespace {

CostCalendar calendar_of(const testing::SyntheticCostSeries& s) {
  CostCalendar c;
  c.holidays = s.holidays;
  c.planned = s.planned;
  return c;
}

// A detection matches an injected anomaly when its window overlaps the days the anomaly builds
// up over, plus two weeks (drift and runaway growth become visible only as they accumulate).
bool matches(const CostDetection& d, const testing::InjectedAnomaly& a, Day first) {
  Day from = first + days{a.start - 1};
  Day to = first + days{a.start + a.length + 14};
  return d.window_end >= from && d.window_start <= to;
}

struct Quality {
  int injected = 0, detected = 0, detections = 0, false_positives = 0, hard_negative_series = 0;
};

Quality evaluate(int seeds, bool anomalies, bool hard_negatives) {
  config::AnomalyConfig config;
  Quality q;
  for (int seed = 1; seed <= seeds; ++seed) {
    testing::SyntheticOptions o;
    o.anomalies = anomalies;
    o.hard_negatives = hard_negatives;
    auto s = testing::synthetic_cost_series(static_cast<std::uint32_t>(seed), o);
    auto analysis = analyze_cost_series(s.first_day, s.values, config, calendar_of(s));
    // Score what a daily run with 120 days of history would report: detections after day 120.
    const Day eval_from = s.first_day + days{o.history};
    std::vector<bool> found(s.anomalies.size(), false);
    for (const auto& d : analysis.detections) {
      if (d.window_end < eval_from) continue;
      ++q.detections;
      bool ok = false;
      for (std::size_t i = 0; i < s.anomalies.size(); ++i)
        if (matches(d, s.anomalies[i], s.first_day)) ok = found[i] = true;
      if (!ok) {
        ++q.false_positives;
        UNSCOPED_INFO("seed " << seed << ": false positive " << d.kind << " on " << format_day(d.day) << " actual "
                              << d.actual << " expected " << d.expected << " " << d.note);
      }
    }
    for (std::size_t i = 0; i < s.anomalies.size(); ++i) {
      ++q.injected;
      if (found[i]) ++q.detected;
      else UNSCOPED_INFO("seed " << seed << ": missed " << s.anomalies[i].kind << " at day " << s.anomalies[i].start
                                 << " magnitude " << s.anomalies[i].magnitude);
    }
  }
  return q;
}

}  // namespace

TEST_CASE("synthetic daily costs: at least 90% of injected anomalies are found with under 10% false positives",
          "[detect][quality]") {
  auto q = evaluate(400, true, true);
  double detection_rate = double(q.detected) / q.injected;
  double fp_rate = q.detections ? double(q.false_positives) / q.detections : 0;
  WARN("synthetic quality: detected " << q.detected << "/" << q.injected << " (" << 100 * detection_rate
                                      << "%), false positives " << q.false_positives << "/" << q.detections << " ("
                                      << 100 * fp_rate << "%)");
  CHECK(q.injected > 400);
  CHECK(detection_rate >= 0.90);
  CHECK(fp_rate < 0.10);
}

TEST_CASE("hard negatives alone (weekly cycles, month-end bumps, holidays, planned launches) rarely alert",
          "[detect][quality]") {
  auto q = evaluate(300, false, true);
  WARN("hard negatives: " << q.false_positives << " alerts over 300 series of 245 scored days");
  // Fewer than one series in ten raises any alert.
  CHECK(q.false_positives < 30);
}
