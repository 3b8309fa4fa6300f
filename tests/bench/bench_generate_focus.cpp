// Writes a large FOCUS 1.0 file for the benchmarks, built from the bundled sample.
//   bench_generate_focus OUT.csv[.gz] ROWS [DAYS] [RESOURCES]
//       the plain generator (tests/support/focus_generator.hpp): hourly rows cycling through
//       RESOURCES resources (few keys: rows collapse);
//   bench_generate_focus --shape high-cardinality|hourly [--rows N] [--days D] [--resources R]
//       [--first-day YYYY-MM-DD] [--yearly-spend USD] [--seed S] [--month YYYY-MM] OUT.csv[.gz]
//       a realistic estate (tests/support/estate_generator.hpp).
// Prints what it wrote: rows, bytes, billed and effective totals (and for an estate, the distinct
// resource-day-SKU keys and resources).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/estate_generator.hpp"
#include "tests/support/focus_generator.hpp"
#include "tests/support/test_support.hpp"

namespace {
bool gz(const std::string& out) { return out.size() > 3 && out.compare(out.size() - 3, 3, ".gz") == 0; }
}  // namespace

int main(int argc, char** argv) {
  const std::string sample = costbot::testing::source_path("tests/fixtures/focus/focus_sample.csv");
  if (argc > 1 && std::strncmp(argv[1], "--", 2) == 0) {
    costbot::testing::EstateOptions o;
    std::string out;
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) {
          std::fprintf(stderr, "%s needs a value\n", a.c_str());
          std::exit(2);
        }
        return argv[++i];
      };
      if (a == "--shape") {
        auto s = value();
        if (s == "high-cardinality") o.shape = costbot::testing::EstateShape::high_cardinality;
        else if (s == "hourly") o.shape = costbot::testing::EstateShape::hourly;
        else {
          std::fprintf(stderr, "--shape: high-cardinality or hourly\n");
          return 2;
        }
      } else if (a == "--rows") o.rows = std::atoll(value().c_str());
      else if (a == "--days") o.days = std::atoi(value().c_str());
      else if (a == "--resources") o.resources = std::atoi(value().c_str());
      else if (a == "--first-day") o.first_day = value();
      else if (a == "--yearly-spend") o.yearly_spend = std::atof(value().c_str());
      else if (a == "--seed") o.seed = std::strtoull(value().c_str(), nullptr, 10);
      else if (a == "--month") o.only_month = value();
      else if (a.starts_with("--")) {
        std::fprintf(stderr, "unknown option %s\n", a.c_str());
        return 2;
      } else out = a;
    }
    if (out.empty()) {
      std::fprintf(stderr, "usage: %s --shape high-cardinality|hourly [options] OUT.csv\n", argv[0]);
      return 2;
    }
    o.gzip = gz(out);
    auto t = costbot::testing::generate_estate(sample, out, o);
    std::printf("rows=%lld bytes=%lld billed=%.6f effective=%.6f keys=%lld resources=%lld\n", static_cast<long long>(t.rows),
                static_cast<long long>(t.bytes), t.billed, t.effective, static_cast<long long>(t.resource_day_sku_keys),
                static_cast<long long>(t.resources_seen));
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.csv ROWS [DAYS] [RESOURCES]  |  %s --shape ... OUT.csv\n", argv[0], argv[0]);
    return 2;
  }
  costbot::testing::FocusGeneratorOptions options;
  options.rows = std::atoll(argv[2]);
  if (argc > 3) options.days = std::atoi(argv[3]);
  if (argc > 4) options.resources = std::atoi(argv[4]);
  std::string out = argv[1];
  options.gzip = gz(out);
  auto totals = costbot::testing::generate_focus_file(sample, out, options);
  std::printf("rows=%lld bytes=%lld billed=%.6f effective=%.6f\n", static_cast<long long>(totals.rows),
              static_cast<long long>(totals.bytes), totals.billed, totals.effective);
  return 0;
}
