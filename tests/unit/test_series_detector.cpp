#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "engine/detect/period_finder.hpp"
#include "engine/detect/series_batch.hpp"
#include "engine/detect/series_csv.hpp"
#include "engine/detect/series_detector.hpp"
#include "engine/detect/sliding_quantile.hpp"
#include "engine/detect/small_medians.hpp"
#include "engine/util/time.hpp"

using namespace costbot::detect;

namespace {

std::vector<double> daily_wave(int n, int period, double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(50 + 20 * std::sin(2 * M_PI * i / period) + noise * g(rng));
  return v;
}

}  // namespace

TEST_CASE("the sliding quantile equals a sort of the lagged window", "[detect][series]") {
  auto [capacity, lag] = GENERATE(table<std::size_t, std::size_t>({{1, 0}, {10, 0}, {10, 3}, {57, 7}, {200, 50}}));
  SlidingQuantile sq(capacity, lag);
  std::mt19937 rng(static_cast<unsigned>(capacity * 31 + lag));
  std::uniform_real_distribution<double> u(-5, 5);
  std::vector<double> all;
  for (int i = 0; i < 600; ++i) {
    double v = std::round(u(rng) * 4) / 4;  // repeated values exercise erase of duplicates
    sq.push(v);
    all.push_back(v);
    std::vector<double> window;
    const long end = static_cast<long>(all.size()) - static_cast<long>(lag);
    for (long j = std::max(0L, end - static_cast<long>(capacity)); j < end; ++j) window.push_back(all[static_cast<std::size_t>(j)]);
    REQUIRE(sq.size() == window.size());
    if (window.empty()) continue;
    std::sort(window.begin(), window.end());
    for (double q : {0.0, 0.5, 0.9, 1.0}) {
      double pos = q * static_cast<double>(window.size() - 1);
      auto lo = static_cast<std::size_t>(pos);
      double expected = window[lo] + (window[std::min(lo + 1, window.size() - 1)] - window[lo]) * (pos - static_cast<double>(lo));
      REQUIRE(sq.quantile(q) == Approx(expected));
    }
  }
}

TEST_CASE("the period is found from the data, preferring calendar periods", "[detect][series]") {
  SECTION("a weekly cycle in daily data") {
    std::vector<double> v;
    for (int i = 0; i < 120; ++i) v.push_back((i % 7 == 5 || i % 7 == 6 ? 60 : 100) + (i * 37 % 11) * 0.5);
    CHECK(find_period(v, {.hints = {7}}) == 7);
  }
  SECTION("a daily wave in 5-minute data") {
    CHECK(find_period(daily_wave(1000, 288, 2, 1), {.hints = {2016, 288}}) == 288);
  }
  SECTION("an uncalendared period") { CHECK(find_period(daily_wave(400, 50, 0.5, 2), {}) == 50); }
  SECTION("white noise and a random walk have none") {
    std::mt19937 rng(3);
    std::normal_distribution<double> g(0, 1);
    std::vector<double> noise, walk;
    double w = 0;
    for (int i = 0; i < 2000; ++i) {
      noise.push_back(g(rng));
      walk.push_back(w += g(rng));
    }
    CHECK(find_period(noise, {.hints = {288}}) == 0);
    CHECK(find_period(walk, {.hints = {288}}) == 0);
  }
}

TEST_CASE("the detector is online: a prefix scores the same whatever follows", "[detect][series]") {
  auto v = daily_wave(1500, 288, 1.5, 4);
  v[1200] += 40;
  auto options = generic_series_options();
  options.period_hints = {2016, 288};
  auto full = detect_all(v, options);
  for (std::size_t prefix : {31, 64, 600, 1199, 1201}) {
    auto part = detect_all(std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(prefix)), options);
    for (std::size_t i = 0; i < prefix; ++i) {
      REQUIRE(part[i].score == full[i].score);
      REQUIRE(part[i].expected == full[i].expected);
      REQUIRE(part[i].anomaly == full[i].anomaly);
    }
  }
  for (const auto& r : full) REQUIRE((r.score >= 0 && r.score <= 1));
  CHECK(full[1200].anomaly);
  CHECK(full[1200].score > 0.9);
  CHECK(full[1200].value > full[1200].upper);
  int alerts = 0;
  for (std::size_t i = 700; i < full.size(); ++i) alerts += full[i].anomaly;
  CHECK(alerts == 1);  // a clean wave raises nothing else once it is learnt
}

TEST_CASE("an earlier anomaly does not move the baseline", "[detect][series]") {
  DetectorOptions o;
  o.period = 7;
  o.find_period = false;
  o.warmup = 21;
  o.slow_alpha = 0;
  o.scale_window = 56;
  o.scale_lag = 7;
  o.scale_quantile = 0.9;
  o.min_scale_points = 14;
  o.threshold = 4;
  o.hold = 0;
  std::vector<double> v;
  for (int i = 0; i < 120; ++i) v.push_back((i % 7 >= 5 ? 700 : 1000) * (1 + 0.01 * std::sin(i)));
  auto clean = detect_all(v, o);
  v[80] *= 5;  // a huge spike on one Monday-like day
  v[81] *= 5;
  auto spiked = detect_all(v, o);
  CHECK(spiked[80].anomaly);
  CHECK(spiked[81].anomaly);
  // A week later the same weekday is expected where it would have been without the spike.
  CHECK(spiked[87].expected == Approx(clean[87].expected).epsilon(0.02));
  CHECK(spiked[88].expected == Approx(clean[88].expected).epsilon(0.02));
  CHECK_FALSE(spiked[87].anomaly);
  CHECK_FALSE(spiked[88].anomaly);
}

TEST_CASE("detect-series CSV: one output row per input row, bad rows reported and kept", "[detect][series]") {
  std::stringstream in, out;
  in << "timestamp,value\n";
  for (int i = 0; i < 100; ++i) {
    in << "2024-01-01 " << (i / 60 < 10 ? "0" : "") << i / 60 << ":" << (i % 60 < 10 ? "0" : "") << i % 60 << ":00,";
    if (i == 50) in << "n/a\n";
    else in << (i == 80 ? 500 : 10 + i % 3) << "\n";
  }
  auto r = detect_series_csv(in, out, {});
  CHECK(r.rows == 100);
  REQUIRE(r.bad_rows.size() == 1);
  CHECK(r.bad_rows[0].line == 52);
  CHECK_THAT(r.bad_rows[0].reason, Catch::Contains("value \"n/a\" is not a finite number"));
  CHECK(r.spacing_seconds == 60);
  std::vector<std::string> lines;
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  REQUIRE(lines.size() == 101);
  CHECK(lines[0] == "timestamp,value,anomaly_score,is_anomaly");
  CHECK(lines[51] == "2024-01-01 00:50:00,n/a,0,0");
  CHECK(lines[81].substr(0, 24) == "2024-01-01 01:20:00,500,");
  CHECK(lines[81].back() == '1');
  std::stringstream bad_header("time,amount\n1,2\n"), sink;
  CHECK_THROWS_WITH(detect_series_csv(bad_header, sink, {}), Catch::Contains("expected a header with columns timestamp and value"));
}

TEST_CASE("the median of five by min and max equals the sorted middle, ties included", "[detect][series]") {
  std::vector<double> v(5);
  for (int code = 0; code < 4 * 4 * 4 * 4 * 4; ++code) {
    for (int i = 0, c = code; i < 5; ++i, c /= 4) v[static_cast<std::size_t>(i)] = c % 4;
    auto sorted = v;
    std::sort(sorted.begin(), sorted.end());
    REQUIRE(medians::median_of_five(v[0], v[1], v[2], v[3], v[4]) == sorted[2]);
    REQUIRE(medians::small_median(v.data(), 5) == sorted[2]);
  }
}

namespace {

// Series that exercise every path of the detector: weekly seasons, noise, spikes, dips, level
// shifts (runs of one-sided days), flat stretches (the scale's floor), zeros and tiny values.
std::vector<double> varied_series(unsigned seed, int n) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  const double base = 10 + 1000 * u(rng);
  const double weekend = 0.4 + 0.6 * u(rng);
  const double noise = seed % 5 == 0 ? 0 : 0.01 + 0.1 * u(rng);
  std::vector<double> v;
  double level = base;
  for (int i = 0; i < n; ++i) {
    if (u(rng) < 0.01) level *= 0.5 + 1.5 * u(rng);  // a level shift
    double x = level * (i % 7 >= 5 ? weekend : 1.0) * (1 + noise * g(rng));
    if (u(rng) < 0.02) x *= 1 + 4 * u(rng);  // a spike
    if (u(rng) < 0.01) x = 0;                // a day with no cost
    v.push_back(std::max(0.0, x));
  }
  return v;
}

}  // namespace

TEST_CASE("the many-series detector gives every lane exactly what the one-series detector gives", "[detect][series]") {
  DetectorOptions daily;  // the daily cost detector's shape (cost_anomalies.cpp)
  daily.period = 7;
  daily.find_period = false;
  daily.fast_alpha = 0.15;
  daily.slow_alpha = 0;
  daily.threshold = 4;
  daily.scale_window = 56;
  daily.scale_lag = 7;
  daily.scale_quantile = 0.9;
  daily.min_scale_points = 14;
  daily.warmup = 21;
  daily.hold = 0;
  daily.shift_run = 3;
  daily.relative_floor = 0.01;
  daily.range_floor = 0;
  DetectorOptions two_levels = daily;  // slow level, hold, other season and window sizes
  two_levels.slow_alpha = 0.01;
  two_levels.hold = -1;
  two_levels.season_cycles = 4;
  two_levels.scale_window = 100;
  two_levels.scale_lag = 20;
  two_levels.shift_run = 2;
  DetectorOptions no_season = daily;
  no_season.period = 0;
  no_season.shift_run = 0;
  no_season.scale_lag = 0;
  auto [name, options] = GENERATE_COPY(table<std::string, DetectorOptions>(
      {{"daily", daily}, {"two levels", two_levels}, {"no season", no_season}}));
  INFO(name);
  REQUIRE(SeriesBatchDetector::supports(options));
  constexpr int kDays = 400;
  SeriesBatchDetector batch(options);
  SeriesDetector single(options);
  SeriesBatchDetector::Step step;
  for (unsigned group = 0; group < 6; ++group) {  // reset() between groups: buffers are reused
    std::vector<std::vector<double>> series;
    for (int l = 0; l < SeriesBatchDetector::kLanes; ++l) series.push_back(varied_series(group * 100 + static_cast<unsigned>(l), kDays));
    auto learn = [](int day) { return day % 45 != 30; };  // a holiday now and then
    std::vector<std::vector<PointResult>> expected;
    for (const auto& s : series) {
      single.reset();
      expected.emplace_back();
      for (int d = 0; d < kDays; ++d) expected.back().push_back(single.push(s[static_cast<std::size_t>(d)], learn(d)));
    }
    batch.reset();
    int level_shifts = 0;
    for (int d = 0; d < kDays; ++d) {
      double values[SeriesBatchDetector::kLanes];
      for (int l = 0; l < SeriesBatchDetector::kLanes; ++l) values[l] = series[static_cast<std::size_t>(l)][static_cast<std::size_t>(d)];
      batch.push(values, learn(d), step);
      for (int l = 0; l < SeriesBatchDetector::kLanes; ++l) {
        const PointResult got = step.at(l, values[l]);
        const PointResult& want = expected[static_cast<std::size_t>(l)][static_cast<std::size_t>(d)];
        INFO("group " << group << " lane " << l << " day " << d);
        // Bit for bit: == on doubles (no NaN here), the flags and the kind.
        REQUIRE(got.expected == want.expected);
        REQUIRE(got.lower == want.lower);
        REQUIRE(got.upper == want.upper);
        REQUIRE(got.scale == want.scale);
        REQUIRE(got.z == want.z);
        REQUIRE(got.score == want.score);
        REQUIRE(got.anomaly == want.anomaly);
        REQUIRE(got.over_threshold == want.over_threshold);
        REQUIRE(got.kind == want.kind);
        level_shifts += got.kind == PointKind::level_shift;
      }
    }
    CHECK(batch.points() == kDays);
    if (options.shift_run > 0) CHECK(level_shifts > 0);  // the shift path was exercised
  }
}

TEST_CASE("detect-series: is_anomaly is exactly anomaly_score >= 0.5, and daily input runs the daily cost detector",
          "[detect][series]") {
  auto check_consistent = [](const std::string& csv) {
    int anomalies = 0;
    std::istringstream lines(csv);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      const auto flag = line.substr(line.rfind(',') + 1);
      const auto head = line.substr(0, line.rfind(','));
      const double score = std::stod(head.substr(head.rfind(',') + 1));
      INFO(line);
      CHECK((flag == "1") == (score >= 0.5));
      anomalies += flag == "1";
    }
    return anomalies;
  };
  SECTION("generic: minutes apart, an alert holds off the next ones but stays the highest score") {
    std::stringstream in, out;
    in << "timestamp,value\n";
    for (int i = 0; i < 600; ++i) in << 1700000000 + 60 * i << "," << (i >= 400 && i < 420 ? 50 : 10 + i % 3) << "\n";
    auto r = detect_series_csv(in, out, {});
    CHECK(r.profile == "generic");
    CHECK(check_consistent(out.str()) >= 1);
  }
  SECTION("daily: a day apart (auto), with no dollar floor") {
    std::stringstream in, out;
    in << "timestamp,value\n";
    const costbot::Day first = costbot::Day(std::chrono::year(2024) / 1 / 1);
    for (int i = 0; i < 90; ++i) {
      const costbot::Day d = first + std::chrono::days{i};
      const double v = (costbot::weekday(d) == 0 || costbot::weekday(d) == 6 ? 6.0 : 10.0) * (1 + 0.02 * std::sin(i)) * (i == 70 ? 3 : 1);
      in << costbot::format_day(d) << " 00:00:00," << v << "\n";
    }
    auto r = detect_series_csv(in, out, {});
    CHECK(r.profile == "daily_cost");
    CHECK(r.anomalies == 1);
    CHECK(check_consistent(out.str()) == 1);
    CHECK(out.str().find("2024-03-11 00:00:00,") != std::string::npos);
    std::istringstream rows(out.str());
    std::string line;
    while (std::getline(rows, line))
      if (line.rfind("2024-03-11", 0) == 0) CHECK(line.back() == '1');
    SECTION("a dollar floor is applied only when asked") {
      std::stringstream again(in.str()), sink;
      SeriesCsvOptions o;
      o.min_impact = 50;  // $20 of change is below it
      CHECK(detect_series_csv(again, sink, o).anomalies == 0);
    }
  }
}
