#include "adapters/azure/cost_query.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/http/retry_after.hpp"
#include "adapters/http/url.hpp"
#include "adapters/identity/entra.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {
namespace json = boost::json;
namespace {

std::string value_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return fmt::format("{}", v.as_double());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return {};
}

struct ArmError {
  std::string code, message;
};

ArmError arm_error_of(const std::string& body) {
  ArmError e;
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return e;
  auto* error = v.as_object().if_contains("error");
  if (!error || !error->is_object()) return e;
  if (auto* c = error->as_object().if_contains("code"); c && c->is_string()) e.code = std::string(c->as_string());
  if (auto* m = error->as_object().if_contains("message"); m && m->is_string()) e.message = std::string(m->as_string());
  if (e.message.size() > 400) e.message = e.message.substr(0, 400) + "...";
  return e;
}

std::string explain_query_error(const ArmError& e, int status, const std::string& scope) {
  bool billing = scope.find("billingAccounts") != std::string::npos;
  if (status == 403 || e.code == "AuthorizationFailed" || e.code == "RBACAccessDenied")
    return billing ? "the identity may not read costs of this billing account: give it a billing reader role on it "
                     "(EA: Enterprise Administrator (read only); MCA: Billing account reader)"
                   : "the identity lacks Microsoft.CostManagement/query/action on /" + scope +
                         ": assign it the role Cost Management Reader (or Reader) on that scope";
  if (status == 401 || e.code == "InvalidAuthenticationToken" || e.code == "ExpiredAuthenticationToken")
    return "the bearer token was refused (expired, or issued for another cloud's management endpoint)";
  if (e.code == "SubscriptionNotFound") return "the subscription does not exist or is not in this identity's tenant";
  if (e.code == "BillingAccountNotFound" || status == 404) return "the scope /" + scope + " was not found";
  if (e.code == "IndirectCostDisabled") return "cost data is disabled for this scope (EA: enable 'AO view charges' / 'DA view charges')";
  return "";
}

}  // namespace

std::optional<std::chrono::seconds> throttle_wait(const http::Response& response, UnixSeconds now) {
  std::optional<std::chrono::seconds> longest;
  auto consider = [&](std::chrono::seconds s) {
    if (!longest || s > *longest) longest = s;
  };
  for (const auto& [name, value] : response.headers) {
    if (name.starts_with("x-ms-ratelimit-") && name.ends_with("retry-after")) {
      if (auto n = text::parse_int(value); n && *n >= 0) consider(std::chrono::seconds(*n));
    } else if (name == "retry-after") {
      if (auto s = http::parse_retry_after(value, now)) consider(*s);
    }
  }
  return longest;
}

CostQueryClient::CostQueryClient(http::Client& client, identity::EntraCredential& credential, CostQueryOptions options,
                                 const Clock& clock, Sleeper sleeper)
    : client_(client), credential_(credential), options_(std::move(options)), clock_(clock), sleeper_(std::move(sleeper)) {
  while (options_.endpoint.ends_with("/")) options_.endpoint.pop_back();
  while (options_.scope.starts_with("/")) options_.scope.erase(0, 1);
  while (options_.scope.ends_with("/")) options_.scope.pop_back();
}

std::string CostQueryClient::scope_url() const { return options_.endpoint + "/" + options_.scope; }

http::Response CostQueryClient::post(const std::string& url, const std::string& body, CostQueryResult& result) {
  const std::string token_scope = options_.endpoint + "/.default";
  bool refreshed = false;
  for (int throttled = 0;;) {
    http::Request request = http::Request::post_json(url, body);
    request.header("Authorization", "Bearer " + credential_.token(token_scope));
    http::CallOptions call;
    call.max_attempts = 1;  // 429 is handled here, with the service's own wait headers
    ++result.calls;
    ++total_calls_;
    auto response = client_.send(std::move(request), call);
    if (response.ok()) return response;
    if (response.status == 401 && !refreshed) {
      credential_.invalidate(token_scope);
      refreshed = true;
      continue;
    }
    const std::string what = "Cost Management query of " + scope_url();
    if (response.status == 429 || response.status == 503) {
      auto wait = throttle_wait(response, clock_.now()).value_or(std::chrono::seconds(10 << std::min(throttled, 4)));
      if (throttled + 1 >= options_.max_throttled_attempts || wait > options_.max_wait)
        throw http::RemoteError(ErrorKind::too_many_requests,
                                what + ": throttled (HTTP " + std::to_string(response.status) + ", asked to wait " +
                                    std::to_string(wait.count()) + " s after " + std::to_string(throttled + 1) +
                                    " tries); the next run tries again. Cost Management quotas are per tenant: "
                                    "query less often (the data refreshes about every 4 hours)",
                                true, wait, "429");
      ++throttled;
      ++result.throttled;
      spdlog::info("{}: throttled, waiting {} s as asked", what, wait.count());
      sleeper_(wait);
      continue;
    }
    auto e = arm_error_of(response.body);
    std::string message = what + ": HTTP " + std::to_string(response.status) + (e.code.empty() ? "" : " " + e.code);
    auto words = explain_query_error(e, response.status, options_.scope);
    if (!words.empty()) message += ": " + words;
    if (!e.message.empty()) message += " [" + e.message + "]";
    bool retry = response.status >= 500;
    ErrorKind kind = retry ? ErrorKind::unavailable
                     : response.status == 401 ? ErrorKind::unauthorized
                     : response.status == 403 ? ErrorKind::forbidden
                     : response.status == 404 ? ErrorKind::not_found
                                              : ErrorKind::invalid_input;
    throw http::RemoteError(kind, message, retry, response.retry_after, e.code);
  }
}

CostQueryResult CostQueryClient::query_days(Day first, Day last) {
  json::object body{
      {"type", options_.cost_type},
      {"timeframe", "Custom"},
      {"timePeriod", {{"from", format_day(first) + "T00:00:00Z"}, {"to", format_day(last) + "T23:59:59Z"}}},
      {"dataset",
       {{"granularity", "Daily"},
        {"aggregation", {{"totalCost", {{"name", "Cost"}, {"function", "Sum"}}}}},
        {"grouping", json::array{json::object{{"type", "Dimension"}, {"name", "SubscriptionId"}},
                                 json::object{{"type", "Dimension"}, {"name", "ServiceName"}}}}}}};
  const auto text_body = json::serialize(body);
  auto origin = http::parse_url(options_.endpoint).origin();
  std::string url = scope_url() + "/providers/Microsoft.CostManagement/query?api-version=" + options_.api_version;
  CostQueryResult result;
  while (!url.empty()) {
    auto response = post(url, text_body, result);
    ++result.pages;
    boost::system::error_code ec;
    auto v = json::parse(response.body, ec);
    if (response.status == 204 || response.body.empty()) break;  // no data for the period
    const json::object* props = nullptr;
    if (!ec && v.is_object())
      if (auto* p = v.as_object().if_contains("properties"); p && p->is_object()) props = &p->as_object();
    if (!props) throw invalid_input("Cost Management query of " + scope_url() + ": the answer has no properties object");
    if (result.columns.empty())
      if (auto* cols = props->if_contains("columns"); cols && cols->is_array())
        for (const auto& c : cols->as_array())
          if (c.is_object())
            if (auto* n = c.as_object().if_contains("name"); n && n->is_string()) result.columns.push_back(std::string(n->as_string()));
    if (auto* rows = props->if_contains("rows"); rows && rows->is_array())
      for (const auto& row : rows->as_array()) {
        if (!row.is_array()) continue;
        std::vector<std::string> values;
        for (const auto& cell : row.as_array()) values.push_back(value_text(cell));
        result.rows.push_back(std::move(values));
      }
    url.clear();
    if (auto* next = props->if_contains("nextLink"); next && next->is_string() && !next->as_string().empty()) {
      url = std::string(next->as_string());
      // The bearer token only ever goes to the configured endpoint.
      if (http::parse_url(url).origin() != origin)
        throw invalid_input("Cost Management query of " + scope_url() + ": nextLink points to another host (" +
                            http::parse_url(url).origin() + "); refusing to send the token there");
    }
    if (result.pages > 10000) throw invalid_input("Cost Management query of " + scope_url() + ": more than 10000 pages");
  }
  spdlog::info("Cost Management query of {} for {}..{}: {} rows in {} pages, {} calls ({} throttled)", scope_url(),
               format_day(first), format_day(last), result.rows.size(), result.pages, result.calls, result.throttled);
  return result;
}

std::string cost_rows_as_azure_csv(const CostQueryResult& result, const std::string& billing_account,
                                   const std::string& charge_type) {
  auto find = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      for (std::size_t i = 0; i < result.columns.size(); ++i)
        if (text::iequals(result.columns[i], n)) return static_cast<int>(i);
    return -1;
  };
  int cost = find({"Cost", "PreTaxCost", "CostUSD"}), date = find({"UsageDate"}), currency = find({"Currency"});
  int subscription = find({"SubscriptionId"}), service = find({"ServiceName", "MeterCategory"});
  std::vector<std::string> missing;
  if (cost < 0) missing.push_back("Cost");
  if (date < 0) missing.push_back("UsageDate");
  if (currency < 0) missing.push_back("Currency");
  if (!missing.empty() && !result.rows.empty())
    throw invalid_input("the Cost Management answer lacks the column(s) " + text::join(missing, ", "));
  std::string out = "BillingAccountId,BillingPeriodStartDate,Date,CostInBillingCurrency,BillingCurrency,SubscriptionId,MeterCategory,ChargeType\n";
  auto at = [](const std::vector<std::string>& row, int i) { return i >= 0 && i < static_cast<int>(row.size()) ? row[i] : std::string(); };
  for (const auto& row : result.rows) {
    auto d = at(row, date);
    std::string day = d.size() == 8 && d.find_first_not_of("0123456789") == std::string::npos
                          ? d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2)
                          : d.substr(0, 10);
    std::string period = day.size() == 10 ? day.substr(0, 8) + "01" : day;
    for (const auto& [value, last] : std::vector<std::pair<std::string, bool>>{
             {billing_account, false}, {period, false}, {day, false}, {at(row, cost), false}, {at(row, currency), false},
             {at(row, subscription), false}, {at(row, service), false}, {charge_type, true}}) {
      text::append_csv_field(out, value, value.find_first_of(",\"\n") != std::string::npos);
      out += last ? '\n' : ',';
    }
  }
  return out;
}

}  // namespace costbot::azure
