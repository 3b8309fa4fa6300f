#pragma once
// Azure Cost Management Query API, for a subscription, resource group or billing-account scope:
//   POST {endpoint}/{scope}/providers/Microsoft.CostManagement/query?api-version=2023-11-01
//   {"type":"ActualCost"|"AmortizedCost","timeframe":"Custom","timePeriod":{"from","to"},
//    "dataset":{"granularity":"Daily","aggregation":{"totalCost":{"name":"Cost","function":"Sum"}},
//               "grouping":[{"type":"Dimension","name":"SubscriptionId"},{"type":"Dimension","name":"ServiceName"}]}}
//   → properties{columns[{name,type}], rows[[...]], nextLink}; the same body is POSTed to nextLink
//     until it is null (the link must stay on the configured endpoint: the token goes with it).
// with an Entra bearer token for {endpoint}/.default (Cost Management Reader on the scope).
//
// Throttling: a 429 carries x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after (and other
// x-ms-ratelimit-*-retry-after headers, or Retry-After); the client waits the longest of them
// (through the injected sleeper) up to max_wait per call, then gives up with a retryable error
// carrying retry_after, so the next scheduled run tries again. Quotas are per tenant (reports say
// about 4 calls per minute per scope), so a run makes as few calls as it can and counts them.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "adapters/http/client.hpp"
#include "engine/util/time.hpp"

namespace costbot::identity {
class EntraCredential;
}

namespace costbot::azure {

struct CostQueryOptions {
  std::string endpoint = "https://management.azure.com";  // sovereign clouds: https://management.usgovcloudapi.net, ...
  std::string scope;           // "subscriptions/<id>", "providers/Microsoft.Billing/billingAccounts/<id>", ...
  std::string cost_type = "ActualCost";  // or AmortizedCost
  std::string api_version = "2023-11-01";
  std::chrono::seconds max_wait{120};    // longest throttling wait per call before giving up
  int max_throttled_attempts = 4;
};

struct CostQueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // every value as text (numbers as written)
  int pages = 0;
  int calls = 0;      // POSTs made, throttled ones included
  int throttled = 0;  // 429 answers waited out
};

using Sleeper = std::function<void(std::chrono::seconds)>;

class CostQueryClient {
 public:
  CostQueryClient(http::Client& client, identity::EntraCredential& credential, CostQueryOptions options,
                  const Clock& clock, Sleeper sleeper);

  // Daily cost of [first, last] (whole days, UTC), grouped by subscription and service.
  CostQueryResult query_days(Day first, Day last);
  const CostQueryOptions& options() const { return options_; }
  std::string scope_url() const;  // for messages
  int total_calls() const { return total_calls_; }

 private:
  http::Response post(const std::string& url, const std::string& body, CostQueryResult& result);

  http::Client& client_;
  identity::EntraCredential& credential_;
  CostQueryOptions options_;
  const Clock& clock_;
  Sleeper sleeper_;
  int total_calls_ = 0;
};

// The longest wait a throttled answer asks for: any x-ms-ratelimit-*-retry-after header (seconds)
// or Retry-After; nullopt when it names none.
std::optional<std::chrono::seconds> throttle_wait(const http::Response& response, UnixSeconds now);

// The rows as an Azure cost details CSV (the `azure` reader's columns): BillingAccountId (the
// scope's id), BillingPeriodStartDate, Date, CostInBillingCurrency, BillingCurrency,
// SubscriptionId, MeterCategory, ChargeType. Throws Error(invalid_input) when a needed column
// (Cost / PreTaxCost, UsageDate, Currency) is missing from the answer.
std::string cost_rows_as_azure_csv(const CostQueryResult& result, const std::string& billing_account, const std::string& charge_type);

}  // namespace costbot::azure
