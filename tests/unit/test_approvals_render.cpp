// Renders every approval message the engine queues (Slack, Teams, Jira) through the real
// transitions and writes the payloads as files, for the shared message validators
// (tests/scripts/approvals_messages.cmake runs `validate --slack/--teams/--jira` on them).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/messages/copies.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/messages_support.hpp"

using namespace costbot;
using approvals::Verdict;
using testing::ApprovalsFixture;
using testing::kApprovalsT0;
using testing::outbox_rows;

namespace {

std::string post_key(std::int64_t id) { return "approval:" + std::to_string(id) + ":post:slack:#payments"; }
void teams_copy(storage::Database& db, std::int64_t id, const std::string& activity) {
  messages::CopyStore(db).adopt("approval:" + std::to_string(id), {"teams", "19:conv"}, "19:conv", activity,
                                "https://smba.example/", kApprovalsT0);
}

void write_json(const std::filesystem::path& path, const boost::json::value& value) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << boost::json::serialize(value);
}
}  // namespace

TEST_CASE("approval messages are rendered for every channel and state", "[approvals][render]") {
  // COSTBOT_RENDER_DIR is set by the validator's setup step; alone, the test renders into a temp dir.
  testing::TempDir scratch;
  const char* env = std::getenv("COSTBOT_RENDER_DIR");
  std::filesystem::path out = env && *env ? std::filesystem::path(env) : scratch.path();

  ApprovalsFixture f;
  // Awkward text on purpose: quotes, markup, newlines, non-ASCII and a very long title.
  approvals::RequestFacts facts;
  facts.title = "Stop 14 idle \"m6i.4xlarge\" <instances> & volumes in prod-payments — Zürich " + std::string(200, 'x');
  facts.team = "payments";
  facts.amount = 48210.5;
  facts.severity = "high";
  facts.kind = "idle_compute";
  facts.requester = "U_REQ";
  facts.finding_id = "F-2024-0517";
  facts.facts["summary"] = "14 instances averaged 0.4% CPU for 30 days.\nStopping them saves ~$4,017/month.";
  facts.facts["chart_url"] = "https://costbot.example.com/charts/F-2024-0517.png";
  facts.facts["recommendation"] = "Stop the instances, snapshot the volumes, delete after 14 days.";
  facts.facts["region"] = "eu-central-1";
  facts.facts["instances"] = 14;
  auto id = f.engine->create_request(*f.db, facts, kApprovalsT0).id;
  testing::land(*f.db, post_key(id), "C0PAY", "111.222");
  teams_copy(*f.db, id, "act-1");

  std::size_t dumped = 0;
  auto dump = [&](const std::string& state) {
    auto rows = outbox_rows(*f.db);
    for (; dumped < rows.size(); ++dumped) {
      const auto& row = rows[dumped];
      std::string name = state + "-" + std::to_string(dumped + 1);
      // What Slack and Teams receive: the channel's renderer's output.
      if (row.kind == "slack.post" || row.kind == "slack.update")
        write_json(out / "slack" / (name + ".json"), testing::rendered(row));
      else if (row.kind == "teams.post" || row.kind == "teams.update")
        write_json(out / "teams" / (name + ".json"), testing::rendered(row));
      else if (row.kind == "ticket.create")
        write_json(out / "jira" / (name + ".json"), row.payload.at("body"));
    }
  };

  f.decide(id, "U_LEAD", Verdict::approve, 0, "Confirmed idle: \"batch\" <retired>");
  f.engine->delegate(*f.db, {"U_F2", "U_DEPUTY", kApprovalsT0, kApprovalsT0 + 30 * 86400, "leave", "U_F2"}, kApprovalsT0);
  for (const char* who : {"U_F1", "U_DEPUTY", "U_F3"}) f.decide(id, who, Verdict::approve, 1);
  f.decide(id, "U_CFO", Verdict::approve, 2, "Go ahead.");
  f.engine->record_ticket(*f.db, id, "FIN-412", "https://example.atlassian.net/browse/FIN-412", kApprovalsT0 + 100);
  f.engine->ticket_status_changed(*f.db, "FIN-412", "Won't Do", "done", kApprovalsT0 + 200);
  dump("approved");

  // A rejected one, and a small one with no summary or chart.
  auto rejected = f.request(3000, "U_REQ", "F-2");
  testing::land(*f.db, post_key(rejected), "C0PAY", "333.444");
  f.decide(rejected, "U_LEAD", Verdict::reject, 0, "Planned migration, not waste.");
  approvals::RequestFacts bare;
  bare.title = "Delete unattached volume";
  bare.amount = 12;
  bare.requester = "U_REQ";
  bare.team = "payments";
  auto small = f.engine->create_request(*f.db, bare, kApprovalsT0).id;
  f.decide(small, "U_LEAD", Verdict::approve, 0);
  // A small one left alone: reminder, notification, auto-reject, in every posted copy's thread.
  auto ignored = f.request(400);
  testing::land(*f.db, post_key(ignored), "C0PAY", "555.666");
  teams_copy(*f.db, ignored, "act-9");
  CHECK(f.engine->tick(*f.db, kApprovalsT0 + 100 * 3600).lines.size() == 3);
  dump("more");

  CHECK(std::distance(std::filesystem::directory_iterator(out / "slack"), {}) >= 8);
  CHECK(std::distance(std::filesystem::directory_iterator(out / "teams"), {}) >= 4);
  CHECK(std::distance(std::filesystem::directory_iterator(out / "jira"), {}) >= 2);
  auto body = outbox_rows(*f.db, "ticket.create").front().payload.at("body").at("fields").as_object();
  CHECK(body.at("summary").as_string().size() <= 255);
  auto description = boost::json::serialize(body.at("description"));
  CHECK(description.find("U_F2 (delegate U_DEPUTY)") != std::string::npos);
  CHECK(description.find("Confirmed idle: \\\"batch\\\" <retired>") != std::string::npos);
  auto slack = testing::rendered_text(outbox_rows(*f.db, "slack.update").back());
  CHECK(slack.find("&lt;retired&gt;") == std::string::npos);  // the last update is the small request's
  bool escaped = false;
  for (const auto& row : outbox_rows(*f.db, "slack.update"))
    escaped = escaped || testing::rendered_text(row).find("&lt;retired&gt;") != std::string::npos;
  CHECK(escaped);  // Slack markup in a reason is shown, not interpreted
}
