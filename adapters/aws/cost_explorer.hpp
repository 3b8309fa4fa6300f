#pragma once
// AWS Cost Explorer (GetCostAndUsage) as a remote source: today's and yesterday's costs hours
// after they happen, where the exports lag a day. Daily granularity, UnblendedCost (billed) and
// AmortizedCost (effective), grouped by linked account and service; with a team tag (a
// cost-allocation tag), by service and that tag for each linked account (the API groups by two
// keys at most). Pages follow NextPageToken.
//
// Each request costs money (USD 0.01), so requests are counted per run and per UTC day and capped
// by options.max_calls_per_day (the engine keeps the day's count across runs). Throttling
// (ThrottlingException / LimitExceededException, HTTP 429 / 503) is waited out with the
// Retry-After the service gives, else exponential backoff, a few times.
//
// One delivery per month (the current month, and the previous one during its first days): a
// FOCUS CSV built from the answers, versioned by its content so an unchanged month is skipped.
// Its rows go to their own billing scopes (kind "api:aws-cost-explorer") and yield to the exports:
// the engine drops them for every (account, day) an export of the same account covers, so one
// account is counted once and Cost Explorer fills only the newer days. Days AWS marks Estimated
// are recorded as such (shown by `costbot costs`).
//
// Location: aws-cost-explorer://PAYER_ACCOUNT_ID (the account whose Cost Explorer is read: its
// management account for an organization). Credentials as for S3 (credentials.hpp).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/aws/credentials.hpp"
#include "adapters/http/client.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::aws {

inline constexpr const char* kCostExplorerScopeKind = "api:aws-cost-explorer";

// One group of one day in a GetCostAndUsage answer.
struct CostExplorerGroup {
  std::string day;                // ResultsByTime[].TimePeriod.Start
  std::vector<std::string> keys;  // Groups[].Keys, in GroupBy order (a tag as "KEY$value")
  double unblended = 0;
  double amortized = 0;
  std::string currency;           // the metrics' Unit
  bool estimated = false;         // ResultsByTime[].Estimated
};

struct CostExplorerPage {
  std::vector<CostExplorerGroup> groups;
  std::string next_token;
};
// Parses one GetCostAndUsage answer (pure; the fuzz target calls it). Throws Error(invalid_input).
CostExplorerPage parse_cost_and_usage(std::string_view json);

struct CostExplorerGrouping {
  std::string type, key;  // "DIMENSION", "LINKED_ACCOUNT" / "TAG", "team"
};

struct CostExplorerOptions {
  std::string endpoint = "https://ce.us-east-1.amazonaws.com/";
  std::string region = "us-east-1";  // Cost Explorer signs in us-east-1 (aws partition)
  int max_attempts = 5;              // per request, throttling included
  // Waits between throttled attempts (tests record them instead of sleeping).
  std::function<void(std::chrono::milliseconds)> sleep;
};

class CostExplorerClient {
 public:
  CostExplorerClient(http::Client& client, std::shared_ptr<CredentialProvider> credentials, const Clock& clock,
                     CostExplorerOptions options);
  // Every page of GetCostAndUsage over [start, end) (YYYY-MM-DD), DAILY, UnblendedCost and
  // AmortizedCost, grouped by `group_by` (at most 2), optionally filtered to one linked account.
  std::vector<CostExplorerGroup> cost_and_usage(const std::string& start, const std::string& end,
                                                const std::vector<CostExplorerGrouping>& group_by,
                                                const std::string& linked_account = {});
  // GetDimensionValues LINKED_ACCOUNT over [start, end).
  std::vector<std::string> linked_accounts(const std::string& start, const std::string& end);

  std::int64_t calls() const { return calls_; }  // requests sent since reset_calls(), throttled ones included
  void reset_calls() { calls_ = 0; }
  // At most this many requests from now on (the day's cap minus what earlier runs used); -1 = no cap.
  void limit_calls(std::int64_t remaining, std::string why) {
    remaining_ = remaining;
    cap_reason_ = std::move(why);
  }

 private:
  std::string call(const std::string& operation, const std::string& body);

  http::Client& client_;
  std::shared_ptr<CredentialProvider> credentials_;
  const Clock& clock_;
  CostExplorerOptions options_;
  std::int64_t calls_ = 0;
  std::int64_t remaining_ = -1;
  std::string cap_reason_;
};

struct CostExplorerSourceSettings {
  std::string payer_account;  // from the location: the billing account the rows belong to
  std::string team_tag;       // cost-allocation tag key, "" = none
  std::int64_t max_calls_per_day = 50;
  int previous_month_days = 5;  // the previous month is read again during the first days of a month
};

class CostExplorerSource final : public ingest::RemoteSource {
 public:
  CostExplorerSource(ingest::RemoteLocation location, std::unique_ptr<CostExplorerClient> client,
                     CostExplorerSourceSettings settings, const Clock& clock);
  std::string location() const override { return location_.base; }
  void begin_run(const ingest::RunContext& context) override;
  std::vector<ingest::Delivery> list() override;
  std::unique_ptr<ingest::ByteSource> open(const ingest::RemoteObject& part, std::uint64_t offset) override;
  std::int64_t api_calls() const override { return client_->calls(); }  // this run's

 private:
  ingest::RemoteLocation location_;
  std::unique_ptr<CostExplorerClient> client_;
  CostExplorerSourceSettings settings_;
  const Clock& clock_;
  std::map<std::string, std::string> csv_by_part_;  // the months' FOCUS CSV, built by list()
};

// The adapter factory for "aws-cost-explorer://" locations.
std::unique_ptr<ingest::RemoteSource> open_cost_explorer_source(const ingest::RemoteLocation& location,
                                                                http::Client& client, const Clock& clock);

// Cost Explorer's SERVICE names where the exports (CUR, FOCUS) name the service otherwise, so the
// days Cost Explorer fills continue the exports' series ("EC2 - Other" → "Amazon Elastic Compute Cloud").
std::string cost_explorer_service_name(std::string_view ce_name);

}  // namespace costbot::aws
