#include "tests/support/daily_cost_generator.hpp"

#include <algorithm>
#include <cmath>

namespace costbot::testing {
namespace {

using std::chrono::days;

// splitmix64 with hand-written transforms: the same numbers everywhere (std distributions are
// implementation-defined).
class GeneratorRng {
 public:
  // The seed is mixed once before the stream starts: seeding the state with an affine function of
  // the seed made seed s+1's stream seed s's shifted by one draw (consecutive series correlated).
  explicit GeneratorRng(std::uint64_t seed) : state_(seed ^ 0x2545F4914F6CDD1Dull) { state_ = next(); }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  int pick(int a, int b) { return a + static_cast<int>(next() % static_cast<std::uint64_t>(b - a + 1)); }
  bool chance(double p) { return uniform() < p; }
  double gauss() {
    const double u = std::max(uniform(), 1e-300), v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * 3.14159265358979323846 * v);
  }

 private:
  std::uint64_t state_;
};

int day_of_month(Day d) { return static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day{d}.day())); }

// The n-th (1-based) weekday `wd` (0 = Sunday) of a month; n = -1: the last one.
Day nth_weekday(int year, unsigned month, unsigned wd, int n) {
  namespace c = std::chrono;
  const c::weekday w{wd};
  if (n > 0) return c::sys_days(c::year_month_weekday(c::year(year) / c::month(month) / w[static_cast<unsigned>(n)]));
  return c::sys_days(c::year_month_weekday_last(c::year(year), c::month(month), c::weekday_last(w)));
}

struct Holiday {
  Day day;
  bool dip;       // lower cost (offices closed) or higher (retail peaks)
  int length;     // days
};

std::vector<Holiday> us_holidays(int year) {
  namespace c = std::chrono;
  auto ymd = [&](unsigned m, unsigned d) { return c::sys_days(c::year(year) / c::month(m) / c::day(d)); };
  const Day thanksgiving = nth_weekday(year, 11, 4, 4);
  return {
      {ymd(1, 1), true, 1},
      {nth_weekday(year, 5, 1, -1), true, 1},       // Memorial Day
      {ymd(7, 4), true, 1},
      {nth_weekday(year, 9, 1, 1), true, 1},        // Labor Day
      {thanksgiving, true, 2},
      {thanksgiving + days{1}, false, 1},           // Black Friday
      {thanksgiving + days{4}, false, 1},           // Cyber Monday
      {ymd(12, 24), true, 2},
  };
}

}  // namespace

bool DailyCostCase::is_normal_day(int day) const {
  for (const auto& a : anomalies)
    if (day >= a.window_start && day <= a.window_end) return false;
  return true;
}

DailyCostCase daily_cost_case(std::uint64_t seed, const DailyCostOptions& o) {
  GeneratorRng rng(seed);
  DailyCostCase c;
  c.seed = seed;
  const int n = o.days;
  c.first_day = Day(std::chrono::year(2023) / 1 / 1) + days{rng.pick(0, 3 * 365 - n)};
  const double base = std::exp(rng.uniform(std::log(10.0), std::log(100.0)));
  const double trend = rng.uniform(-0.08, 0.08) / n;

  double weekly[7];
  std::fill(weekly, weekly + 7, 1.0);
  switch (rng.pick(0, 3)) {
    case 0: {
      c.weekly_pattern = "weekend";
      const double w = rng.uniform(0.45, 0.9);
      weekly[0] = weekly[6] = w;
      break;
    }
    case 1:
      c.weekly_pattern = "profile";
      for (double& w : weekly) w = rng.uniform(0.8, 1.2);
      break;
    case 2:
      c.weekly_pattern = "monday";
      weekly[1] = rng.uniform(1.1, 1.4);
      break;
    default:
      c.weekly_pattern = "none";
  }
  c.noise = rng.uniform(0.02, 0.05);
  const bool outlier_days = rng.chance(0.3);  // now and then a 3-sigma day

  std::vector<double> level(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) level[static_cast<std::size_t>(i)] = base * (1 + trend * i);
  std::vector<bool> flat(static_cast<std::size_t>(n), false);
  std::vector<double> flat_value(static_cast<std::size_t>(n), 0.0);

  if (o.anomalies) {
    const double r = rng.uniform();
    const int count = r < 0.2 ? 0 : r < 0.7 ? 1 : 2;
    int cursor = 35;
    for (int k = 0; k < count; ++k) {
      static const char* kinds[] = {"spike", "spike", "level_up", "level_down", "drift", "runaway", "idle"};
      LabelledAnomaly a;
      a.kind = kinds[rng.pick(0, 6)];
      if (a.kind == "spike") a.span = rng.pick(1, 3);
      else if (a.kind == "drift") a.span = rng.pick(21, 56);
      else if (a.kind == "runaway") a.span = rng.pick(7, 21);
      const int latest = n - a.span - 10;
      if (latest < cursor) break;
      a.onset = rng.pick(cursor, std::min(latest, cursor + 90));
      a.window_start = a.onset - 2;
      a.window_end = std::min(n - 1, a.onset + a.span + 6);
      const auto from = static_cast<std::size_t>(a.onset);
      if (a.kind == "spike") {
        a.magnitude = rng.uniform(2.0, 4.0);
        for (int i = a.onset; i < a.onset + a.span; ++i) level[static_cast<std::size_t>(i)] *= a.magnitude;
      } else if (a.kind == "level_up" || a.kind == "level_down") {
        a.magnitude = a.kind == "level_up" ? rng.uniform(1.35, 3.0) : rng.uniform(0.35, 0.55);
        for (std::size_t i = from; i < level.size(); ++i) level[i] *= a.magnitude;
      } else if (a.kind == "drift") {
        a.magnitude = rng.uniform(0.3, 1.2);
        for (int i = a.onset; i < n; ++i)
          level[static_cast<std::size_t>(i)] *= 1 + a.magnitude * std::min(1.0, (i - a.onset + 1) / double(a.span));
      } else if (a.kind == "runaway") {
        a.magnitude = rng.uniform(0.06, 0.15);
        for (int i = a.onset; i < n; ++i)
          level[static_cast<std::size_t>(i)] *= std::pow(1 + a.magnitude, std::min(i - a.onset + 1, a.span));
      } else {  // idle
        a.magnitude = rng.uniform(0.5, 1.2);
        const int length = rng.chance(0.5) ? n - a.onset : rng.pick(14, 60);
        const double value = level[from] * a.magnitude;
        for (int i = a.onset; i < std::min(n, a.onset + length); ++i) {
          flat[static_cast<std::size_t>(i)] = true;
          flat_value[static_cast<std::size_t>(i)] = value;
        }
        cursor = std::max(cursor, a.onset + length + 14);  // nothing else happens while idle
      }
      c.anomalies.push_back(a);
      cursor = std::max(cursor, a.window_end + 14);
    }
  }

  std::vector<double> factor(static_cast<std::size_t>(n), 1.0);
  if (o.hard_negatives) {
    c.month_end_bumps = rng.chance(0.4);
    const double month_end = rng.uniform(1.1, 1.7);
    const bool dips = rng.chance(0.6), bumps = rng.chance(0.3);
    const double dip = rng.uniform(0.4, 0.85), bump = rng.uniform(1.1, 1.6);
    const Day last = c.first_day + days{n - 1};
    for (int year = static_cast<int>(std::chrono::year_month_day{c.first_day}.year());
         year <= static_cast<int>(std::chrono::year_month_day{last}.year()); ++year) {
      for (const auto& h : us_holidays(year)) {
        if (h.dip ? !dips : !bumps) continue;
        for (int j = 0; j < h.length; ++j) {
          const int i = static_cast<int>((h.day + days{j} - c.first_day).count());
          if (i < 0 || i >= n) continue;
          factor[static_cast<std::size_t>(i)] *= h.dip ? dip : bump;
          (h.dip ? c.holiday_dips : c.holiday_bumps).insert(i);
        }
      }
    }
    if (c.month_end_bumps)
      for (int i = 0; i < n; ++i)
        if (Day d = c.first_day + days{i}; day_of_month(d) == days_in_month(d)) factor[static_cast<std::size_t>(i)] *= month_end;
  }

  c.values.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto at = static_cast<std::size_t>(i);
    const Day d = c.first_day + days{i};
    double v;
    if (flat[at]) {
      v = flat_value[at] * (1 + 0.003 * rng.uniform(-1, 1));
    } else {
      double noise = c.noise * rng.gauss();
      if (outlier_days && rng.chance(0.02)) noise = c.noise * (rng.chance(0.5) ? 3.0 : -3.0);
      v = level[at] * weekly[weekday(d)] * factor[at] * (1 + noise);
    }
    c.values[at] = std::max(0.0, std::round(v * 100) / 100);  // billed to the cent
  }
  return c;
}

}  // namespace costbot::testing
