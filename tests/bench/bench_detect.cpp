// Benchmark: N daily cost series x D days through the statistical detector (the options the daily
// cost detector uses), from a binary file of float64 rows that the Python baseline reads too.
//   bench_detect generate FILE [N] [D]     write the data set (deterministic)
//   bench_detect run FILE [N] [D] [THREADS] [--full]
//       --full: the whole cost layer (gates, month-end recurrence, classification) per series
// Prints series/s, points/s, flagged points and peak RSS as one JSON line.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/detect/cost_anomalies.hpp"
#include "engine/detect/series_detector.hpp"

using namespace costbot;

namespace {

// splitmix64: fast and reproducible, enough for synthetic data.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double gauss() {  // Box-Muller
    double u = std::max(uniform(), 1e-300), v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
  }
};

int generate(const std::string& path, long n, int d) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return std::fprintf(stderr, "cannot write %s\n", path.c_str()), 1;
  std::vector<double> row(static_cast<std::size_t>(d));
  for (long s = 0; s < n; ++s) {
    Rng rng{static_cast<std::uint64_t>(s) * 7919 + 17};
    double base = std::exp(std::log(50.0) + rng.uniform() * std::log(400.0));
    double weekend = 0.5 + 0.5 * rng.uniform();
    double noise = 0.02 + 0.06 * rng.uniform();
    int spike = static_cast<int>(rng.next() % static_cast<std::uint64_t>(d));
    for (int i = 0; i < d; ++i) {
      double v = base * ((i % 7 == 5 || i % 7 == 6) ? weekend : 1.0) * (1 + noise * rng.gauss());
      if (i == spike) v *= 3;
      row[static_cast<std::size_t>(i)] = std::max(0.0, v);
    }
    out.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(row.size() * sizeof(double)));
  }
  return out ? 0 : 1;
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int run(const std::string& path, long n, int d, int threads, bool full) {
  config::AnomalyConfig anomaly;
  const auto options = detect::daily_cost_options(anomaly);
  std::atomic<long> next_chunk{0}, flagged{0};
  const long chunk = 1000;
  auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    std::ifstream in(path, std::ios::binary);
    std::vector<double> rows(static_cast<std::size_t>(chunk * d));
    detect::SeriesDetector detector(options);
    long local = 0;
    const Day first = Day(std::chrono::year(2024) / 1 / 1);
    for (long c; (c = next_chunk.fetch_add(1)) * chunk < n;) {
      long count = std::min(chunk, n - c * chunk);
      in.seekg(static_cast<std::streamoff>(c * chunk * d * static_cast<long>(sizeof(double))));
      in.read(reinterpret_cast<char*>(rows.data()), static_cast<std::streamsize>(count * d * static_cast<long>(sizeof(double))));
      for (long s = 0; s < count; ++s) {
        const double* v = rows.data() + s * d;
        if (full) {
          auto a = detect::analyze_cost_series(first, std::span<const double>(v, static_cast<std::size_t>(d)), anomaly);
          for (const auto& day : a.days) local += day.anomalous;
        } else {
          detector.reset();
          for (int i = 0; i < d; ++i) local += detector.push(v[i]).over_threshold;
        }
      }
    }
    flagged += local;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"impl\": \"costbot C++ %s, %d thread%s\", \"series\": %ld, \"days\": %d, \"seconds\": %.3f, "
              "\"series_per_s\": %.0f, \"points_per_s\": %.0f, \"flagged\": %ld, \"peak_rss_mb\": %.1f}\n",
              full ? "cost layer (analyze_cost_series)" : "detector (SeriesDetector, daily options)", threads,
              threads == 1 ? "" : "s", n, d, seconds, n / seconds, n * static_cast<double>(d) / seconds, flagged.load(),
              peak_rss_kb() / 1024.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_detect generate|run FILE [N] [DAYS] [THREADS] [--full]\n");
    return 2;
  }
  std::string mode = argv[1], path = argv[2];
  long n = argc > 3 ? std::atol(argv[3]) : 100000;
  int d = argc > 4 ? std::atoi(argv[4]) : 365;
  if (mode == "generate") return generate(path, n, d);
  int threads = argc > 5 ? std::atoi(argv[5]) : 1;
  bool full = argc > 6 && std::strcmp(argv[6], "--full") == 0;
  return run(path, n, d, threads, full);
}
