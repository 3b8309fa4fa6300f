#pragma once
// Builds large FOCUS 1.0 files from the real sample for the crash test and the benchmark: rows in
// chronological order with hourly charge periods over `days` days for `resources` resources, each
// resource keeping one sample row's shape (quoting, NULLs, tags with doubled quotes), with ids and
// amounts varied. Returns the totals of what it wrote, computed from the written text, so a test
// can check an ingest against them.
#include <cstdint>
#include <map>
#include <string>

namespace costbot::testing {

struct FocusGeneratorOptions {
  std::int64_t rows = 100000;
  int days = 90;
  int resources = 3000;
  std::string first_day = "2024-07-01";
  bool gzip = false;
};

struct GeneratedTotals {
  std::int64_t rows = 0;
  double billed = 0;
  double effective = 0;
  std::map<std::string, double> billed_by_provider;
  std::int64_t bytes = 0;
};

GeneratedTotals generate_focus_file(const std::string& sample_path, const std::string& out_path,
                                    const FocusGeneratorOptions& options);

}  // namespace costbot::testing
