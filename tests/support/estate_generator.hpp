#pragma once
// A billing estate for benchmarks, built from the real FOCUS sample's rows but shaped like a real
// export, so that ingestion and query numbers hold on data nobody tuned for:
//   - resources come and go (a share live through the whole range, the rest for days or weeks),
//     each billed through one to four SKU lines of its service (compute hours, storage, transfer),
//     each keeping its template row's shape (quoting, NULLs, provider, service, region), all
//     under the ResourceId of the first;
//   - accounts: the sample's sub-accounts, each split into several (same provider);
//   - tags: a team, an environment and an application per resource; some resources untagged,
//     some re-tagged to another team half-way;
//   - amounts: a heavy-tailed cost per resource (lognormal), a weekly cycle, noise, discounts
//     per resource (effective < billed), a few credits; scaled to a yearly spend.
// Two shapes:
//   - high_cardinality: about rows/days line items a day, each an alive (resource, SKU line) drawn
//     at random, at a random hour: most rows are their own resource-day-SKU key;
//   - hourly: (resource, SKU line) pairs billed hourly, 24 line items per resource-day (CUR-like).
// Rows are written day by day, in random order within a day. Deterministic for a seed.
#include <cstdint>
#include <string>

namespace costbot::testing {

enum class EstateShape { high_cardinality, hourly };

struct EstateOptions {
  EstateShape shape = EstateShape::high_cardinality;
  std::int64_t rows = 1000000;
  int days = 90;
  int resources = 40000;
  std::string first_day = "2024-07-01";
  double yearly_spend = 100e6;  // amounts are scaled so the rows cost about this much a year
  std::uint64_t seed = 1;
  bool gzip = false;
  // Write only the days of the range that fall in this calendar month ("2024-08"; empty = all),
  // as a monthly export does; the estate (and the numbers) are the same whichever month is asked.
  std::string only_month;
};

struct EstateTotals {
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
  double billed = 0;
  double effective = 0;
  std::int64_t resource_day_sku_keys = 0;  // distinct (resource, SKU line, day)
  std::int64_t resources_seen = 0;
};

EstateTotals generate_estate(const std::string& sample_path, const std::string& out_path, const EstateOptions& options);

}  // namespace costbot::testing
