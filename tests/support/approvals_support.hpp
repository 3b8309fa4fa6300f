#pragma once
// A small approvals setup for tests: a config with three tiered workflows, an engine over the
// repository's templates, a migrated database file, and helpers to read what a transition wrote.
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/approvals/approvals.hpp"
#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {

// The clock the approvals tests start from: 2024-09-18 10:00 UTC.
inline constexpr UnixSeconds kApprovalsT0 = 1726653600;

// payments: team_lead U_LEAD, manager U_MGR; finops U_F1..U_F3; cfo U_CFO.
// small (< $1k): lead, any, SLA 24h: remind at 0h, notify U_MGR at +12h, auto_reject at +24h.
// mid (< $10k): lead → finops quorum 2.   big: lead → finops all → cfo (SLA 10h, auto_approve at +48h).
// either (by name only, no ticket): any one finops analyst.
extern const char* const kApprovalsTestConfig;

config::Config load_config_text(const std::string& yaml);

struct ApprovalsFixture {
  TempDir dir;
  config::Config config;
  std::unique_ptr<approvals::Approvals> engine;
  std::string db_path;
  std::unique_ptr<storage::Database> db;

  explicit ApprovalsFixture(const std::string& yaml = kApprovalsTestConfig);
  // A request by U_REQ (unless given) for the payments team.
  std::int64_t request(double amount, const std::string& requester = "U_REQ", const std::string& finding = "",
                       const std::string& workflow = "");
  approvals::DecisionResult decide(std::int64_t id, const std::string& actor, approvals::Verdict verdict,
                                   std::optional<int> stage = std::nullopt, const std::string& reason = "",
                                   UnixSeconds now = 1726653600);
  approvals::RequestRecord load(std::int64_t id);
};

std::int64_t count_rows(storage::Database& db, const std::string& sql);
struct OutboxRow {
  std::string kind, key;
  boost::json::object payload;
  UnixSeconds next_attempt_at = 0;  // when it is due (a delayed effect: later than its creation)
};
std::vector<OutboxRow> outbox_rows(storage::Database& db, const std::string& kind = "");

}  // namespace costbot::testing
