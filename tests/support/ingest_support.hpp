#pragma once
// Helpers for ingestion tests: a database + config + clock fixture, a snapshot of everything
// ingestion writes (to show a failed run changed nothing), small FOCUS files, and gzip.
#include <map>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {

// Everything ingestion writes, summarized: comparable with ==.
struct StoreSnapshot {
  std::vector<std::string> cost_rows;  // every cost_daily row (all columns), sorted
  std::vector<std::string> resources;
  std::vector<std::string> scopes;
  long long quarantine = 0;
  long long usage_metrics = 0;
  bool operator==(const StoreSnapshot&) const = default;
};
StoreSnapshot snapshot(storage::Database& db);

// Sum of billed / effective cost in the store, optionally for one value of a dimension column.
double billed_total(storage::Database& db, const std::string& where = "1=1");
double effective_total(storage::Database& db, const std::string& where = "1=1");

struct IngestFixture {
  IngestFixture();
  ingest::FileResult ingest(ingest::SourceType type, const std::string& path, bool force = false);

  TempDir dir;
  config::Config config;
  storage::Database db;
  ManualClock clock;
};

// One row of a small FOCUS file; BillingPeriodStart is the month of `start`.
struct FocusRow {
  std::string billed = "1";
  std::string effective = "1";
  std::string start = "2024-09-01T00:00:00Z";
  std::string provider = "AWS";
  std::string account = "acct-1";
  std::string service = "Amazon Simple Storage Service";
  std::string resource = {};
  std::string tags = {};  // JSON, written quoted with doubled quotes
  std::string currency = "USD";
};
// A FOCUS CSV (header + rows), each field quoted as FOCUS exports do.
std::string focus_csv(const std::vector<FocusRow>& rows);

std::string gzip_bytes(const std::string& data);

}  // namespace costbot::testing
