// Benchmark: N daily cost series x D days through the daily cost detector (the detector and
// options `costbot detect` runs on every scope), from a binary file of float64 rows that the
// Python baselines read too.
//   bench_detect generate FILE [N] [D]     write the data set (deterministic)
//   bench_detect run FILE [N] [D] [THREADS] [--single|--full]
//       default:  DailyBatchDetector, eight series per pass
//       --single: DailyCostDetector, one series at a time (the same results, bit for bit)
//       --full:   the cost layer (analyze_cost_series: calendar, detections) per series
// Prints series/s (wall clock), series per CPU second, flagged days and peak RSS as one JSON line.
// `flagged` counts the anomalous days: the default and --single must print the same number.
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
#include "engine/detect/daily_detector.hpp"

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

// CPU seconds of the process (every thread, user + system): on a shared machine this measures
// the work done where wall time also measures the neighbours.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

enum class Mode { batch, single, full };

int run(const std::string& path, long n, int d, int threads, Mode mode) {
  config::AnomalyConfig anomaly;
  const auto options = detect::daily_options(anomaly);  // what `costbot detect` runs per scope
  std::atomic<long> next_chunk{0}, flagged{0};
  const long chunk = 1000;
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  auto worker = [&] {
    std::ifstream in(path, std::ios::binary);
    std::vector<double> rows(static_cast<std::size_t>(chunk * d));
    detect::DailyCostDetector detector(options);
    detect::DailyBatchDetector batch(options);
    constexpr int kLanes = detect::DailyBatchDetector::kLanes;
    detect::DayVerdict step[kLanes];
    double values[kLanes];
    long local = 0;
    const Day first = Day(std::chrono::year(2024) / 1 / 1);
    for (long c; (c = next_chunk.fetch_add(1)) * chunk < n;) {
      long count = std::min(chunk, n - c * chunk);
      in.seekg(static_cast<std::streamoff>(c * chunk * d * static_cast<long>(sizeof(double))));
      in.read(reinterpret_cast<char*>(rows.data()), static_cast<std::streamsize>(count * d * static_cast<long>(sizeof(double))));
      if (mode == Mode::batch) {
        for (long s = 0; s < count; s += kLanes) {
          const int lanes = static_cast<int>(std::min<long>(kLanes, count - s));
          batch.reset();
          for (int i = 0; i < d; ++i) {
            for (int l = 0; l < kLanes; ++l) values[l] = l < lanes ? rows[static_cast<std::size_t>((s + l) * d + i)] : 0.0;
            batch.push(first + std::chrono::days{i}, values, true, step);
            for (int l = 0; l < lanes; ++l) local += step[l].is_anomaly;
          }
        }
        continue;
      }
      for (long s = 0; s < count; ++s) {
        const double* v = rows.data() + s * d;
        if (mode == Mode::full) {
          auto a = detect::analyze_cost_series(first, std::span<const double>(v, static_cast<std::size_t>(d)), anomaly);
          for (const auto& day : a.days) local += day.anomalous;
        } else {
          detector.reset();
          for (int i = 0; i < d; ++i) local += detector.push(first + std::chrono::days{i}, v[i]).is_anomaly;
        }
      }
    }
    flagged += local;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_start;
  std::printf("{\"impl\": \"costbot C++ %s, %d thread%s\", \"series\": %ld, \"days\": %d, \"seconds\": %.3f, "
              "\"series_per_s\": %.0f, \"points_per_s\": %.0f, \"cpu_seconds\": %.3f, \"series_per_cpu_s\": %.0f, "
              "\"flagged\": %ld, \"peak_rss_mb\": %.1f}\n",
              mode == Mode::full     ? "cost layer (analyze_cost_series), one series at a time"
              : mode == Mode::single ? "daily cost detector, one series at a time (DailyCostDetector)"
                                     : "daily cost detector, 8 series per pass (DailyBatchDetector)",
              threads,
              threads == 1 ? "" : "s", n, d, seconds, n / seconds, n * static_cast<double>(d) / seconds, cpu, n / cpu,
              flagged.load(), peak_rss_kb() / 1024.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_detect generate|run FILE [N] [DAYS] [THREADS] [--single|--full]\n");
    return 2;
  }
  std::string command = argv[1], path = argv[2];
  long n = argc > 3 ? std::atol(argv[3]) : 100000;
  int d = argc > 4 ? std::atoi(argv[4]) : 365;
  if (command == "generate") return generate(path, n, d);
  int threads = argc > 5 ? std::atoi(argv[5]) : 1;
  Mode mode = Mode::batch;
  if (argc > 6 && std::strcmp(argv[6], "--full") == 0) mode = Mode::full;
  if (argc > 6 && std::strcmp(argv[6], "--single") == 0) mode = Mode::single;
  return run(path, n, d, threads, mode);
}
