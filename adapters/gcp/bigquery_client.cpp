#include "adapters/gcp/bigquery_client.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/http/form.hpp"
#include "adapters/identity/google.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::gcp {
namespace json = boost::json;
namespace {

bool valid_name(std::string_view s, std::string_view extra) {
  if (s.empty() || s.size() > 1024) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           extra.find(c) != std::string_view::npos;
  });
}

std::string str_member(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_member(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_string()) return text::parse_int(v->as_string()).value_or(0);
  if (v->is_int64()) return v->as_int64();
  return 0;
}

struct GoogleApiError {
  int code = 0;
  std::string message, reason, status;
};

GoogleApiError api_error_of(const std::string& body) {
  GoogleApiError e;
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return e;
  auto* error = v.as_object().if_contains("error");
  if (!error || !error->is_object()) return e;
  const auto& o = error->as_object();
  e.message = str_member(o, "message");
  e.status = str_member(o, "status");
  if (auto* errors = o.if_contains("errors"); errors && errors->is_array() && !errors->as_array().empty() &&
                                              errors->as_array().front().is_object())
    e.reason = str_member(errors->as_array().front().as_object(), "reason");
  if (e.message.size() > 400) e.message = e.message.substr(0, 400) + "...";
  return e;
}

std::string explain_bigquery_error(const GoogleApiError& e, int status) {
  auto m = e.message;
  if (m.find("bigquery.jobs.create") != std::string::npos)
    return "the identity may not run query jobs in this project: grant it BigQuery Job User (roles/bigquery.jobUser) "
           "on the job project (options.job_project)";
  if (m.find("bigquery.tables.getData") != std::string::npos || m.find("bigquery.tables.get ") != std::string::npos)
    return "the identity may not read the billing table: grant it BigQuery Data Viewer (roles/bigquery.dataViewer) "
           "on the billing export dataset";
  if (e.reason == "accessDenied" || status == 403)
    return "access denied: the identity needs BigQuery Data Viewer on the dataset and BigQuery Job User on the job project";
  if (e.reason == "notFound" || status == 404)
    return "not found: check the project, dataset and table names (bq://PROJECT.DATASET.TABLE) and the dataset's "
           "location (options.location)";
  if (m.find("_PARTITIONTIME") != std::string::npos)
    return "the table has no _PARTITIONTIME (it is not ingestion-time partitioned): set options.partition_column to "
           "its partitioning column";
  if (e.reason == "bytesBilledLimitExceeded")
    return "the query would scan more than options.maximum_bytes_billed";
  if (status == 401) return "the Google access token was refused (expired or revoked)";
  if (e.reason == "rateLimitExceeded" || e.reason == "quotaExceeded") return "BigQuery quota or rate limit reached";
  return "";
}

void append_rows(const json::object& answer, QueryPage& page) {
  auto* rows = answer.if_contains("rows");
  if (!rows || !rows->is_array()) return;
  for (const auto& row : rows->as_array()) {
    std::vector<std::optional<std::string>> values;
    if (auto* f = row.is_object() ? row.as_object().if_contains("f") : nullptr; f && f->is_array())
      for (const auto& cell : f->as_array()) {
        const json::value* v = cell.is_object() ? cell.as_object().if_contains("v") : nullptr;
        if (!v || v->is_null()) values.emplace_back(std::nullopt);
        else if (v->is_string()) values.emplace_back(std::string(v->as_string()));
        else values.emplace_back(json::serialize(*v));  // REPEATED / RECORD: kept as JSON text
      }
    page.rows.push_back(std::move(values));
  }
}

std::vector<std::string> field_names(const json::object& answer) {
  std::vector<std::string> out;
  auto* schema = answer.if_contains("schema");
  if (!schema || !schema->is_object()) return out;
  auto* fields = schema->as_object().if_contains("fields");
  if (!fields || !fields->is_array()) return out;
  for (const auto& f : fields->as_array())
    if (f.is_object()) out.push_back(str_member(f.as_object(), "name"));
  return out;
}

}  // namespace

BigQueryTable parse_bigquery_url(std::string_view url) {
  if (!url.starts_with("bq://")) throw invalid_input("\"" + std::string(url.substr(0, 200)) + "\" is not a BigQuery table (bq://PROJECT.DATASET.TABLE)");
  auto rest = url.substr(5);
  auto last = rest.rfind('.');
  auto middle = last == std::string_view::npos ? last : rest.rfind('.', last - 1);
  if (last == std::string_view::npos || middle == std::string_view::npos)
    throw invalid_input("\"" + std::string(url.substr(0, 200)) + "\" does not name PROJECT.DATASET.TABLE");
  BigQueryTable t{std::string(rest.substr(0, middle)), std::string(rest.substr(middle + 1, last - middle - 1)),
                  std::string(rest.substr(last + 1))};
  if (!valid_name(t.project, "-:."))
    throw invalid_input("the BigQuery project \"" + t.project.substr(0, 100) + "\" has characters a project id cannot have");
  if (!valid_name(t.dataset, "")) throw invalid_input("the BigQuery dataset \"" + t.dataset.substr(0, 100) + "\" is not a valid dataset name");
  if (!valid_name(t.table, "-")) throw invalid_input("the BigQuery table \"" + t.table.substr(0, 100) + "\" is not a valid table name");
  return t;
}

BigQueryClient::BigQueryClient(http::Client& client, identity::GoogleCredential& credential, std::string endpoint)
    : client_(client), credential_(credential), endpoint_(std::move(endpoint)) {
  while (endpoint_.ends_with("/")) endpoint_.pop_back();
}

std::string BigQueryClient::call(const std::string& method, const std::string& url, const std::string& body,
                                 const std::string& what) {
  for (int attempt = 0;; ++attempt) {
    http::Request request;
    request.method = method;
    request.url = url;
    if (method == "POST") {
      request.body = body;
      request.content_type = "application/json";
    }
    request.header("Authorization", "Bearer " + credential_.token());
    http::CallOptions options;
    options.idempotency = http::Idempotency::idempotent;  // jobs.query carries a requestId
    auto response = client_.send(std::move(request), options);
    if (response.ok()) return std::move(response.body);
    if (response.status == 401 && attempt == 0) {
      credential_.invalidate();
      continue;
    }
    auto e = api_error_of(response.body);
    std::string message = what + ": HTTP " + std::to_string(response.status) + (e.reason.empty() ? "" : " " + e.reason);
    auto words = explain_bigquery_error(e, response.status);
    if (!words.empty()) message += ": " + words;
    if (!e.message.empty()) message += " [" + e.message + "]";
    bool retry = response.status == 429 || response.status >= 500 || e.reason == "rateLimitExceeded" ||
                 e.reason == "backendError";
    ErrorKind kind = retry ? (response.status == 429 ? ErrorKind::too_many_requests : ErrorKind::unavailable)
                     : response.status == 401 ? ErrorKind::unauthorized
                     : response.status == 403 ? ErrorKind::forbidden
                     : response.status == 404 ? ErrorKind::not_found
                                              : ErrorKind::invalid_input;
    throw http::RemoteError(kind, message, retry, response.retry_after, e.reason);
  }
}

namespace {

json::object parse_answer(const std::string& text, const std::string& what) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) throw invalid_input(what + ": BigQuery's answer is not a JSON object");
  return std::move(v.as_object());
}

}  // namespace

bool QueryCursor::next_page(QueryPage& page) {
  const auto& r = request_;
  while (!done_) {
    json::object answer;
    if (!started_) {
      started_ = true;
      json::array params;
      for (const auto& p : r.parameters)
        params.push_back(json::object{{"name", p.name},
                                      {"parameterType", json::object{{"type", p.type}}},
                                      {"parameterValue", json::object{{"value", p.value}}}});
      json::object body{{"query", r.sql},
                        {"useLegacySql", false},
                        {"parameterMode", "NAMED"},
                        {"queryParameters", params},
                        {"maxResults", r.max_results},
                        {"timeoutMs", 10000},
                        {"requestId", hash::random_hex(16)},
                        {"formatOptions", json::object{{"useInt64Timestamp", true}}}};
      if (!r.location.empty()) body["location"] = r.location;
      if (r.maximum_bytes_billed > 0) body["maximumBytesBilled"] = std::to_string(r.maximum_bytes_billed);
      base_url_ = client_.endpoint_ + "/bigquery/v2/projects/" + r.job_project + "/queries";
      location_ = r.location;
      ++stats_.calls;
      answer = parse_answer(client_.call("POST", base_url_, json::serialize(body), r.what), r.what);
      if (auto* ref = answer.if_contains("jobReference"); ref && ref->is_object()) {
        stats_.job_id = str_member(ref->as_object(), "jobId");
        if (auto l = str_member(ref->as_object(), "location"); !l.empty()) location_ = l;
      }
    } else {
      if (stats_.job_id.empty()) throw invalid_input(r.what + ": BigQuery's answer has no jobReference.jobId");
      if (stats_.calls > 100000) throw http::RemoteError(ErrorKind::unavailable, r.what + ": too many result pages or polls", true);
      http::FormFields query{{"maxResults", std::to_string(r.max_results)}, {"timeoutMs", "10000"}};
      if (!location_.empty()) query.emplace_back("location", location_);
      if (!page_token_.empty()) query.emplace_back("pageToken", page_token_);
      ++stats_.calls;
      answer = parse_answer(client_.call("GET", base_url_ + "/" + stats_.job_id + "?" + http::encode_form(query), "", r.what), r.what);
    }
    auto* complete_flag = answer.if_contains("jobComplete");
    bool complete = !complete_flag || (complete_flag->is_bool() && complete_flag->as_bool());
    if (!complete) continue;  // getQueryResults waits up to timeoutMs on the server for the job
    if (fields_.empty()) fields_ = field_names(answer);
    if (stats_.bytes_processed == 0) stats_.bytes_processed = int_member(answer, "totalBytesProcessed");
    stats_.total_rows = int_member(answer, "totalRows");
    if (auto* hit = answer.if_contains("cacheHit"); hit && hit->is_bool()) stats_.cache_hit = hit->as_bool();
    page_token_ = str_member(answer, "pageToken");
    done_ = page_token_.empty();
    if (done_)
      spdlog::info("{}: BigQuery processed {} bytes ({:.1f} MB{}), {} rows in {} pages, job {}", r.what,
                   stats_.bytes_processed, stats_.bytes_processed / 1e6, stats_.cache_hit ? ", cached" : "",
                   stats_.total_rows, stats_.pages + 1, stats_.job_id);
    page = QueryPage{};
    page.fields = fields_;
    append_rows(answer, page);
    ++stats_.pages;
    if (!page.rows.empty()) return true;
  }
  return false;
}

QueryStats BigQueryClient::run(const QueryRequest& request, const std::function<void(const QueryPage&)>& on_page) {
  auto cursor = start(request);
  QueryPage page;
  while (cursor.next_page(page)) on_page(page);
  return cursor.stats();
}

}  // namespace costbot::gcp
