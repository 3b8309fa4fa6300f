#pragma once
// A loopback stand-in for BigQuery's jobs.query / getQueryResults over a Cloud Billing export
// table, checking what BigQuery checks for these calls:
//   - the bearer token (issued by FakeGoogleAuth, with a BigQuery-capable scope, not expired);
//   - IAM: bigquery.jobs.create on the job project (BigQuery Job User) and bigquery.tables.getData
//     on the table (BigQuery Data Viewer), per identity, with BigQuery's error texts;
//   - standard SQL (useLegacySql false), named parameters, the table name, and — the table being
//     created with require_partition_filter — a filter on _PARTITIONTIME in the query;
//   - maximumBytesBilled.
// It cannot run arbitrary SQL: it recognizes costbot's two billing-export queries (changed months,
// one month aggregated per day) and evaluates them over its rows with the query's parameters.
// Bytes processed are modelled as rows in the scanned partitions × bytes_per_row, so a test can
// see partition pruning. Results come in pages (maxResults, pageToken), and the first answers can
// be jobComplete:false so getQueryResults has to be polled.
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/fake_http_server.hpp"
#include "tests/support/fake_identity.hpp"

namespace costbot::testing {

struct BillingRow {
  std::string billing_account_id = "01A2B3-C4D5E6-F7A8B9";
  std::string usage_day;      // "2024-06-03" (UTC)
  std::string invoice_month;  // "202406"
  std::string cost_type = "regular";
  std::string currency = "USD";
  std::string service = "Compute Engine", sku_id = "CP-1", sku_description = "N2 Instance Core";
  std::string project_id = "acme-prod", project_name = "Acme Prod";
  std::string region = "us-central1";
  std::string resource_name, resource_global_name;
  std::string usage_unit = "seconds";
  std::string labels_json = "[]";
  double cost = 0, credits = 0, usage_amount = 0;
  std::int64_t export_time_us = 0;
  std::string partition_day;  // the row's _PARTITIONTIME day
};

struct ExecutedQuery {
  std::string kind;  // "changed_months" or "month"
  std::string sql;
  std::map<std::string, std::string> parameters;
  std::int64_t bytes_processed = 0;
  std::size_t rows_returned = 0;
  std::string job_project;
  std::string location;
};

class FakeBigQuery {
 public:
  FakeBigQuery(FakeGoogleAuth& auth, std::string project, std::string dataset, std::string table);

  void add_rows(const std::vector<BillingRow>& rows);
  // Who may do what: bigquery.jobs.create on `job_project`, bigquery.tables.getData on the table.
  void grant(const std::string& identity, bool job_user, bool data_viewer, const std::string& job_project = "");

  std::string endpoint() const { return server_.url(); }
  std::vector<ExecutedQuery> executed() const;
  FakeHttpServer& server() { return server_; }

  int incomplete_answers = 1;     // each job answers jobComplete:false this many times first
  std::int64_t bytes_per_row = 250;
  std::string location = "US";

 private:
  struct Job {
    std::vector<std::string> fields;
    std::vector<std::vector<std::string>> rows;  // "\x01" marks null
    std::int64_t bytes = 0;
    int incomplete_left = 0;
  };
  ScriptedResponse query(const RecordedRequest& r);
  ScriptedResponse results(const RecordedRequest& r, const std::string& job_id);
  ScriptedResponse page_of(const std::string& job_id, Job& job, std::size_t offset, std::size_t max_results);
  std::optional<ScriptedResponse> authorize(const RecordedRequest& r, const std::string& job_project, std::string& identity);

  FakeGoogleAuth& auth_;
  std::string project_, dataset_, table_;
  FakeHttpServer server_;
  mutable std::mutex mutex_;
  std::vector<BillingRow> rows_;
  std::set<std::pair<std::string, std::string>> job_users_;  // (identity, project)
  std::set<std::string> data_viewers_;
  std::map<std::string, Job> jobs_;
  std::vector<ExecutedQuery> executed_;
  int next_job_ = 1;
};

}  // namespace costbot::testing
