#pragma once
// BigQuery queries over the REST API (v2), through the shared HTTPS client, with a Google token
// (adapters/identity) for https://www.googleapis.com/auth/bigquery.readonly:
//   jobs.query        POST {endpoint}/bigquery/v2/projects/{project}/queries
//                     {query, useLegacySql:false, parameterMode:"NAMED", queryParameters, maxResults,
//                      timeoutMs, location, maximumBytesBilled, requestId, formatOptions{useInt64Timestamp}}
//   getQueryResults   GET  {endpoint}/bigquery/v2/projects/{project}/queries/{jobId}?location=&pageToken=
//                     &maxResults=&timeoutMs=   — while jobComplete is false, then for each pageToken
// Rows come as {f:[{v:...}]} with every scalar as a string (or null). The query runs in the job
// project (BigQuery Job User there) and reads the table (BigQuery Data Viewer on its dataset).
// requestId makes a retried jobs.query run the query once.
//
// Failures throw http::RemoteError with the permission or object in words: bigquery.jobs.create
// missing (→ BigQuery Job User on the job project), bigquery.tables.getData missing (→ BigQuery
// Data Viewer on the dataset), table not found (or in another location), the query over
// maximumBytesBilled, an unrecognized partition column.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adapters/http/client.hpp"
#include "engine/util/time.hpp"

namespace costbot::identity {
class GoogleCredential;
}

namespace costbot::gcp {

constexpr const char* kBigQueryScope = "https://www.googleapis.com/auth/bigquery.readonly";

struct BigQueryTable {
  std::string project, dataset, table;
  std::string display() const { return "bq://" + project + "." + dataset + "." + table; }
  std::string sql_name() const { return "`" + project + "." + dataset + "." + table + "`"; }
};
// bq://PROJECT.DATASET.TABLE (a project may be "domain.com:name"); names checked against what
// BigQuery allows, so they can be quoted safely into SQL. Throws Error(invalid_input).
BigQueryTable parse_bigquery_url(std::string_view url);

struct QueryParameter {
  std::string name, type, value;  // type: STRING, TIMESTAMP, DATE, INT64
};

struct QueryRequest {
  std::string sql;
  std::vector<QueryParameter> parameters;
  std::string job_project;  // where the job runs (and is billed)
  std::string location;     // the dataset's location ("US", "EU", "europe-west1"); "" = let BigQuery find it
  std::int64_t max_results = 10000;  // rows per page
  std::int64_t maximum_bytes_billed = 0;  // 0 = no limit
  std::string what;         // for messages ("the changed-months query of bq://p.d.t")
};

struct QueryPage {
  std::vector<std::string> fields;                       // top-level column names
  std::vector<std::vector<std::optional<std::string>>> rows;  // scalars as text, null as nullopt
};

struct QueryStats {
  std::string job_id;
  std::int64_t total_rows = 0;
  std::int64_t bytes_processed = 0;
  bool cache_hit = false;
  int pages = 0;
  int calls = 0;
};

class BigQueryClient;

// One running query, read a page at a time (memory: one page).
class QueryCursor {
 public:
  // The next page of rows (possibly empty pages are skipped); false when every row was read.
  bool next_page(QueryPage& page);
  const QueryStats& stats() const { return stats_; }

 private:
  friend class BigQueryClient;
  QueryCursor(BigQueryClient& client, QueryRequest request) : client_(client), request_(std::move(request)) {}

  BigQueryClient& client_;
  QueryRequest request_;
  QueryStats stats_;
  std::string base_url_, location_, page_token_;
  std::vector<std::string> fields_;
  bool started_ = false, done_ = false;
};

class BigQueryClient {
 public:
  BigQueryClient(http::Client& client, identity::GoogleCredential& credential, std::string endpoint = "https://bigquery.googleapis.com");

  QueryCursor start(QueryRequest request) { return QueryCursor(*this, std::move(request)); }
  // Runs the query to the end, handing each page to `on_page`.
  QueryStats run(const QueryRequest& request, const std::function<void(const QueryPage&)>& on_page);
  const std::string& endpoint() const { return endpoint_; }

 private:
  friend class QueryCursor;
  std::string call(const std::string& method, const std::string& url, const std::string& body, const std::string& what);

  http::Client& client_;
  identity::GoogleCredential& credential_;
  std::string endpoint_;
};

}  // namespace costbot::gcp
