#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <span>

#include "engine/detect/cost_anomalies.hpp"
#include "engine/detect/daily_detector.hpp"
#include "tests/support/daily_cost_generator.hpp"

using namespace costbot;
using namespace costbot::detect;
using std::chrono::days;

namespace {

const Day kStart = Day(std::chrono::year(2024) / 3 / 4);  // a Monday

// A clean daily series: level with weekends at 60%, a deterministic 2% wobble.
std::vector<double> clean_series(int n, double level = 100) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const unsigned wd = weekday(kStart + days{i});
    v[static_cast<std::size_t>(i)] = level * (wd == 0 || wd == 6 ? 0.6 : 1.0) * (1 + 0.02 * std::sin(i * 1.7));
  }
  return v;
}

std::vector<DayVerdict> run(const std::vector<double>& values, DailyDetectorOptions o = {}) {
  DailyCostDetector d(o);
  std::vector<DayVerdict> out;
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(d.push(kStart + days{static_cast<int>(i)}, values[i]));
  return out;
}

std::vector<int> flagged(const std::vector<DayVerdict>& v) {
  std::vector<int> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].is_anomaly) out.push_back(static_cast<int>(i));
  return out;
}

// What the issue asks of the daily path, on labelled series from the generator: windows found,
// and the share of normal days (outside every window, after NAB's 15% probation) flagged.
struct Quality {
  int windows = 0, found = 0, normal_days = 0, normal_flagged = 0;
  std::map<std::string, std::pair<int, int>> by_kind;  // found, windows
};

Quality evaluate(std::uint64_t first_seed, int count, const testing::DailyCostOptions& options = {}) {
  Quality q;
  config::AnomalyConfig config;
  config.min_daily_impact = 0;  // no dollar floor: the series are $10..$100 a day
  for (int k = 0; k < count; ++k) {
    const auto c = testing::daily_cost_case(first_seed + static_cast<std::uint64_t>(k), options);
    const auto analysis = analyze_cost_series(c.first_day, c.values, config);
    const int probation = static_cast<int>(c.values.size() * 15 / 100);
    for (int i = probation; i < static_cast<int>(c.values.size()); ++i) {
      if (!c.is_normal_day(i)) continue;
      ++q.normal_days;
      q.normal_flagged += analysis.days[static_cast<std::size_t>(i)].anomalous;
    }
    for (const auto& a : c.anomalies) {
      bool hit = false;
      for (int i = std::max(a.window_start, probation); i <= a.window_end; ++i) hit = hit || analysis.days[static_cast<std::size_t>(i)].anomalous;
      ++q.windows;
      q.found += hit;
      auto& kind = q.by_kind[a.kind];
      kind.first += hit;
      ++kind.second;
      if (!hit) UNSCOPED_INFO("seed " << c.seed << ": missed " << a.kind << " at day " << a.onset << " x" << a.magnitude);
    }
  }
  return q;
}

}  // namespace

TEST_CASE("daily cost quality: at least 90% of anomaly windows found with at most 5% of normal days flagged",
          "[detect][quality]") {
  // Seeds set aside for reporting (never tuned on); the same every run.
  const auto q = evaluate(testing::kReportSeedBase, 300);
  const double recall = double(q.found) / q.windows;
  const double flagged = double(q.normal_flagged) / q.normal_days;
  std::string kinds;
  for (const auto& [kind, n] : q.by_kind) kinds += " " + kind + " " + std::to_string(n.first) + "/" + std::to_string(n.second);
  WARN("daily cost quality, 300 report seeds: " << q.found << "/" << q.windows << " windows (" << 100 * recall
                                                 << "%), normal days flagged " << q.normal_flagged << "/" << q.normal_days
                                                 << " (" << 100 * flagged << "%);" << kinds);
  CHECK(q.windows > 250);
  CHECK(recall >= 0.90);
  CHECK(flagged <= 0.05);
  for (const auto& [kind, n] : q.by_kind) {
    INFO(kind);
    CHECK(n.first >= 0.8 * n.second);  // no kind is left behind
  }
}

TEST_CASE("hard negatives alone (month-end bumps, holiday dips and bumps, weekly patterns) rarely alert",
          "[detect][quality]") {
  testing::DailyCostOptions options;
  options.anomalies = false;
  const auto q = evaluate(testing::kReportSeedBase + 5000, 300, options);
  WARN("hard negatives only: " << q.normal_flagged << " flagged of " << q.normal_days << " days");
  CHECK(q.normal_flagged <= q.normal_days / 100);
}

TEST_CASE("is_anomaly is exactly score >= 0.5, on every day", "[detect][daily]") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const auto c = testing::daily_cost_case(seed);
    for (const auto& v : run(c.values)) {
      INFO("seed " << seed);
      CHECK(v.is_anomaly == (v.score >= 0.5));
      CHECK(v.score >= 0);
      CHECK(v.score <= 1);
    }
  }
}

TEST_CASE("the daily detector is online: a prefix scores the same whatever follows", "[detect][daily]") {
  const auto c = testing::daily_cost_case(7);
  const auto whole = run(c.values);
  for (std::size_t cut : {20u, 60u, 121u}) {
    std::vector<double> prefix(c.values.begin(), c.values.begin() + static_cast<std::ptrdiff_t>(cut));
    prefix.push_back(12345);  // anything after the cut
    const auto part = run(prefix);
    for (std::size_t i = 0; i < cut; ++i) {
      CHECK(part[i].score == whole[i].score);
      CHECK(part[i].expected == whole[i].expected);
    }
  }
}

TEST_CASE("useful from day 8, with a band that narrows as history grows", "[detect][daily]") {
  auto v = clean_series(90);
  v[9] *= 4;  // the third scored day
  const auto r = run(v);
  for (int i = 0; i < 7; ++i) CHECK(r[static_cast<std::size_t>(i)].kind == DayKind::warmup);
  CHECK(r[9].is_anomaly);
  CHECK(r[9].kind == DayKind::spike);
  auto relative_width = [&](int i) { return (r[static_cast<std::size_t>(i)].upper - r[static_cast<std::size_t>(i)].lower) / r[static_cast<std::size_t>(i)].expected; };
  CHECK(relative_width(8) > 2 * relative_width(85));
  CHECK(flagged(r) == std::vector<int>{9});
}

TEST_CASE("cents, zeros and net credits never make an expectation negative or unbounded", "[detect][daily]") {
  // The daily effective cost of the repository's FOCUS fixture (tests/fixtures/focus), rounded: a credit
  // in the first week, mostly zeros, then days of $1-$2. The multiplicative model once took the
  // credit as a negative weekday factor and re-anchored on ratios to next to nothing, expecting
  // -$3.5e26 a day by the end.
  const std::vector<double> fixture = {0,      0.0001, -0.149, 0,      0.371, 0,     0,     0.005, 0,     0,
                                       0.0001, 2.0006, 1.0,    0,      0,     0.005, 0.1757, 2.0,  1.568, 0,
                                       0,      2.0,    0,      0,      1.0,   0,     2.0,   0,     2.0,   1.0};
  for (const auto& v : run(fixture)) {
    if (v.kind == DayKind::warmup) continue;  // the first week echoes its values
    CHECK(v.expected >= 0);
    CHECK(v.expected <= 10);
    CHECK(std::abs(v.impact) <= 10);
  }

  SECTION("a series that starts from nothing learns its new level") {
    std::vector<double> v(21, 0.0);
    const auto billed = clean_series(60);
    v.insert(v.end(), billed.begin(), billed.end());
    const auto r = run(v);
    const auto days = flagged(r);
    REQUIRE_FALSE(days.empty());
    CHECK(days.front() == 21);  // the first billed day
    CHECK(days.back() <= 30);   // then it is the new normal
    CHECK(r.back().expected == Approx(billed.back()).epsilon(0.1));
  }
}

TEST_CASE("each kind of change is found as its own kind", "[detect][daily]") {
  auto kinds_of = [](const std::vector<DayVerdict>& r) {
    std::vector<DayKind> out;
    for (const auto& v : r)
      if (v.is_anomaly) out.push_back(v.kind);
    return out;
  };
  SECTION("a level shift up, flagged on its first day and re-anchored") {
    auto v = clean_series(120);
    for (int i = 80; i < 120; ++i) v[static_cast<std::size_t>(i)] *= 1.8;
    const auto r = run(v);
    const auto days = flagged(r);
    REQUIRE_FALSE(days.empty());
    CHECK(days.front() == 80);
    CHECK(days.back() <= 83);  // then it is the new normal
    CHECK(kinds_of(r).back() == DayKind::shift_up);
  }
  SECTION("a drop: a decrease that persists, never a one-day dip") {
    auto v = clean_series(120);
    for (int i = 80; i < 120; ++i) v[static_cast<std::size_t>(i)] *= 0.45;
    v[50] *= 0.4;  // a one-day dip (a holiday nobody told us about)
    v[60] *= 0.4;
    v[61] *= 0.4;  // and a two-day one
    const auto r = run(v);
    CHECK(flagged(r) == std::vector<int>{82});
    CHECK(r[82].kind == DayKind::drop);
    CHECK(r[82].change == Approx(-0.55).margin(0.05));
  }
  SECTION("a drift: +60% over six weeks") {
    auto v = clean_series(150);
    for (int i = 70; i < 150; ++i) v[static_cast<std::size_t>(i)] *= 1 + 0.6 * std::min(1.0, (i - 69) / 42.0);
    const auto r = run(v);
    const auto days = flagged(r);
    REQUIRE_FALSE(days.empty());
    CHECK(days.front() > 70);
    CHECK(days.front() < 70 + 42 + 7);
    CHECK((kinds_of(r).front() == DayKind::drift || kinds_of(r).front() == DayKind::shift_up));
  }
  SECTION("runaway growth: +10% a day") {
    auto v = clean_series(120);
    for (int i = 80; i < 120; ++i) v[static_cast<std::size_t>(i)] *= std::pow(1.1, std::min(i - 79, 15));
    const auto r = run(v);
    const auto days = flagged(r);
    REQUIRE_FALSE(days.empty());
    CHECK(days.front() <= 85);
    bool runaway = false;
    for (auto k : kinds_of(r)) runaway = runaway || k == DayKind::runaway;
    CHECK(runaway);
  }
  SECTION("a flatline: the weekly pattern and the noise are gone") {
    auto v = clean_series(120);
    for (int i = 80; i < 120; ++i) v[static_cast<std::size_t>(i)] = 83.0;
    const auto r = run(v);
    const auto days = flagged(r);
    REQUIRE_FALSE(days.empty());
    CHECK(days.front() >= 80);
    CHECK(days.front() <= 86);
    CHECK(r[static_cast<std::size_t>(days.front())].kind == DayKind::flatline);
    CHECK(days.size() <= 2);  // latched: one alert, not one a day
  }
  SECTION("a series flat from the start never alerts") {
    CHECK(flagged(run(std::vector<double>(120, 38.0))).empty());
    CHECK(flagged(run(std::vector<double>(120, 0.0))).empty());
  }
}

TEST_CASE("a month-end bump seen the month before is a pattern, not a spike", "[detect][daily]") {
  auto v = clean_series(150);
  for (int i = 0; i < 150; ++i) {
    const Day d = kStart + days{i};
    if (static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day{d}.day())) == days_in_month(d)) v[static_cast<std::size_t>(i)] *= 2.2;
  }
  const auto r = run(v);
  const auto days = flagged(r);
  // Mar 31 is day 27, Apr 30 day 57, May 31 day 88, Jun 30 day 118, Jul 31 day 149: only the first
  // one seen after the warm-up can surprise.
  REQUIRE(days.size() <= 1);
  if (!days.empty()) CHECK(days[0] == 27);
  CHECK(std::string(r[57].note) == "recurring month-end pattern");
}

TEST_CASE("holidays and planned events from the calendar are scored but never flagged", "[detect][daily]") {
  auto v = clean_series(100);
  v[70] *= 0.2;
  v[71] *= 0.2;
  v[72] *= 0.2;
  v[90] *= 5;
  CostCalendar calendar;
  for (int i = 70; i <= 72; ++i) calendar.holidays.insert(kStart + days{i});
  calendar.planned.emplace_back(kStart + days{90}, kStart + days{90});
  config::AnomalyConfig config;
  config.min_daily_impact = 0;
  const auto a = analyze_cost_series(kStart, v, config, calendar);
  CHECK(a.detections.empty());
  CHECK(a.days[70].note == "holiday");
  CHECK(a.days[90].note == "planned event");
}

TEST_CASE("the eight-lane batch detector gives every series exactly what the one-series detector gives",
          "[detect][daily]") {
  // 20 series (two full batches and a partial one) with every kind of anomaly and hard negative.
  std::vector<testing::DailyCostCase> cases;
  for (std::uint64_t seed = 101; seed < 121; ++seed) cases.push_back(testing::daily_cost_case(seed));
  std::vector<std::span<const double>> spans;
  for (const auto& c : cases) spans.emplace_back(c.values);
  config::AnomalyConfig config;
  config.min_daily_impact = 0;
  CostCalendar calendar;
  calendar.holidays.insert(kStart + days{40});  // learn=false days are shared by the lanes
  const auto batch = analyze_cost_batch(kStart, spans, config, calendar);
  REQUIRE(batch.size() == cases.size());
  int flagged = 0;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto one = analyze_cost_series(kStart, cases[k].values, config, calendar);
    REQUIRE(one.days.size() == batch[k].days.size());
    for (std::size_t i = 0; i < one.days.size(); ++i) {
      INFO("series " << k << " day " << i);
      CHECK(one.days[i].score == batch[k].days[i].score);  // bit for bit
      CHECK(one.days[i].expected == batch[k].days[i].expected);
      CHECK(one.days[i].upper == batch[k].days[i].upper);
      CHECK(one.days[i].anomalous == batch[k].days[i].anomalous);
      flagged += one.days[i].anomalous;
    }
    REQUIRE(one.detections.size() == batch[k].detections.size());
    for (std::size_t d = 0; d < one.detections.size(); ++d) {
      CHECK(one.detections[d].kind == batch[k].detections[d].kind);
      CHECK(one.detections[d].impact_per_day == batch[k].detections[d].impact_per_day);
    }
  }
  CHECK(flagged > 10);
}
