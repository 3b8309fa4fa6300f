#include "engine/detect/series_batch.hpp"

// Every function here that takes or returns a vector is always_inline, so it is compiled as part
// of the SIMD-specific function that calls it: no call passes a vector between code built for
// different SIMD widths, whose calling conventions differ (which is what -Wpsabi warns about).
#pragma GCC diagnostic ignored "-Wpsabi"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "engine/detect/small_medians.hpp"

#include "engine/detect/exact_arithmetic.hpp"  // last: it changes how the code below compiles

namespace costbot::detect {
namespace {

constexpr int L = SeriesBatchDetector::kLanes;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A value per lane, in memory: rows of the lanes' state are arrays of kLanes doubles.
struct alignas(64) Row {
  double v[L];
};

}  // namespace

// The scale window of one level: a Row per slot (SlidingQuantile, lane by lane).
struct LaneWindow {
  std::vector<Row> ring;    // arrival order, capacity + lag slots (SlidingQuantile::ring_)
  std::vector<Row> sorted;  // each lane's window sorted (SlidingQuantile::sorted_)
};

struct SeriesBatchDetector::State {
  DetectorOptions options;
  std::vector<SeriesDetector> warm;  // one per lane until the warm-up fit is done
  bool batched = false;
  std::int64_t pushed = 0;
  // The same in every lane (they advance in lockstep).
  int levels = 1, period = 0, phase = 0, hold = 0, k = 5;
  double quantile_divisor = 1;
  std::size_t slots = 0, lag = 0, head = 0, ring_pushed = 0, sorted_size = 0;
  std::vector<std::uint8_t> season_count, season_next, season_stale;
  struct {
    std::size_t size = 0, lo = 0, hi = 0;  // for a window of `size` values
    double frac = 0;
  } quantile_at;
  // Per lane.
  Row level[2]{}, floor{}, initial_sigma{}, cool{}, run_sign{}, run_length{};
  std::vector<Row> season, season_median, run_res;
  LaneWindow scales[2];
  std::vector<double> scratch;
};

namespace {

using State = SeriesBatchDetector::State;
using medians::max_of;
using medians::min_of;

// What one push does that is the same for every lane: computed once, before the lanes' work.
struct Plan {
  int phase = 0;
  bool season = false;         // a seasonal term at all
  bool season_stale = false;   // the phase's median must be recomputed
  int season_count = 0;
  std::size_t season_base = 0; // first row of the phase's values
  bool quantile = false;       // the scale comes from the window (else from the warm-up fit)
  std::size_t lo = 0, hi = 0;
  double frac = 0;
  bool learn = false;
  bool leaves = false, enters = false;
  std::size_t newest = 0, entering = 0, sorted_size = 0;
  std::size_t season_row = 0;  // where the learnt season value goes
};

// The lanes' arithmetic on a vector type V of W doubles (GCC/Clang vector extensions: operators
// work lane by lane, a comparison gives a mask, `mask ? a : b` selects). It is instantiated for
// 8-, 4- and 2-double vectors inside functions built for AVX-512, AVX2 and baseline SSE2, so each
// runs on registers of its native width; kLanes lanes take kLanes / W passes.
template <class V>
struct Lanes {
  static constexpr int W = static_cast<int>(sizeof(V) / sizeof(double));
  using M = decltype(V{} < V{});

  // x in every lane: x - 0 is exactly x for every x (-0.0 included), and compiles to a broadcast.
  [[gnu::always_inline]] static V splat(double x) { return x - V{}; }
  [[gnu::always_inline]] static V load(const double* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  [[gnu::always_inline]] static void store(double* p, V v) { std::memcpy(p, &v, sizeof v); }
  [[gnu::always_inline]] static M sign_bit() {
    M bit{};
    for (int i = 0; i < W; ++i) bit[i] = std::numeric_limits<std::int64_t>::min();
    return bit;
  }
  // fabs: clears the sign bit (so -0.0 becomes +0.0, as std::abs does).
  [[gnu::always_inline]] static V abs_of(V x) {
    M magnitude{};
    for (int i = 0; i < W; ++i) magnitude[i] = std::numeric_limits<std::int64_t>::max();
    return __builtin_bit_cast(V, __builtin_bit_cast(M, x) & magnitude);
  }
  // Each lane's sorted window gains x (size n -> n + 1). Element i of the result is
  // min(a[i], max(a[i - 1], x)) with a[-1] = -inf and a[n] = +inf: the elements below x stay, x
  // comes next, the rest move up one. No branch depends on the data.
  [[gnu::always_inline]] static void insert_sorted(Row* a, std::size_t n, int lane, V x) {
    V prev = splat(-kInf);
    for (std::size_t i = 0; i < n; ++i) {
      const V cur = load(a[i].v + lane);
      store(a[i].v + lane, min_of(cur, max_of(prev, x)));
      prev = cur;
    }
    store(a[n].v + lane, max_of(prev, x));
  }

  // Each lane's sorted window loses `out` (one copy) and gains x. First drop `out`: c[i] = a[i]
  // below it and a[i + 1] from it on (c has n - 1 elements; c[n - 1] = +inf); then insert x into
  // c as above. One pass, in place.
  [[gnu::always_inline]] static void replace_sorted(Row* a, std::size_t n, int lane, V out, V x) {
    V prev_c = splat(-kInf);
    V cur = load(a[0].v + lane);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const V next = load(a[i + 1].v + lane);
      const V c = cur < out ? cur : next;
      store(a[i].v + lane, min_of(c, max_of(prev_c, x)));
      prev_c = c;
      cur = next;
    }
    store(a[n - 1].v + lane, max_of(prev_c, x));  // c[n - 1] is +inf: the larger of the rest and x
  }

  [[gnu::always_inline]] static V season_at(State& s, const Plan& p, int lane) {
    const auto phase = static_cast<std::size_t>(p.phase);
    if (p.season_stale) {
      const Row* v = &s.season[p.season_base];
      if (p.season_count == 5) {
        store(s.season_median[phase].v + lane,
              medians::median_of_five(load(v[0].v + lane), load(v[1].v + lane), load(v[2].v + lane),
                                      load(v[3].v + lane), load(v[4].v + lane)));
      } else {
        double tmp[16];
        for (int l = lane; l < lane + W; ++l) {
          for (int c = 0; c < p.season_count; ++c) tmp[c] = v[c].v[l];
          s.season_median[phase].v[l] = medians::small_median(tmp, p.season_count);
        }
      }
    }
    return load(s.season_median[phase].v + lane);
  }

  [[gnu::always_inline]] static V sigma(const State& s, const Plan& p, int level, int lane) {
    const V floor = load(s.floor.v + lane);
    if (!p.quantile) return max_of(floor, load(s.initial_sigma.v + lane));
    V q = splat(0.0);  // SlidingQuantile::quantile, lane by lane
    if (p.sorted_size > 0) {
      const V a = load(s.scales[level].sorted[p.lo].v + lane);
      const V b = load(s.scales[level].sorted[p.hi].v + lane);
      q = a + (b - a) * splat(p.frac);
    }
    return max_of(floor, q / splat(s.quantile_divisor));
  }

  // SeriesDetector::push for lanes [lane, lane + W), the shared bookkeeping done by the caller.
  [[gnu::always_inline]] static void push(State& s, const Plan& p, const double* values, int lane,
                                          SeriesBatchDetector::Step& out) {
    const DetectorOptions& o = s.options;
    const V value = load(values + lane);
    const V season = p.season ? season_at(s, p, lane) : splat(0.0);

    V expected[2], residual[2], scale[2], z[2];
    for (int j = 0; j < s.levels; ++j) {
      expected[j] = load(s.level[j].v + lane) + season;
      residual[j] = value - expected[j];
      scale[j] = sigma(s, p, j, lane);
      z[j] = residual[j] / scale[j];
    }
    const V zp = s.levels == 2 ? (abs_of(z[1]) > abs_of(z[0]) ? z[1] : z[0]) : z[0];
    const V az = abs_of(zp);
    const double thr = o.threshold;
    const V az3 = az * az * az;
    // std::isfinite(az): az is not NaN and not infinite.
    const V score = az <= splat(std::numeric_limits<double>::max()) ? az3 / (az3 + splat(thr * thr * thr)) : splat(1.0);
    store(out.expected + lane, expected[0]);
    store(out.scale + lane, scale[0]);
    store(out.lower + lane, expected[0] - splat(thr) * scale[0]);
    store(out.upper + lane, expected[0] + splat(thr) * scale[0]);
    store(out.z + lane, zp);
    store(out.score + lane, score);
    // Only numbers are selected here, never flags made from comparisons ("c ? 1.0 : 0.0" and masks
    // and-ed together): compilers turn those into per-lane scalar code. The flags themselves are
    // derived lane by lane at the end, from these numbers.
    const V half = splat(0.5);
    const V cool_before = load(s.cool.v + lane);
    // An alert (over the threshold with no cool-down running: cool is a whole number >= 0) starts one.
    V cool = score >= half ? (cool_before < half ? splat(static_cast<double>(s.hold)) : cool_before) : cool_before;
    cool = cool > half ? cool - splat(1.0) : cool;
    store(s.cool.v + lane, cool);

    V run_length = splat(0.0);  // after this point (shift_run: this point moved the series)
    if (p.learn) {
      const double k = o.huber_k;
      if (o.shift_run > 0) {
        // The sign of a residual beyond k scales (else 0): +1 or -1 from the residual's sign bit.
        const V unit = __builtin_bit_cast(V, (__builtin_bit_cast(M, residual[0]) & sign_bit()) | __builtin_bit_cast(M, splat(1.0)));
        const V big = abs_of(residual[0]) - splat(k) * scale[0];  // > 0: beyond k scales
        const V sign = big > splat(0.0) ? unit : splat(0.0);
        // A run that goes on (the same sign again: signs are -1, 0 or +1) grows; a new one starts
        // at 1; no sign ends it.
        const V previous = load(s.run_length.v + lane) + splat(1.0);
        run_length = big > splat(0.0) ? (sign * load(s.run_sign.v + lane) > splat(0.0) ? previous : splat(1.0)) : splat(0.0);
        store(s.run_length.v + lane, run_length);
        store(s.run_sign.v + lane, sign);
        for (int r = 0; r < o.shift_run; ++r) {  // the run's residuals in order (run_length is a whole number)
          double* slot = s.run_res[static_cast<std::size_t>(r)].v + lane;
          const V held = load(slot);
          store(slot, run_length > splat(r + 0.5) ? (run_length < splat(r + 1.5) ? residual[0] : held) : held);
        }
        double lengths[W];
        std::memcpy(lengths, &run_length, sizeof run_length);
        for (int i = 0; i < W; ++i) {
          if (lengths[i] < o.shift_run) continue;
          // The series moved (rare): re-anchor this lane, as SeriesDetector does.
          const int l = lane + i;
          s.scratch.clear();
          for (int r = 0; r < o.shift_run; ++r) s.scratch.push_back(s.run_res[static_cast<std::size_t>(r)].v[l]);
          s.level[0].v[l] += medians::median_of(s.scratch);
          s.level[1].v[l] = s.level[0].v[l];
          s.run_sign.v[l] = 0;
          s.run_length.v[l] = 0;
        }
      }
      for (int j = 0; j < s.levels; ++j) {
        const double alpha = j == 0 ? o.fast_alpha : o.slow_alpha;
        const V clamped = min_of(max_of(residual[j], splat(-k) * scale[j]), splat(k) * scale[j]);
        const V level = load(s.level[j].v + lane);
        const V updated = level + splat(alpha) * clamped;
        // Lanes re-anchored above (a whole run of shift_run) keep that level.
        store(s.level[j].v + lane, o.shift_run > 0 ? (run_length > splat(o.shift_run - 0.5) ? level : updated) : updated);
        LaneWindow& w = s.scales[j];
        const V leaving = load(w.ring[p.newest].v + lane);
        store(w.ring[p.newest].v + lane, abs_of(residual[j]));
        if (!p.enters) continue;
        const V entering = load(w.ring[p.entering].v + lane);
        if (p.leaves) replace_sorted(w.sorted.data(), p.sorted_size, lane, leaving, entering);
        else insert_sorted(w.sorted.data(), p.sorted_size, lane, entering);
      }
      if (p.season) store(s.season[p.season_row].v + lane, value - load(s.level[0].v + lane));
    }
    // The flags and the kind, lane by lane, as SeriesDetector::push decides them.
    double score_lanes[W], cool_lanes[W], z_lanes[W], run_lanes[W];
    std::memcpy(score_lanes, &score, sizeof score);
    std::memcpy(cool_lanes, &cool_before, sizeof cool_before);
    std::memcpy(z_lanes, &zp, sizeof zp);
    std::memcpy(run_lanes, &run_length, sizeof run_length);
    for (int i = 0; i < W; ++i) {
      const bool over = score_lanes[i] >= 0.5;
      const bool shifted = o.shift_run > 0 && run_lanes[i] >= o.shift_run;
      out.over_threshold[lane + i] = over;
      out.anomaly[lane + i] = over && cool_lanes[i] == 0;
      out.kind[lane + i] = shifted ? PointKind::level_shift
                           : over  ? (z_lanes[i] > 0 ? PointKind::spike : PointKind::dip)
                                   : PointKind::normal;
    }
  }
};

Plan plan_step(State& s, bool learn) {
  Plan p;
  p.phase = s.phase;
  if (s.period > 0 && ++s.phase == s.period) s.phase = 0;
  const auto phase = static_cast<std::size_t>(p.phase);
  p.season = s.period > 0;
  if (p.season) {
    p.season_stale = s.season_stale[phase] != 0;
    p.season_count = s.season_count[phase];
    p.season_base = phase * static_cast<std::size_t>(s.k);
    p.season_row = p.season_base + s.season_next[phase];
  }
  p.sorted_size = s.sorted_size;
  p.quantile = s.sorted_size >= static_cast<std::size_t>(std::max(s.options.min_scale_points, 0));
  if (p.quantile && s.sorted_size > 0) {
    if (s.quantile_at.size != s.sorted_size) {  // where the quantile sits moves only while the window fills
      const double pos = std::clamp(s.options.scale_quantile, 0.0, 1.0) * static_cast<double>(s.sorted_size - 1);
      s.quantile_at.lo = static_cast<std::size_t>(std::floor(pos));
      s.quantile_at.hi = std::min(s.quantile_at.lo + 1, s.sorted_size - 1);
      s.quantile_at.frac = pos - static_cast<double>(s.quantile_at.lo);
      s.quantile_at.size = s.sorted_size;
    }
    p.lo = s.quantile_at.lo;
    p.hi = s.quantile_at.hi;
    p.frac = s.quantile_at.frac;
  }
  p.learn = learn;
  if (learn) {
    p.leaves = s.ring_pushed == s.slots;
    p.newest = s.head;
    p.enters = s.ring_pushed + (p.leaves ? 0 : 1) > s.lag;
    p.entering = p.newest >= s.lag ? p.newest - s.lag : p.newest + s.slots - s.lag;
  }
  return p;
}

// The bookkeeping after the lanes' work: the same for every lane.
void finish_step(State& s, const Plan& p) {
  ++s.pushed;
  const auto phase = static_cast<std::size_t>(p.phase);
  if (p.season_stale) s.season_stale[phase] = 0;
  if (!p.learn) return;
  s.head = s.head + 1 == s.slots ? 0 : s.head + 1;
  if (!p.leaves) ++s.ring_pushed;
  if (p.enters && !p.leaves) ++s.sorted_size;
  if (p.season) {
    s.season_next[phase] = static_cast<std::uint8_t>(s.season_next[phase] + 1 == s.k ? 0 : s.season_next[phase] + 1);
    if (s.season_count[phase] < s.k) ++s.season_count[phase];
    s.season_stale[phase] = 1;
  }
}

template <class V>
[[gnu::always_inline]] inline void step_lanes(State& s, const double* values, bool learn, SeriesBatchDetector::Step& out) {
  const Plan p = plan_step(s, learn);
  for (int lane = 0; lane < L; lane += Lanes<V>::W) Lanes<V>::push(s, p, values, lane, out);
  finish_step(s, p);
}

using Step = SeriesBatchDetector::Step;
using V2 = double __attribute__((vector_size(2 * sizeof(double))));
using StepFn = void (*)(State&, const double*, bool, Step&);

void step_baseline(State& s, const double* values, bool learn, Step& out) { step_lanes<V2>(s, values, learn, out); }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
using V4 = double __attribute__((vector_size(4 * sizeof(double))));
using V8 = double __attribute__((vector_size(8 * sizeof(double))));
__attribute__((target("avx2"))) void step_avx2(State& s, const double* values, bool learn, Step& out) {
  step_lanes<V4>(s, values, learn, out);
}
// AVX-512 with DQ and VL (every AVX-512 CPU since Skylake-SP and Zen 4): without DQ a comparison's
// mask cannot become a vector in one instruction, and the compiler goes lane by lane instead.
__attribute__((target("avx512f,avx512dq,avx512vl"))) void step_avx512(State& s, const double* values, bool learn,
                                                                      Step& out) {
  step_lanes<V8>(s, values, learn, out);
}
#endif

// The widest SIMD this CPU has (chosen once; every choice computes the same bits).
StepFn choose_step() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return step_avx512;
  if (__builtin_cpu_supports("avx2")) return step_avx2;
#endif
  return step_baseline;
}

const StepFn kStep = choose_step();

}  // namespace

PointResult SeriesBatchDetector::Step::at(int lane, double value) const {
  PointResult r;
  r.value = value;
  r.expected = expected[lane];
  r.lower = lower[lane];
  r.upper = upper[lane];
  r.scale = scale[lane];
  r.z = z[lane];
  r.score = score[lane];
  r.anomaly = anomaly[lane];
  r.over_threshold = over_threshold[lane];
  r.kind = kind[lane];
  return r;
}

bool SeriesBatchDetector::supports(const DetectorOptions& options) {
  return options.period > 0 || !options.find_period;
}

SeriesBatchDetector::SeriesBatchDetector(const DetectorOptions& options) : state_(std::make_unique<State>()) {
  if (!supports(options))
    throw std::invalid_argument("SeriesBatchDetector needs a fixed period (or find_period = false)");
  State& s = *state_;
  s.warm.reserve(L);
  for (int l = 0; l < L; ++l) s.warm.emplace_back(options);
  s.options = s.warm[0].options();  // as the detector normalised them
  s.levels = s.options.slow_alpha > 0 ? 2 : 1;
  s.k = s.options.season_cycles;
  reset();
}

SeriesBatchDetector::~SeriesBatchDetector() = default;

std::int64_t SeriesBatchDetector::points() const { return state_->pushed; }

void SeriesBatchDetector::reset() {
  State& s = *state_;
  for (auto& d : s.warm) d.reset();
  s.batched = false;
  s.pushed = 0;
}

void SeriesBatchDetector::take_over() {
  State& s = *state_;
  const SeriesDetector& first = s.warm[0];
  s.period = first.period_;
  s.phase = first.phase_;
  s.hold = first.hold_;
  s.quantile_divisor = first.quantile_divisor_;
  const SlidingQuantile& q0 = first.scales_[0];
  s.slots = q0.ring_.size();
  s.lag = q0.lag_;
  s.head = q0.head_;
  s.ring_pushed = q0.pushed_;
  s.sorted_size = q0.sorted_.size();
  s.quantile_at.size = 0;
  s.season_count = first.season_count_;
  s.season_next = first.season_next_;
  s.season_stale = first.season_stale_;
  const std::size_t season_rows = first.season_.size();
  const auto phases = static_cast<std::size_t>(std::max(s.period, 0));
  s.season.resize(season_rows);
  s.season_median.resize(phases);
  s.run_res.resize(static_cast<std::size_t>(std::max(s.options.shift_run, 0)));
  for (int j = 0; j < 2; ++j) {
    s.scales[j].ring.resize(s.slots);
    s.scales[j].sorted.resize(q0.capacity_);
  }
  for (int l = 0; l < L; ++l) {
    const SeriesDetector& d = s.warm[static_cast<std::size_t>(l)];
    s.level[0].v[l] = d.level_[0];
    s.level[1].v[l] = d.level_[1];
    s.floor.v[l] = d.floor_;
    s.initial_sigma.v[l] = d.initial_sigma_;
    s.cool.v[l] = d.cool_;
    s.run_sign.v[l] = d.run_sign_;
    s.run_length.v[l] = d.run_length_;
    for (std::size_t r = 0; r < d.run_residuals_.size() && r < s.run_res.size(); ++r) s.run_res[r].v[l] = d.run_residuals_[r];
    for (std::size_t i = 0; i < season_rows; ++i) s.season[i].v[l] = d.season_[i];
    for (std::size_t p = 0; p < phases; ++p) s.season_median[p].v[l] = d.season_median_[p];
    for (int j = 0; j < s.levels; ++j) {
      const SlidingQuantile& q = d.scales_[j];
      for (std::size_t i = 0; i < s.slots; ++i) s.scales[j].ring[i].v[l] = q.ring_[i];
      for (std::size_t i = 0; i < q.sorted_.size(); ++i) s.scales[j].sorted[i].v[l] = q.sorted_[i];
    }
  }
  s.batched = true;
}

void SeriesBatchDetector::push(const double* values, bool learn, Step& out) {
  State& s = *state_;
  if (s.batched) {
    kStep(s, values, learn, out);
    return;
  }
  for (int l = 0; l < L; ++l) {
    const PointResult r = s.warm[static_cast<std::size_t>(l)].push(values[l], learn);
    out.expected[l] = r.expected;
    out.lower[l] = r.lower;
    out.upper[l] = r.upper;
    out.scale[l] = r.scale;
    out.z[l] = r.z;
    out.score[l] = r.score;
    out.anomaly[l] = r.anomaly;
    out.over_threshold[l] = r.over_threshold;
    out.kind[l] = r.kind;
  }
  ++s.pushed;
  if (s.warm[0].fitted_) take_over();
}

}  // namespace costbot::detect
