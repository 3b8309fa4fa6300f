// Writes labelled daily cost series (tests/support/daily_cost_generator.hpp) as a NAB-shaped
// corpus, so `costbot detect-series` and any baseline can be run over it and scored by
// nab_score.py exactly as the public NAB files are:
//   bench_daily_corpus OUT_DIR tuning|report [COUNT]
//     OUT_DIR/data/daily_cost/case_<seed>.csv         timestamp,value (one row a day)
//     OUT_DIR/labels/combined_windows.json            NAB's label format
//     OUT_DIR/labels/kinds.json                       {file: [kind of each window, in order]}
// "tuning" uses the seeds set aside for tuning, "report" the ones every reported figure comes from.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/daily_cost_generator.hpp"

using namespace costbot;

int main(int argc, char** argv) {
  if (argc < 3 || (std::string(argv[2]) != "tuning" && std::string(argv[2]) != "report")) {
    std::fprintf(stderr, "usage: %s OUT_DIR tuning|report [COUNT]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const std::uint64_t base = std::string(argv[2]) == "tuning" ? testing::kTuningSeedBase : testing::kReportSeedBase;
  const int count = argc > 3 ? std::atoi(argv[3]) : 300;
  std::filesystem::create_directories(out / "data" / "daily_cost");
  std::filesystem::create_directories(out / "labels");
  std::ofstream labels(out / "labels" / "combined_windows.json"), kinds(out / "labels" / "kinds.json");
  labels << "{\n";
  kinds << "{\n";
  int windows = 0;
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(k);
    const auto c = testing::daily_cost_case(seed);
    const std::string name = fmt::format("daily_cost/case_{:07d}.csv", seed);
    std::ofstream data(out / "data" / name);
    data << "timestamp,value\n";
    for (std::size_t i = 0; i < c.values.size(); ++i)
      data << format_day(c.first_day + std::chrono::days{static_cast<int>(i)}) << " 00:00:00," << fmt::format("{:.2f}", c.values[i]) << "\n";
    std::string spans, names;
    for (const auto& a : c.anomalies) {
      auto ts = [&](int day) { return format_day(c.first_day + std::chrono::days{day}) + " 00:00:00.000000"; };
      spans += fmt::format("{}[\"{}\", \"{}\"]", spans.empty() ? "" : ", ", ts(a.window_start), ts(a.window_end));
      names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", a.kind);
      ++windows;
    }
    const char* sep = k + 1 < count ? "," : "";
    labels << fmt::format("  \"{}\": [{}]{}\n", name, spans, sep);
    kinds << fmt::format("  \"{}\": [{}]{}\n", name, names, sep);
  }
  labels << "}\n";
  kinds << "}\n";
  std::printf("%d series, %d anomaly windows in %s\n", count, windows, out.c_str());
  return labels && kinds ? 0 : 1;
}
