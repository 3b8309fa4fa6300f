#include "adapters/azure/cost_query_source.hpp"

#include <thread>

#include "adapters/azure/azure_settings.hpp"
#include "adapters/identity/entra.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {
namespace {

using ingest::RemoteSourceError;

std::string last_segment(const std::string& scope) {
  auto s = scope;
  while (s.ends_with("/")) s.pop_back();
  return s.substr(s.rfind('/') + 1);
}

}  // namespace

CostQuerySource::CostQuerySource(ingest::RemoteLocation location, std::unique_ptr<identity::EntraCredential> credential,
                                 CostQueryOptions options, int months, http::Client& client, const Clock& clock,
                                 Sleeper sleeper)
    : location_(std::move(location)), credential_(std::move(credential)), months_(months), clock_(clock) {
  billing_account_ = last_segment(options.scope);
  query_ = std::make_unique<CostQueryClient>(client, *credential_, std::move(options), clock, std::move(sleeper));
}

CostQuerySource::~CostQuerySource() = default;

std::vector<ingest::Delivery> CostQuerySource::list() {
  std::vector<ingest::Delivery> out;
  csv_by_key_.clear();
  auto today = clock_.today();
  std::vector<Day> firsts{first_of_month(today)};
  for (int i = 1; i < months_; ++i) firsts.insert(firsts.begin(), first_of_month(firsts.front() - std::chrono::days(1)));
  for (auto first : firsts) {
    auto last = std::min(first_of_next_month(first) - std::chrono::days(1), today);
    CostQueryResult result;
    try {
      result = query_->query_days(first, last);
    } catch (const http::NetworkError& e) {
      throw RemoteSourceError(ErrorKind::unavailable, "query " + location() + ": " + e.what(), true);
    } catch (const http::RemoteError& e) {
      throw RemoteSourceError(e.kind(), e.what(), e.retryable());
    } catch (const Error& e) {
      throw RemoteSourceError(e.kind(), e.what(), false);
    }
    if (result.rows.empty()) continue;
    auto csv = cost_rows_as_azure_csv(result, billing_account_, "Usage");
    ingest::Delivery d;
    d.period = format_month(first);
    d.version = hash::sha256_hex(csv).substr(0, 32);
    d.type = ingest::SourceType::azure;
    // API figures in scopes of their own, yielding to an export of the same subscription and day
    // (they would otherwise replace each other's billing scope, or be counted twice).
    d.scope_kind = "api:azure-query";
    ingest::RemoteObject part{location() + "#" + d.period, d.version, static_cast<std::int64_t>(csv.size())};
    csv_by_key_[part.key] = std::move(csv);
    d.parts.push_back(std::move(part));
    out.push_back(std::move(d));
  }
  return out;
}

std::unique_ptr<ingest::ByteSource> CostQuerySource::open(const ingest::RemoteObject& part, std::uint64_t offset) {
  auto it = csv_by_key_.find(part.key);
  if (it == csv_by_key_.end()) throw RemoteSourceError(ErrorKind::not_found, part.key + ": not listed in this run", false);
  if (offset > it->second.size()) throw RemoteSourceError(ErrorKind::invalid_input, part.key + ": offset past the end", false);
  return ingest::open_memory(std::string_view(it->second).substr(offset));
}

std::vector<ingest::CheckStep> CostQuerySource::check() {
  std::vector<ingest::CheckStep> steps;
  try {
    credential_->token(query_->options().endpoint + "/.default");
    steps.push_back({"authenticate", true, credential_->describe() + ": token for " + query_->options().endpoint + " obtained"});
  } catch (const std::exception& e) {
    steps.push_back({"authenticate", false, e.what()});
    return steps;
  }
  for (auto& s : RemoteSource::check()) steps.push_back(std::move(s));
  steps.push_back({"calls", true, std::to_string(query_->total_calls()) + " Cost Management call(s) made by this check"});
  return steps;
}

std::unique_ptr<ingest::RemoteSource> open_cost_query_source(const ingest::RemoteLocation& location, http::Client& client,
                                                             const Clock& clock, const identity::Environment& env,
                                                             Sleeper sleeper) {
  check_settings(location, {"cost_type", "months", "endpoint", "max_wait"});
  if (location.type != ingest::SourceType::azure)
    throw invalid_input(location.base + ": the Cost Management Query source is read as type azure");
  CostQueryOptions options;
  options.scope = location.base.substr(std::string("azure-query://").size());
  if (!options.scope.starts_with("subscriptions/") && !options.scope.starts_with("providers/Microsoft.Billing/") &&
      !options.scope.starts_with("providers/Microsoft.Management/"))
    throw invalid_input(location.base + ": the scope must be subscriptions/<id>[/resourceGroups/<name>], "
                                        "providers/Microsoft.Billing/billingAccounts/<id>[/...] or a management group");
  options.endpoint = location.setting("endpoint", "https://management.azure.com");
  options.cost_type = location.setting("cost_type", "ActualCost");
  if (options.cost_type != "ActualCost" && options.cost_type != "AmortizedCost")
    throw invalid_input(location.base + ": cost_type must be ActualCost or AmortizedCost");
  auto months = text::parse_int(location.setting("months", "2"));
  if (!months || *months < 1 || *months > 13) throw invalid_input(location.base + ": months must be from 1 to 13");
  auto wait = text::parse_int(location.setting("max_wait", "120"));
  if (!wait || *wait < 0 || *wait > 3600) throw invalid_input(location.base + ": max_wait must be from 0 to 3600 seconds");
  options.max_wait = std::chrono::seconds(*wait);
  auto credential = std::make_unique<identity::EntraCredential>(client, entra_options_from(location, env), clock);
  if (!sleeper) sleeper = [](std::chrono::seconds s) { std::this_thread::sleep_for(s); };
  return std::make_unique<CostQuerySource>(location, std::move(credential), std::move(options), static_cast<int>(*months),
                                           client, clock, std::move(sleeper));
}

}  // namespace costbot::azure
