// The approvals and audit commands, run as the real binary against a real database file.
#include <catch2/catch.hpp>

#include "engine/audit/audit.hpp"
#include "engine/storage/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include "tests/support/test_support.hpp"

using namespace costbot;
using testing::run_costbot;

namespace {

struct ApprovalsCli {
  testing::TempDir dir;
  std::string db = dir.file("costbot.db");
  // COSTBOT_NOW pins "now" so SLAs and delegations are reproducible.
  testing::RunResult operator()(std::vector<std::string> args, const std::string& now = "2024-09-18T10:00:00Z") {
    args.insert(args.begin(), {"--db", db});
    return run_costbot(args, {"COSTBOT_NOW=" + now});
  }
};

void tamper(const std::string& db, const std::string& sql) {
  SQLite::Database conn(db, SQLite::OPEN_READWRITE);
  // What an attacker with the file would do: remove the guard triggers first.
  conn.exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;");
  conn.exec(sql);
}

}  // namespace

TEST_CASE("a request goes through its workflow from the command line", "[approvals][cli]") {
  ApprovalsCli cli;
  auto opened = cli({"approvals", "request", "--title", "Stop idle instances", "--team", "payments", "--amount", "4200",
                     "--requester", "U0ENG1", "--severity", "high", "--finding", "F-1"});
  REQUIRE(opened.exit_code == 0);
  CHECK_THAT(opened.out, Catch::Contains("#1 opened (workflow lead-then-finops)"));

  auto stranger = cli({"approvals", "decide", "1", "--actor", "U0NOBODY", "--approve"});
  CHECK(stranger.exit_code != 0);
  CHECK_THAT(stranger.err, Catch::Contains("not an approver of this stage"));

  auto self = cli({"approvals", "decide", "1", "--actor", "U0ENG1", "--approve"});
  CHECK(self.exit_code != 0);
  CHECK_THAT(self.err, Catch::Contains("cannot decide it"));

  auto lead = cli({"approvals", "decide", "1", "--actor", "U0PAYLEAD", "--approve", "--reason", "idle for 30 days"});
  REQUIRE(lead.exit_code == 0);
  CHECK_THAT(lead.out, Catch::Contains("moves to 'FinOps'"));
  auto twice = cli({"approvals", "decide", "1", "--actor", "U0PAYLEAD", "--approve", "--stage", "1"});
  CHECK(twice.exit_code == 0);
  CHECK_THAT(twice.out, Catch::Contains("already decided"));

  auto open = cli({"approvals", "list", "--open", "--format", "json"});
  REQUIRE(open.exit_code == 0);
  auto list = boost::json::parse(open.out).as_array();
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("stage").as_int64() == 2);

  auto delegated = cli({"approvals", "delegate", "--from", "U0FINOPS1", "--to", "U0DEPUTY", "--until", "2024-09-30",
                        "--reason", "vacation"});
  REQUIRE(delegated.exit_code == 0);
  CHECK_THAT(cli({"approvals", "delegations", "--active"}).out, Catch::Contains("U0DEPUTY"));
  auto deputy = cli({"approvals", "decide", "1", "--actor", "U0DEPUTY", "--approve", "--stage", "2", "--format", "json"});
  REQUIRE(deputy.exit_code == 0);
  auto decided = boost::json::parse(deputy.out).as_object();
  CHECK(decided.at("outcome").as_string() == "approved_final");
  CHECK(decided.at("principals").as_array()[0].as_string() == "U0FINOPS1");
  // After the delegation ended the deputy is nobody.
  CHECK(cli({"approvals", "delegations", "--active"}, "2024-10-01T00:00:00Z").out.find("U0DEPUTY") == std::string::npos);

  auto ticket = cli({"approvals", "record-ticket", "1", "--key", "FIN-7", "--url", "https://x.atlassian.net/browse/FIN-7"});
  CHECK(ticket.exit_code == 0);
  CHECK(cli({"approvals", "ticket-status", "FIN-7", "--status", "Done", "--category", "done"}).exit_code == 0);

  auto show = cli({"approvals", "show", "1"});
  REQUIRE(show.exit_code == 0);
  CHECK_THAT(show.out, Catch::Contains("status     approved") && Catch::Contains("FIN-7") &&
                           Catch::Contains("approve by U0FINOPS1 (acting: U0DEPUTY)") &&
                           Catch::Contains("decision.denied") && Catch::Contains("ticket.status"));
  auto json = boost::json::parse(cli({"approvals", "show", "1", "--format", "json"}).out).as_object();
  CHECK(json.at("ticket").at("ticket_key").as_string() == "FIN-7");
  CHECK(json.at("audit").as_array().size() >= 6);

  auto audit_list = cli({"audit", "list", "--subject", "delegation:1"});
  CHECK_THAT(audit_list.out, Catch::Contains("delegation.created"));
  auto verify = cli({"audit", "verify"});
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.out, Catch::StartsWith("OK: "));
}

TEST_CASE("costbot audit verify reports the first edited or deleted row and fails", "[audit][cli]") {
  ApprovalsCli cli;
  REQUIRE(cli({"approvals", "request", "--title", "Resize db", "--team", "platform", "--amount", "300", "--requester",
               "U0ENG2"}).exit_code == 0);
  REQUIRE(cli({"approvals", "decide", "1", "--actor", "U0NOBODY", "--reject"}).exit_code != 0);  // audited attempt
  REQUIRE(cli({"approvals", "decide", "1", "--actor", "U0PLATLEAD", "--approve"}).exit_code == 0);
  REQUIRE(cli({"approvals", "delegate", "--from", "U0CFO", "--to", "U0DIRECTOR", "--until", "2024-12-31"}).exit_code == 0);
  REQUIRE(cli({"audit", "verify"}).exit_code == 0);

  SECTION("a row's content edited") {
    tamper(cli.db, "UPDATE audit_log SET actor = 'U0PLATMGR' WHERE id = 3");
    auto v = cli({"audit", "verify"});
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("TAMPERED: row 3: row 3 was edited"));
  }
  SECTION("a row deleted") {
    tamper(cli.db, "DELETE FROM audit_log WHERE id = 2");
    auto v = cli({"audit", "verify"});
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("TAMPERED: row 2: row 2 was deleted"));
  }
  SECTION("the last row deleted") {
    tamper(cli.db, "DELETE FROM audit_log WHERE id = 4");
    auto v = cli({"audit", "verify"});
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("row 4 was deleted from the end"));
  }
}

TEST_CASE("audit verify catches a cut-off end with a rewound head (anchors) and approvals the chain does not record", "[audit][cli][security]") {
  // Issue 15 finding 11: deleting the newest row and rewinding audit_head passed `audit verify`,
  // and verify never compared the approvals with the chain.
  ApprovalsCli cli;
  REQUIRE(cli({"approvals", "request", "--title", "Resize db", "--team", "platform", "--amount", "300", "--requester",
               "U0ENG2"}).exit_code == 0);
  REQUIRE(cli({"approvals", "decide", "1", "--actor", "U0PLATLEAD", "--approve"}).exit_code == 0);
  testing::TempDir dir;
  std::string anchors;
  {
    auto db = storage::open_migrated(cli.db);
    anchors = "some log line\n" + audit::anchor_line(audit::head(db)) + "\nanother line\n";
  }
  auto anchor_file = dir.write("anchors.log", anchors);
  CHECK(cli({"audit", "verify", "--anchors", anchor_file}).exit_code == 0);
  SECTION("the last row cut off and the head rewound: only the anchor tells") {
    tamper(cli.db, "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)");
    tamper(cli.db, "UPDATE audit_head SET last_id = (SELECT MAX(id) FROM audit_log), "
                   "last_hash = (SELECT hash FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log))");
    tamper(cli.db, "DELETE FROM approval_decisions");
    tamper(cli.db, "UPDATE approval_requests SET status = 'open', current_stage = 0");
    CHECK(cli({"audit", "verify"}).exit_code == 0);  // the chain alone looks whole
    auto v = cli({"audit", "verify", "--anchors", anchor_file});
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("was anchored") && Catch::Contains("cut off the end"));
  }
  SECTION("a decision written straight into the tables") {
    tamper(cli.db, "INSERT INTO approval_requests(id, title, team, amount, severity, requester, finding_id, facts, "
                   "workflow, ticket_settings, status, version, created_at, updated_at) SELECT 2, title, team, amount, "
                   "severity, requester, NULL, facts, workflow, ticket_settings, 'approved', 1, created_at, updated_at "
                   "FROM approval_requests WHERE id = 1");
    auto v = cli({"audit", "verify"});
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("approval request #2"));
  }
}

TEST_CASE("approvals commands explain bad input", "[approvals][cli]") {
  ApprovalsCli cli;
  auto no_team = cli({"approvals", "request", "--title", "x", "--team", "paymnts", "--amount", "5", "--requester", "U1"});
  CHECK(no_team.exit_code == 2);
  CHECK_THAT(no_team.err, Catch::Contains("did you mean \"payments\""));
  auto missing = cli({"approvals", "show", "42"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("no approval request #42"));
  auto both = cli({"approvals", "decide", "1", "--actor", "U1", "--approve", "--reject"});
  CHECK(both.exit_code == 2);
  auto until = cli({"approvals", "delegate", "--from", "U1", "--to", "U2", "--until", "next week"});
  CHECK(until.exit_code == 2);
  CHECK_THAT(until.err, Catch::Contains("--until: expected a date like 2024-10-01"));
  CHECK(cli({"approvals", "--help"}).exit_code == 0);
  CHECK(cli({"audit", "verify", "--help"}).exit_code == 0);
}
