#include "tests/support/fake_bigquery.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "adapters/http/form.hpp"
#include "engine/util/strings.hpp"

namespace costbot::testing {
namespace json = boost::json;
namespace {

const std::string kNull = "\x01";

ScriptedResponse google_api_error(int status, const std::string& reason, const std::string& message) {
  json::object error{{"code", status},
                     {"message", message},
                     {"errors", json::array{json::object{{"message", message}, {"domain", "global"}, {"reason", reason}}}},
                     {"status", status == 403 ? "PERMISSION_DENIED" : status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT"}};
  return ScriptedResponse::json(status, json::serialize(json::object{{"error", error}}));
}

std::string money(double v) { return fmt::format("{}", v); }

}  // namespace

FakeBigQuery::FakeBigQuery(FakeGoogleAuth& auth, std::string project, std::string dataset, std::string table)
    : auth_(auth), project_(std::move(project)), dataset_(std::move(dataset)), table_(std::move(table)) {
  server_.otherwise([this](const RecordedRequest& r) {
    const std::string prefix = "/bigquery/v2/projects/";
    if (!r.path.starts_with(prefix)) return google_api_error(404, "notFound", "Not found: URL " + r.path);
    auto rest = r.path.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos) return google_api_error(404, "notFound", "Not found: URL " + r.path);
    auto after = rest.substr(slash + 1);
    if (r.method == "POST" && after == "queries") return query(r);
    if (r.method == "GET" && after.starts_with("queries/")) return results(r, after.substr(8));
    return google_api_error(404, "notFound", "Not found: URL " + r.path);
  });
}

void FakeBigQuery::add_rows(const std::vector<BillingRow>& rows) {
  std::lock_guard lock(mutex_);
  rows_.insert(rows_.end(), rows.begin(), rows.end());
}

void FakeBigQuery::grant(const std::string& identity, bool job_user, bool data_viewer, const std::string& job_project) {
  std::lock_guard lock(mutex_);
  if (job_user) job_users_.insert({identity, job_project.empty() ? project_ : job_project});
  if (data_viewer) data_viewers_.insert(identity);
}

std::vector<ExecutedQuery> FakeBigQuery::executed() const {
  std::lock_guard lock(mutex_);
  return executed_;
}

std::optional<ScriptedResponse> FakeBigQuery::authorize(const RecordedRequest& r, const std::string& job_project,
                                                        std::string& identity) {
  auto check = auth_.check_bearer(r.header("authorization"), "https://www.googleapis.com/auth/bigquery.readonly");
  if (!check)
    return google_api_error(401, "authError", "Request had invalid authentication credentials (" + check.reason + ").");
  identity = check.token->issued_to;
  if (!job_users_.count({identity, job_project}))
    return google_api_error(403, "accessDenied", "Access Denied: Project " + job_project +
                                                     ": User does not have bigquery.jobs.create permission in project " +
                                                     job_project + ".");
  return std::nullopt;
}

ScriptedResponse FakeBigQuery::query(const RecordedRequest& r) {
  auto job_project = r.path.substr(std::string("/bigquery/v2/projects/").size());
  job_project = job_project.substr(0, job_project.find('/'));
  std::lock_guard lock(mutex_);
  std::string identity;
  if (auto refused = authorize(r, job_project, identity)) return *refused;
  boost::system::error_code ec;
  auto parsed = json::parse(r.body, ec);
  if (ec || !parsed.is_object()) return google_api_error(400, "parseError", "Parse error in the request body.");
  const auto& body = parsed.as_object();
  auto sql = body.contains("query") && body.at("query").is_string() ? std::string(body.at("query").as_string()) : "";
  if (!body.contains("useLegacySql") || !body.at("useLegacySql").is_bool() || body.at("useLegacySql").as_bool())
    return google_api_error(400, "invalidQuery", "Legacy SQL: costbot's queries need useLegacySql: false.");
  std::map<std::string, std::string> params;
  if (auto* qp = body.if_contains("queryParameters"); qp && qp->is_array())
    for (const auto& p : qp->as_array()) {
      const auto& o = p.as_object();
      params[std::string(o.at("name").as_string())] = std::string(o.at("parameterValue").at("value").as_string());
    }
  if (!params.empty() && (!body.contains("parameterMode") || body.at("parameterMode").as_string() != "NAMED"))
    return google_api_error(400, "invalid", "Named parameters need parameterMode NAMED.");
  if (auto* loc = body.if_contains("location"); loc && loc->is_string() && loc->as_string() != location)
    return google_api_error(404, "notFound", "Not found: Dataset " + project_ + ":" + dataset_ + " was not found in location " +
                                                 std::string(loc->as_string()));
  auto table_name = "`" + project_ + "." + dataset_ + "." + table_ + "`";
  if (sql.find(table_name) == std::string::npos)
    return google_api_error(404, "notFound", "Not found: Table in the query (only " + table_name + " exists) was not found in location " + location);
  if (!data_viewers_.count(identity))
    return google_api_error(403, "accessDenied", "Access Denied: Table " + project_ + ":" + dataset_ + "." + table_ +
                                                     ": User does not have bigquery.tables.getData permission for table " +
                                                     project_ + ":" + dataset_ + "." + table_ + ".");
  // The table requires a partition filter, as a billing export table may be set up to.
  if (sql.find("_PARTITIONTIME >= TIMESTAMP(@partition_from)") == std::string::npos || !params.count("partition_from"))
    return google_api_error(400, "invalidQuery",
                            "Cannot query over table '" + project_ + "." + dataset_ + "." + table_ +
                                "' without a filter over column(s) '_PARTITIONTIME' that can be used for partition elimination");

  ExecutedQuery executed;
  executed.sql = sql;
  executed.parameters = params;
  executed.job_project = job_project;
  executed.location = body.contains("location") ? std::string(body.at("location").as_string()) : "";
  const auto from = params["partition_from"];
  Job job;
  std::int64_t scanned = 0;
  for (const auto& row : rows_)
    if (row.partition_day >= from) ++scanned;
  job.bytes = scanned * bytes_per_row;
  if (sql.find("MAX(export_time)") != std::string::npos) {
    executed.kind = "changed_months";
    auto since = text::parse_int(params["since_us"]).value_or(0);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> months;  // month → (max export, count)
    for (const auto& row : rows_)
      if (row.partition_day >= from && row.export_time_us > since) {
        auto& m = months[row.invoice_month];
        m.first = std::max(m.first, row.export_time_us);
        ++m.second;
      }
    job.fields = {"invoice_month", "max_export_time", "row_count"};
    for (const auto& [month, m] : months) job.rows.push_back({month, std::to_string(m.first), std::to_string(m.second)});
  } else if (sql.find("WHERE invoice.month = @invoice_month") != std::string::npos) {
    executed.kind = "month";
    bool detailed = sql.find("resource.name") != std::string::npos;
    job.fields = {"billing_account_id", "usage_start_time", "invoice_month", "cost_type", "currency", "service_description",
                  "sku_id", "sku_description", "project_id", "project_name", "location_region"};
    if (detailed) {
      job.fields.push_back("resource_name");
      job.fields.push_back("resource_global_name");
    }
    for (const char* f : {"usage_unit", "labels", "cost", "credits_amount", "usage_amount"}) job.fields.push_back(f);
    std::map<std::vector<std::string>, std::tuple<double, double, double>> groups;
    for (const auto& row : rows_) {
      if (row.partition_day < from || row.invoice_month != params["invoice_month"]) continue;
      std::vector<std::string> key{row.billing_account_id, row.usage_day, row.invoice_month, row.cost_type, row.currency, row.service,
                                   row.sku_id, row.sku_description, row.project_id, row.project_name, row.region};
      if (detailed) {
        key.push_back(row.resource_name.empty() ? kNull : row.resource_name);
        key.push_back(row.resource_global_name.empty() ? kNull : row.resource_global_name);
      }
      key.push_back(row.usage_unit);
      key.push_back(row.labels_json);
      auto& g = groups[key];
      std::get<0>(g) += row.cost;
      std::get<1>(g) += row.credits;
      std::get<2>(g) += row.usage_amount;
    }
    for (auto& [key, sums] : groups) {
      auto out = key;
      out.push_back(money(std::get<0>(sums)));
      out.push_back(money(std::get<1>(sums)));
      out.push_back(money(std::get<2>(sums)));
      job.rows.push_back(std::move(out));
    }
  } else {
    return google_api_error(400, "invalidQuery", "The fake recognizes only costbot's billing export queries.");
  }
  if (auto* limit = body.if_contains("maximumBytesBilled"); limit && limit->is_string()) {
    auto max = text::parse_int(limit->as_string()).value_or(0);
    if (max > 0 && job.bytes > max)
      return google_api_error(400, "bytesBilledLimitExceeded",
                              "Query exceeded limit for bytes billed: " + std::to_string(max) + ". " + std::to_string(job.bytes) +
                                  " or higher required.");
  }
  executed.bytes_processed = job.bytes;
  executed.rows_returned = job.rows.size();
  executed_.push_back(executed);
  job.incomplete_left = incomplete_answers;
  auto job_id = "job_" + std::to_string(next_job_++);
  std::size_t max_results = 10000;
  if (auto* m = body.if_contains("maxResults"); m && m->is_int64()) max_results = static_cast<std::size_t>(m->as_int64());
  auto& stored = jobs_[job_id] = std::move(job);
  if (stored.incomplete_left > 0) {
    --stored.incomplete_left;
    json::object answer{{"kind", "bigquery#queryResponse"},
                        {"jobReference", json::object{{"projectId", job_project}, {"jobId", job_id}, {"location", location}}},
                        {"jobComplete", false}};
    return ScriptedResponse::json(200, json::serialize(answer));
  }
  return page_of(job_id, stored, 0, max_results);
}

ScriptedResponse FakeBigQuery::results(const RecordedRequest& r, const std::string& job_id) {
  auto job_project = r.path.substr(std::string("/bigquery/v2/projects/").size());
  job_project = job_project.substr(0, job_project.find('/'));
  std::lock_guard lock(mutex_);
  std::string identity;
  if (auto refused = authorize(r, job_project, identity)) return *refused;
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return google_api_error(404, "notFound", "Not found: Job " + job_project + ":" + job_id);
  if (r.query("location") != location)
    return google_api_error(404, "notFound", "Not found: Job " + job_project + ":" + job_id + " (wrong location)");
  if (it->second.incomplete_left > 0) {
    --it->second.incomplete_left;
    json::object answer{{"kind", "bigquery#getQueryResultsResponse"},
                        {"jobReference", json::object{{"projectId", job_project}, {"jobId", job_id}, {"location", location}}},
                        {"jobComplete", false}};
    return ScriptedResponse::json(200, json::serialize(answer));
  }
  std::size_t offset = 0;
  if (auto token = r.query("pageToken"); !token.empty()) {
    if (!token.starts_with("tok-")) return google_api_error(400, "invalid", "Invalid page token.");
    offset = static_cast<std::size_t>(text::parse_int(token.substr(4)).value_or(0));
  }
  auto max_results = static_cast<std::size_t>(text::parse_int(r.query("maxResults")).value_or(10000));
  return page_of(job_id, it->second, offset, max_results);
}

ScriptedResponse FakeBigQuery::page_of(const std::string& job_id, Job& job, std::size_t offset, std::size_t max_results) {
  json::array fields;
  for (const auto& f : job.fields) fields.push_back(json::object{{"name", f}, {"type", "STRING"}, {"mode", "NULLABLE"}});
  json::array rows;
  std::size_t end = std::min(job.rows.size(), offset + std::max<std::size_t>(max_results, 1));
  for (std::size_t i = offset; i < end; ++i) {
    json::array cells;
    for (const auto& v : job.rows[i]) cells.push_back(v == kNull ? json::object{{"v", nullptr}} : json::object{{"v", v}});
    rows.push_back(json::object{{"f", cells}});
  }
  json::object answer{{"kind", "bigquery#queryResponse"},
                      {"schema", json::object{{"fields", fields}}},
                      {"jobReference", json::object{{"projectId", project_}, {"jobId", job_id}, {"location", location}}},
                      {"totalRows", std::to_string(job.rows.size())},
                      {"rows", rows},
                      {"totalBytesProcessed", std::to_string(job.bytes)},
                      {"jobComplete", true},
                      {"cacheHit", false}};
  if (end < job.rows.size()) answer["pageToken"] = "tok-" + std::to_string(end);
  return ScriptedResponse::json(200, json::serialize(answer));
}

}  // namespace costbot::testing
