#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <thread>

#include "engine/audit/audit.hpp"
#include "tests/support/approvals_support.hpp"

using namespace costbot;
using approvals::Outcome;
using approvals::Verdict;
using testing::ApprovalsFixture;
using testing::kApprovalsT0;
using testing::count_rows;
using testing::outbox_rows;

namespace {

struct Click {
  std::string actor;
  Verdict verdict;
};

// Every click runs on its own thread with its own connection, released at the same moment.
std::map<Outcome, int> click_at_once(ApprovalsFixture& f, std::int64_t id, int stage, const std::vector<Click>& clicks) {
  std::latch start(static_cast<std::ptrdiff_t>(clicks.size()));
  std::mutex mutex;
  std::map<Outcome, int> outcomes;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (const auto& click : clicks) {
    threads.emplace_back([&, click] {
      try {
        storage::Database db(f.db_path);
        approvals::Decision d{id, stage, click.actor, click.verdict, "", "slack", "", ""};
        start.arrive_and_wait();
        auto result = f.engine->decide(db, d, kApprovalsT0 + 60);
        std::lock_guard lock(mutex);
        ++outcomes[result.outcome];
      } catch (...) {
        ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(errors == 0);
  return outcomes;
}
}  // namespace

TEST_CASE("approvers clicking at once on separate connections decide each stage exactly once", "[approvals][concurrency]") {
  ApprovalsFixture f;
  SECTION("quorum all: every analyst clicks three times at once") {
    auto id = f.request(25000);
    f.decide(id, "U_LEAD", Verdict::approve, 0);
    std::vector<Click> clicks;
    for (int i = 0; i < 3; ++i)
      for (const char* who : {"U_F1", "U_F2", "U_F3"}) clicks.push_back({who, Verdict::approve});
    auto outcomes = click_at_once(f, id, 1, clicks);
    CHECK(outcomes[Outcome::stage_advanced] == 1);
    CHECK(outcomes[Outcome::applied] == 2);
    CHECK(outcomes[Outcome::already_decided] == 6);
    CHECK(f.load(id).decisions_of(1).size() == 3);
    CHECK(f.load(id).current_stage == 2);
  }
  SECTION("quorum any: one approves while another rejects") {
    auto id = f.request(100, "U_REQ", "", "either");
    auto outcomes = click_at_once(f, id, 0, {{"U_F1", Verdict::approve}, {"U_F2", Verdict::reject},
                                             {"U_F3", Verdict::approve}, {"U_F1", Verdict::approve}});
    CHECK(outcomes[Outcome::approved_final] + outcomes[Outcome::rejected] == 1);
    CHECK(f.load(id).decisions.size() == 1);
    CHECK((f.load(id).status == "approved" || f.load(id).status == "rejected"));
  }
  SECTION("quorum 2 of 3: the last stage opens exactly one ticket") {
    auto id = f.request(5000);
    f.decide(id, "U_LEAD", Verdict::approve, 0);
    auto outcomes = click_at_once(f, id, 1, {{"U_F1", Verdict::approve}, {"U_F2", Verdict::approve},
                                             {"U_F3", Verdict::approve}, {"U_F2", Verdict::approve}});
    CHECK(outcomes[Outcome::approved_final] == 1);
    CHECK(outcomes[Outcome::applied] == 1);
    CHECK(f.load(id).decisions_of(1).size() == 2);
    CHECK(outbox_rows(*f.db, "ticket.create").size() == 1);
  }
  CHECK(audit::verify(*f.db).ok);
}

TEST_CASE("a failure mid-transition leaves neither state, audit nor effects", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(500);
  auto before = f.load(id);
  auto effects = count_rows(*f.db, "SELECT COUNT(*) FROM outbox");
  auto audits = count_rows(*f.db, "SELECT COUNT(*) FROM audit_log");
  // Fail at the last write of the transition (the ticket effect), or at the audit row.
  auto trigger = GENERATE(std::string("CREATE TEMP TRIGGER fail BEFORE INSERT ON main.outbox WHEN NEW.kind = "
                                      "'ticket.create' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
                          std::string("CREATE TEMP TRIGGER fail BEFORE INSERT ON main.audit_log WHEN NEW.action = "
                                      "'decision.approve' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"));
  f.db->sql().exec(trigger);
  CHECK_THROWS(f.decide(id, "U_LEAD", Verdict::approve, 0));
  auto after = f.load(id);
  CHECK(after.status == "open");
  CHECK(after.version == before.version);
  CHECK(after.current_stage == 0);
  CHECK(after.stages[0].status == "active");
  CHECK(after.decisions.empty());
  CHECK(count_rows(*f.db, "SELECT COUNT(*) FROM outbox") == effects);
  CHECK(count_rows(*f.db, "SELECT COUNT(*) FROM audit_log") == audits);

  // Once the fault is gone the same click goes through, exactly once.
  f.db->sql().exec("DROP TRIGGER temp.fail");
  CHECK(f.decide(id, "U_LEAD", Verdict::approve, 0).outcome == Outcome::approved_final);
  CHECK(outbox_rows(*f.db, "ticket.create").size() == 1);
  CHECK(audit::verify(*f.db).ok);
}
