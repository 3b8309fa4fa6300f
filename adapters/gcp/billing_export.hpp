#pragma once
// The Cloud Billing export to BigQuery (standard table gcp_billing_export_v1_<ACCOUNT>, detailed
// table gcp_billing_export_resource_v1_<ACCOUNT>) read incrementally:
//
//   1. changed months — one small query per run:
//        SELECT invoice.month, MAX(export_time), COUNT(*) FROM T
//        WHERE _PARTITIONTIME >= TIMESTAMP(@partition_from)      -- prunes old partitions
//          AND export_time > TIMESTAMP_MICROS(@since_us)          -- the watermark
//        GROUP BY 1
//      @partition_from is the watermark's day minus lookback_days (rows for old days keep arriving:
//      credits, adjustments, the export's own catch-up of up to 5 days), or, on the first run, the
//      first day of the oldest month wanted. So a run scans only the partitions written since the
//      last one, and the bytes it processed are logged.
//   2. each changed month, whole, aggregated per day in BigQuery (fewer rows over the wire):
//        SELECT billing_account_id, DATE(usage_start_time), invoice.month, cost_type, currency,
//               service, sku, project, region, [resource,] usage unit, labels (JSON),
//               SUM(cost), SUM(credits), SUM(usage.amount)
//        FROM T WHERE invoice.month = @invoice_month AND _PARTITIONTIME >= TIMESTAMP(@partition_from)
//        GROUP BY ...
//      streamed page by page as the CSV the `gcp` reader reads; the month replaces what was stored
//      for it (late rows change the month, so the month is the unit that is replaced).
// The version of a month is its MAX(export_time) (µs); the highest version is the next watermark.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/gcp/bigquery_client.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/util/time.hpp"

namespace costbot::gcp {

struct BillingExportOptions {
  BigQueryTable table;
  std::string job_project;          // default: the table's project
  std::string location;             // the dataset's location; "" = BigQuery finds it
  std::string partition_column = "_PARTITIONTIME";
  int lookback_days = 5;
  int history_months = 3;           // the first run reads the current month and the ones before it
  std::int64_t maximum_bytes_billed = 0;
  std::int64_t page_rows = 10000;
  bool detailed = false;            // resource columns (set from the table name by default)
};

struct ChangedMonth {
  std::string invoice_month;  // "202406"
  std::string period;         // "2024-06"
  std::string version;        // MAX(export_time) in µs since the epoch, as text
  std::int64_t rows = 0;      // rows exported since the watermark
};

struct ChangeScan {
  std::vector<ChangedMonth> months;  // oldest first
  QueryStats stats;
  std::string partition_from;        // the partition filter's lower bound (YYYY-MM-DD)
};

// The options for a table: detailed when its name is gcp_billing_export_resource_v1_*; the job
// project defaults to the table's. Throws Error(invalid_input) for a partition column BigQuery
// could not name.
BillingExportOptions billing_export_options(BigQueryTable table);

class BillingExport {
 public:
  BillingExport(BigQueryClient& client, BillingExportOptions options, const Clock& clock);

  // Months with rows exported after `watermark_us` (0: the first run, history_months back).
  ChangeScan changed_months(std::int64_t watermark_us);
  // The first month a scan from no watermark reads (a backfill); nullopt: history_months back.
  void set_history_from(std::optional<Day> first) { history_from_ = first; }
  // A month's rows as gcp CSV, streamed from the query's pages as the reader asks for bytes.
  std::unique_ptr<ingest::ByteSource> month_csv(const std::string& invoice_month);

  std::string changed_months_sql() const;
  std::string month_sql() const;
  const BillingExportOptions& options() const { return options_; }
  // The last month query's statistics (after its source was read to the end).
  const QueryStats& last_month_stats() const { return *last_month_stats_; }

 private:
  BigQueryClient& client_;
  BillingExportOptions options_;
  const Clock& clock_;
  std::shared_ptr<QueryStats> last_month_stats_ = std::make_shared<QueryStats>();
  std::optional<Day> history_from_;
};

// The greatest version among `versions` as a watermark (0 when none parses).
std::int64_t watermark_of(const std::vector<std::string>& versions);

}  // namespace costbot::gcp
