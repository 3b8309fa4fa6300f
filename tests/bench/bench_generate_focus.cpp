// Writes a large FOCUS 1.0 file built from the bundled sample (see tests/support/focus_generator.hpp)
// and prints what it wrote. Used by ingest_bench.sh.
//   bench_generate_focus OUT.csv ROWS [DAYS] [RESOURCES]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/focus_generator.hpp"
#include "tests/support/test_support.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.csv ROWS [DAYS] [RESOURCES]\n", argv[0]);
    return 2;
  }
  costbot::testing::FocusGeneratorOptions options;
  options.rows = std::atoll(argv[2]);
  if (argc > 3) options.days = std::atoi(argv[3]);
  if (argc > 4) options.resources = std::atoi(argv[4]);
  std::string out = argv[1];
  options.gzip = out.size() > 3 && out.compare(out.size() - 3, 3, ".gz") == 0;
  auto totals = costbot::testing::generate_focus_file(
      costbot::testing::source_path("tests/fixtures/focus/focus_sample.csv"), out, options);
  std::printf("rows=%lld bytes=%lld billed=%.6f effective=%.6f\n", static_cast<long long>(totals.rows),
              static_cast<long long>(totals.bytes), totals.billed, totals.effective);
  return 0;
}
