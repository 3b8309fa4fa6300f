// Cost of recording metrics on the hot path, and of rendering /metrics.
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOSTBOT_BENCH=ON
//   cmake --build build-bench --target bench_metrics && build-bench/tests/bench/bench_metrics
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bot/metrics/registry.hpp"
#include "bot/metrics/service_metrics.hpp"

using namespace costbot::metrics;
using Clock = std::chrono::steady_clock;

namespace {

template <class F>
double ns_per_op(int threads, long per_thread, F&& op) {
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (long i = 0; i < per_thread; ++i) op(t, i);
    });
  for (auto& th : pool) th.join();
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  return ns / (static_cast<double>(per_thread) * threads);
}

}  // namespace

int main() {
  Registry registry;
  ServiceMetrics m(registry);
  static const char* routes[] = {"/slack/commands", "/slack/events", "/slack/interactions", "/teams/messages",
                                 "/healthz", "/metrics", "/charts/{id}.png", "/api/v1/costs"};
  static const int statuses[] = {200, 200, 200, 401, 404, 500};
  constexpr long kOps = 2'000'000;
  auto& cached = m.http_requests.labels({"/healthz", "GET", "200"});

  std::printf("%-48s %10s %10s\n", "operation", "1 thread", "2 threads");
  for (auto [name, fn] : std::initializer_list<std::pair<const char*, std::function<void(int, long)>>>{
           {"Counter::inc on a held child", [&](int, long) { cached.inc(); }},
           {"Family::labels + inc (3 labels, existing child)",
            [&](int, long i) { m.http_requests.labels({routes[i & 7], "POST", "200"}).inc(); }},
           {"Family::labels + Histogram::observe",
            [&](int, long i) { m.http_request_duration.labels({"/healthz"}).observe(0.0001 * (i & 1023)); }},
           {"ServiceMetrics::record_request (count + latency)",
            [&](int, long i) { m.record_request(routes[i & 7], "POST", statuses[i % 6], 0.0001 * (i & 1023)); }},
       }) {
    double one = ns_per_op(1, kOps, fn);
    double two = ns_per_op(2, kOps / 2, fn);
    std::printf("%-48s %8.1f ns %8.1f ns\n", name, one, two);
  }

  auto start = Clock::now();
  std::string text;
  constexpr int kRenders = 200;
  for (int i = 0; i < kRenders; ++i) text = registry.render();
  double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / kRenders;
  std::printf("render(): %.1f us for %zu bytes (%d routes x 6 statuses, histograms per route)\n", us, text.size(), 8);
  return 0;
}
