#include "adapters/aws/cost_explorer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <thread>

#include "adapters/aws/aws_config.hpp"
#include "adapters/aws/location_credentials.hpp"
#include "adapters/aws/aws_errors.hpp"
#include "adapters/aws/sigv4.hpp"
#include "adapters/http/retry_after.hpp"
#include "adapters/http/url.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

namespace json = boost::json;
using ingest::RemoteSourceError;

const json::object& ce_object(const json::value& v, const char* what) {
  if (!v.is_object()) throw invalid_input(std::string("Cost Explorer answer: ") + what + " is not an object");
  return v.as_object();
}

std::string ce_string(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

double ce_amount(const json::object& metrics, const char* name, std::string& unit) {
  auto* m = metrics.if_contains(name);
  if (!m) return 0;
  const auto& o = ce_object(*m, name);
  std::string amount = ce_string(o, "Amount");
  if (unit.empty()) unit = ce_string(o, "Unit");
  auto value = text::parse_double(amount);
  if (!value) throw invalid_input(std::string("Cost Explorer answer: ") + name + " amount \"" + amount + "\" is not a number");
  return *value;
}

// A FOCUS CSV field (quoted when it holds a comma, quote or line break).
std::string ce_csv_field(std::string_view v) {
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ce_json_string(std::string_view v) { return json::serialize(json::value(json::string(v))); }

// "YYYY-MM-DD" of a day count since the epoch.
std::string ce_day(Day d) { return format_day(d); }

}  // namespace

CostExplorerPage parse_cost_and_usage(std::string_view text) {
  boost::system::error_code ec;
  auto root = json::parse(text, ec);
  if (ec) throw invalid_input("Cost Explorer answer is not JSON: " + ec.message());
  const auto& o = ce_object(root, "the answer");
  CostExplorerPage page;
  page.next_token = ce_string(o, "NextPageToken");
  auto* results = o.if_contains("ResultsByTime");
  if (!results) return page;
  if (!results->is_array()) throw invalid_input("Cost Explorer answer: ResultsByTime is not a list");
  for (const auto& r : results->as_array()) {
    const auto& result = ce_object(r, "a ResultsByTime entry");
    auto* period = result.if_contains("TimePeriod");
    if (!period) throw invalid_input("Cost Explorer answer: a result has no TimePeriod");
    std::string day = ce_string(ce_object(*period, "TimePeriod"), "Start");
    if (!parse_day(day)) throw invalid_input("Cost Explorer answer: TimePeriod.Start \"" + day + "\" is not a date");
    bool estimated = false;
    if (auto* e = result.if_contains("Estimated"); e && e->is_bool()) estimated = e->as_bool();
    auto* groups = result.if_contains("Groups");
    if (!groups) continue;
    if (!groups->is_array()) throw invalid_input("Cost Explorer answer: Groups is not a list");
    for (const auto& g : groups->as_array()) {
      const auto& group = ce_object(g, "a group");
      CostExplorerGroup out;
      out.day = day;
      out.estimated = estimated;
      if (auto* keys = group.if_contains("Keys"); keys && keys->is_array())
        for (const auto& k : keys->as_array())
          if (k.is_string()) out.keys.emplace_back(k.as_string());
      auto* metrics = group.if_contains("Metrics");
      if (!metrics) throw invalid_input("Cost Explorer answer: a group has no Metrics");
      const auto& m = ce_object(*metrics, "Metrics");
      out.unblended = ce_amount(m, "UnblendedCost", out.currency);
      out.amortized = ce_amount(m, "AmortizedCost", out.currency);
      page.groups.push_back(std::move(out));
    }
  }
  return page;
}

std::string cost_explorer_service_name(std::string_view name) {
  static const std::map<std::string_view, std::string_view> renamed = {
      {"Amazon Elastic Compute Cloud - Compute", "Amazon Elastic Compute Cloud"},
      {"EC2 - Other", "Amazon Elastic Compute Cloud"},
      {"Amazon Elastic Load Balancing", "Elastic Load Balancing"},
      {"Amazon Elastic Container Service for Kubernetes", "Amazon Elastic Kubernetes Service"},
      {"Amazon EC2 Container Service", "Amazon Elastic Container Service"},
  };
  auto it = renamed.find(name);
  return std::string(it == renamed.end() ? name : it->second);
}

CostExplorerClient::CostExplorerClient(http::Client& client, std::shared_ptr<CredentialProvider> credentials,
                                       const Clock& clock, CostExplorerOptions options)
    : client_(client), credentials_(std::move(credentials)), clock_(clock), options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::string CostExplorerClient::call(const std::string& operation, const std::string& body) {
  const std::string target = "AWSInsightsIndexService." + operation;
  const AwsCallContext context{"Cost Explorer " + operation, "ce:" + operation, ""};
  auto url = http::parse_url(options_.endpoint);
  const bool default_port = (url.tls() && url.port == "443") || (!url.tls() && url.port == "80");
  const std::string host = default_port ? url.host : url.host + ":" + url.port;
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    if (remaining_ >= 0 && calls_ >= remaining_)
      throw RemoteSourceError(ErrorKind::too_many_requests, "Cost Explorer: " + cap_reason_, false);
    http::Request req;
    req.method = "POST";
    req.url = options_.endpoint;
    req.body = body;
    req.content_type = "application/x-amz-json-1.1";
    req.header("X-Amz-Target", target);
    SigningRequest sr{"POST", host, url.target.substr(0, url.target.find('?')), "",
                      {{"Content-Type", req.content_type}, {"X-Amz-Target", target}}, hash::sha256_hex(body)};
    SigningOptions o;
    o.region = options_.region;
    o.service = "ce";
    o.time = clock_.now();
    for (auto& h : sign(sr, credentials_->get(), o).headers) req.headers.push_back(std::move(h));
    http::CallOptions one;
    one.max_attempts = 1;  // every request is counted (and paid for): retries happen here, visibly
    ++calls_;
    http::Response r;
    try {
      r = client_.send(std::move(req), one);
    } catch (const http::NetworkError& e) {
      if (!e.retryable() || attempt >= options_.max_attempts)
        throw RemoteSourceError(ErrorKind::unavailable, context.what + ": " + e.what(), true);
      options_.sleep(std::chrono::milliseconds(200) * (1 << std::min(attempt, 6)));
      continue;
    }
    if (r.ok()) return r.body;
    auto error = explain_aws_failure(r.status, r.body, std::string(r.header("x-amzn-errortype").value_or("")), context);
    const std::string code = error.code();
    if (code.starts_with("ExpiredToken") && !refreshed) {
      refreshed = true;  // temporary credentials ran out mid-run: fetch new ones and repeat, once
      credentials_->invalidate();
      continue;
    }
    const bool throttled = code == "ThrottlingException" || code == "LimitExceededException" ||
                           code == "RequestLimitExceeded" || r.status == 429 || r.status == 503;
    if (throttled && attempt < options_.max_attempts) {
      std::chrono::milliseconds wait = std::chrono::milliseconds(500) * (1 << std::min(attempt - 1, 6));
      if (auto ra = r.header("retry-after"))
        if (auto s = http::parse_retry_after(*ra, clock_.now())) wait = std::chrono::duration_cast<std::chrono::milliseconds>(*s);
      spdlog::info("Cost Explorer {}: throttled ({}), waiting {} ms (attempt {} of {})", operation,
                   code.empty() ? "HTTP " + std::to_string(r.status) : code, wait.count(), attempt, options_.max_attempts);
      options_.sleep(wait);
      continue;
    }
    throw RemoteSourceError(error.kind(), error.what(), error.retryable());
  }
}

std::vector<CostExplorerGroup> CostExplorerClient::cost_and_usage(const std::string& start, const std::string& end,
                                                                  const std::vector<CostExplorerGrouping>& group_by,
                                                                  const std::string& linked_account) {
  json::object q;
  q["TimePeriod"] = {{"Start", start}, {"End", end}};
  q["Granularity"] = "DAILY";
  q["Metrics"] = json::array{"UnblendedCost", "AmortizedCost"};
  json::array groups;
  for (const auto& g : group_by) groups.push_back({{"Type", g.type}, {"Key", g.key}});
  q["GroupBy"] = std::move(groups);
  if (!linked_account.empty())
    q["Filter"] = {{"Dimensions", {{"Key", "LINKED_ACCOUNT"}, {"Values", json::array{json::string(linked_account)}}}}};
  std::vector<CostExplorerGroup> out;
  std::string token;
  for (int page_no = 1;; ++page_no) {
    if (!token.empty()) q["NextPageToken"] = token;
    CostExplorerPage page;
    try {
      page = parse_cost_and_usage(call("GetCostAndUsage", json::serialize(q)));
    } catch (const RemoteSourceError&) {
      throw;
    } catch (const Error& e) {
      throw RemoteSourceError(ErrorKind::unavailable, std::string("Cost Explorer GetCostAndUsage: ") + e.what(), true);
    }
    for (auto& g : page.groups) out.push_back(std::move(g));
    if (page.next_token.empty()) return out;
    if (page.next_token == token || page_no > 10000)
      throw RemoteSourceError(ErrorKind::unavailable, "Cost Explorer GetCostAndUsage: the pages do not end", true);
    token = page.next_token;
  }
}

std::vector<std::string> CostExplorerClient::linked_accounts(const std::string& start, const std::string& end) {
  json::object q;
  q["TimePeriod"] = {{"Start", start}, {"End", end}};
  q["Dimension"] = "LINKED_ACCOUNT";
  q["Context"] = "COST_AND_USAGE";
  std::vector<std::string> out;
  std::string token;
  for (int page_no = 1;; ++page_no) {
    if (!token.empty()) q["NextPageToken"] = token;
    auto body = call("GetDimensionValues", json::serialize(q));
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object())
      throw RemoteSourceError(ErrorKind::unavailable, "Cost Explorer GetDimensionValues: the answer is not JSON", true);
    if (auto* values = v.as_object().if_contains("DimensionValues"); values && values->is_array())
      for (const auto& dv : values->as_array())
        if (dv.is_object())
          if (auto value = ce_string(dv.as_object(), "Value"); !value.empty()) out.push_back(value);
    std::string next = ce_string(v.as_object(), "NextPageToken");
    if (next.empty() || next == token || page_no > 1000) return out;
    token = next;
  }
}

CostExplorerSource::CostExplorerSource(ingest::RemoteLocation location, std::unique_ptr<CostExplorerClient> client,
                                       CostExplorerSourceSettings settings, const Clock& clock)
    : location_(std::move(location)), client_(std::move(client)), settings_(std::move(settings)), clock_(clock) {}

void CostExplorerSource::begin_run(const ingest::RunContext& context) {
  client_->reset_calls();
  if (settings_.max_calls_per_day > 0) {
    std::int64_t left = std::max<std::int64_t>(0, settings_.max_calls_per_day - context.calls_today);
    client_->limit_calls(left, "the daily cap of " + std::to_string(settings_.max_calls_per_day) + " calls (" +
                                   location_.where("max_calls_per_day") + ") is used up: " +
                                   std::to_string(context.calls_today) + " made today; the next run after 00:00 UTC calls again");
  }
}

std::vector<ingest::Delivery> CostExplorerSource::list() {
  // The window: this month up to today (End is exclusive, so tomorrow), and the previous month
  // during the first days of a month, while AWS still settles it.
  using namespace std::chrono;
  const Day today = day_of(clock_.now());
  const year_month_day ymd{today};
  Day start = sys_days{ymd.year() / ymd.month() / 1};
  if (static_cast<unsigned>(ymd.day()) <= static_cast<unsigned>(settings_.previous_month_days))
    start = sys_days{(year_month{ymd.year(), ymd.month()} - months(1)) / 1};
  const std::string from = ce_day(start), to = ce_day(today + days{1});

  std::vector<CostExplorerGroup> groups;
  std::vector<std::pair<std::string, CostExplorerGroup>> with_account;  // (account, group) for the team mode
  if (settings_.team_tag.empty()) {
    groups = client_->cost_and_usage(from, to, {{"DIMENSION", "LINKED_ACCOUNT"}, {"DIMENSION", "SERVICE"}});
  } else {
    // Two GroupBy keys at most: service and team, one query per linked account.
    for (const auto& account : client_->linked_accounts(from, to))
      for (auto& g : client_->cost_and_usage(from, to, {{"DIMENSION", "SERVICE"}, {"TAG", settings_.team_tag}}, account)) {
        g.keys.insert(g.keys.begin(), account);
        groups.push_back(std::move(g));
      }
  }
  spdlog::info("{}: {} Cost Explorer call(s) this run for {}..{}", location_.base, client_->calls(), from, ce_day(today));

  // One FOCUS CSV per month.
  std::map<std::string, std::string> csv;  // period → rows
  std::map<std::string, std::vector<std::string>> estimated;
  for (const auto& g : groups) {
    if (g.keys.size() < 2) continue;
    if (g.unblended == 0 && g.amortized == 0) continue;
    const std::string period = g.day.substr(0, 7);
    const std::string& account = g.keys[0];
    std::string tags;
    if (g.keys.size() >= 3) {
      // A tag group key is "KEY$value" ("KEY$" when untagged).
      auto dollar = g.keys[2].find('$');
      std::string value = dollar == std::string::npos ? g.keys[2] : g.keys[2].substr(dollar + 1);
      if (!value.empty()) tags = "{" + ce_json_string(settings_.team_tag) + ":" + ce_json_string(value) + "}";
    }
    auto& rows = csv[period];
    rows += ce_csv_field(settings_.payer_account) + "," + ce_csv_field(account) + ",AWS," +
            ce_csv_field(cost_explorer_service_name(g.keys[1])) + "," + g.day + "T00:00:00Z," + period +
            "-01T00:00:00Z," + fmt::format("{:.10g}", g.unblended) + "," + fmt::format("{:.10g}", g.amortized) + "," +
            ce_csv_field(g.currency.empty() ? "USD" : g.currency) + ",Usage," + ce_csv_field(tags) + "\n";
    auto& days = estimated[period];
    if (g.estimated && (days.empty() || days.back() != g.day)) days.push_back(g.day);
  }
  static const std::string header =
      "BillingAccountId,SubAccountId,ProviderName,ServiceName,ChargePeriodStart,BillingPeriodStart,BilledCost,"
      "EffectiveCost,BillingCurrency,ChargeCategory,Tags\n";
  csv_by_part_.clear();
  std::vector<ingest::Delivery> out;
  for (auto& [period, rows] : csv) {
    ingest::Delivery d;
    d.period = period;
    d.type = ingest::SourceType::focus;
    d.scope_kind = kCostExplorerScopeKind;
    d.estimated_days = estimated[period];
    std::string text = header + rows;
    d.version = "ce:" + hash::sha256_hex(text + text::join(d.estimated_days, ",")).substr(0, 20);
    ingest::RemoteObject part{location_.base + "#" + period, "", static_cast<std::int64_t>(text.size())};
    d.parts.push_back(part);
    csv_by_part_[part.key] = std::move(text);
    out.push_back(std::move(d));
  }
  return out;
}

std::unique_ptr<ingest::ByteSource> CostExplorerSource::open(const ingest::RemoteObject& part, std::uint64_t offset) {
  auto it = csv_by_part_.find(part.key);
  if (it == csv_by_part_.end())
    throw RemoteSourceError(ErrorKind::not_found, part.key + ": not part of this run's Cost Explorer answers", false);
  if (offset > it->second.size()) throw RemoteSourceError(ErrorKind::invalid_input, part.key + ": offset past the end", false);
  return ingest::open_memory(std::string_view(it->second).substr(offset));
}

std::unique_ptr<ingest::RemoteSource> open_cost_explorer_source(const ingest::RemoteLocation& location,
                                                                http::Client& client, const Clock& clock) {
  CostExplorerSourceSettings settings;
  settings.payer_account = location.base.substr(location.base.find("://") + 3);
  while (!settings.payer_account.empty() && settings.payer_account.back() == '/') settings.payer_account.pop_back();
  if (settings.payer_account.size() != 12 || !std::all_of(settings.payer_account.begin(), settings.payer_account.end(), ::isdigit))
    throw invalid_input(location.base + ": expected aws-cost-explorer://ACCOUNT_ID (the 12-digit account whose Cost "
                                        "Explorer is read, e.g. the organization's management account)");
  settings.team_tag = location.setting("team_tag");
  if (auto cap = location.setting("max_calls_per_day"); !cap.empty()) {
    auto n = text::parse_int(cap);
    if (!n || *n < 0) throw invalid_input(location.where("max_calls_per_day") + ": expected a number of calls (0 = no cap)");
    settings.max_calls_per_day = *n;
  }
  CredentialSettings cs = credential_settings_of(location);
  auto shared = SharedConfig::load();
  const std::string profile = active_profile_name(cs.profile);
  cs.region = resolve_region(shared, profile);  // for STS; Cost Explorer itself signs in us-east-1
  CostExplorerOptions options;
  if (auto e = resolve_endpoint(shared, profile, "COST_EXPLORER", location.setting("endpoint")); !e.empty())
    options.endpoint = e;
  auto ce = std::make_unique<CostExplorerClient>(client, make_credential_chain(client, clock, cs), clock, options);
  return std::make_unique<CostExplorerSource>(location, std::move(ce), std::move(settings), clock);
}

}  // namespace costbot::aws
