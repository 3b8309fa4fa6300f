#pragma once
// The Cost Management Query API as a remote source (engine/ingest/remote_source.hpp), for scopes
// without an export (intraday freshness, or no storage account to export to):
//   azure-query://subscriptions/<id>?settings
//   azure-query://providers/Microsoft.Billing/billingAccounts/<id>?settings
// (type azure). list() queries the current month and the `months` - 1 before it (one call per
// month and result page: the API is throttled per tenant), daily cost per subscription and
// service; a month's version is the SHA-256 of its rows, so an unchanged month is skipped by the
// engine and a restated one replaces what was stored. The rows are kept from list() for open().
//
// Settings: cost_type (ActualCost | AmortizedCost), months (2), endpoint (default
// https://management.azure.com; sovereign clouds: https://management.usgovcloudapi.net,
// https://management.chinacloudapi.cn), max_wait (seconds of throttling waited per call, 120),
// and the Entra settings of azure_settings.hpp (Cost Management Reader on the scope).
#include <map>
#include <memory>
#include <string>

#include "adapters/azure/cost_query.hpp"
#include "adapters/identity/environment.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::identity {
class EntraCredential;
}

namespace costbot::azure {

class CostQuerySource final : public ingest::RemoteSource {
 public:
  CostQuerySource(ingest::RemoteLocation location, std::unique_ptr<identity::EntraCredential> credential,
                  CostQueryOptions options, int months, http::Client& client, const Clock& clock, Sleeper sleeper);
  ~CostQuerySource() override;

  std::string location() const override { return location_.base; }
  std::vector<ingest::Delivery> list() override;
  std::unique_ptr<ingest::ByteSource> open(const ingest::RemoteObject& part, std::uint64_t offset) override;
  std::vector<ingest::CheckStep> check() override;
  int calls() const { return query_->total_calls(); }

 private:
  ingest::RemoteLocation location_;
  std::unique_ptr<identity::EntraCredential> credential_;
  std::unique_ptr<CostQueryClient> query_;
  int months_;
  const Clock& clock_;
  std::string billing_account_;
  std::map<std::string, std::string> csv_by_key_;
};

std::unique_ptr<ingest::RemoteSource> open_cost_query_source(const ingest::RemoteLocation& location, http::Client& client,
                                                             const Clock& clock,
                                                             const identity::Environment& env = identity::process_environment(),
                                                             Sleeper sleeper = {});

}  // namespace costbot::azure
