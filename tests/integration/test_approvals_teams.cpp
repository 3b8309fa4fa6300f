// Approvals from Microsoft Teams end to end: a request is posted to a Teams channel as an Adaptive
// Card (through the Bot Connector fake), an approver's click on it (an Action.Submit message from
// the approval card, signed with a Bot Framework token) reaches the approvals engine, and the card
// is edited in place with the decision.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "tests/support/approvals_service.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_teams.hpp"
#include "tests/support/http_test_client.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

const std::string kApprovalsTeamsChannel = "19:approvals@thread.tacv2";
const std::string kLeadAad = "aad-lead";  // the payments team lead as Teams names them

struct TeamsApprovals {
  testing::FakeTeams teams;
  testing::ApprovalsService svc;

  TeamsApprovals() : svc(options(teams)) {}
  ~TeamsApprovals() { CHECK(teams.violations().empty()); }

  static testing::ApprovalsServiceOptions options(testing::FakeTeams& teams) {
    testing::ApprovalsServiceOptions o;
    o.jira = false;  // the local ticket outbox
    o.ca_file = teams.ca_file();
    o.configure = [&teams](config::Config& c) {
      c.approvals.post_to = {"teams"};
      c.approvals.teams_conversation = "approvals";
      for (auto& t : c.teams)
        if (t.name == "payments") t.roles["team_lead"].push_back(kLeadAad);
      auto& m = c.msteams;
      m.app_id = teams.app_id();
      m.app_password = config::Secret(teams.app_password(), "test");
      m.openid_metadata_url = teams.metadata_url();
      m.token_url = teams.token_url();
      m.allowed_service_url_hosts = {"127.0.0.1"};
      m.conversations.push_back({"approvals", kApprovalsTeamsChannel, teams.service_url(), "tenant-1"});
    };
    return o;
  }

  // The approval card's Approve / Reject (Action.Submit): a message whose value is the card's data.
  testing::TestResponse submit(const std::string& user_aad, const std::string& card_id, json::object data) {
    json::object activity{
        {"type", "message"},
        {"id", "1726653600" + std::to_string(++next_id)},
        {"serviceUrl", teams.service_url()},
        {"channelId", "msteams"},
        {"from", {{"id", "29:" + user_aad}, {"name", "Pat Lead"}, {"aadObjectId", user_aad}}},
        {"recipient", {{"id", "28:" + teams.app_id()}, {"name", "costbot"}}},
        {"conversation", {{"id", kApprovalsTeamsChannel}, {"conversationType", "channel"}, {"tenantId", "tenant-1"}}},
        {"replyToId", card_id},
        {"value", std::move(data)}};
    testing::Headers headers{{"Content-Type", "application/json"},
                             {"Authorization", "Bearer " + teams.token(svc.clock.now())}};
    return testing::http_request("127.0.0.1", svc.harness->port(), "POST", "/teams/messages", headers,
                                 json::serialize(activity));
  }
  int next_id = 0;
};

}  // namespace

TEST_CASE("an approval request posted to Teams is decided from its card, and the card shows the decision",
          "[approvals][teams][http]") {
  TeamsApprovals f;
  auto id = f.svc.open_request(400);  // workflow small: the team lead decides
  f.svc.wake();
  REQUIRE(f.teams.wait_for_connector_calls("POST", 1));
  auto post = f.teams.connector_calls("POST").front();
  CHECK(post.conversation_id == kApprovalsTeamsChannel);
  auto card = json::serialize(post.body);
  CHECK_THAT(card, Catch::Contains("application/vnd.microsoft.card.adaptive") && Catch::Contains("approval.approve"));
  const std::string card_id = post.returned_id;

  // Someone who is not an approver: refused, nothing decided.
  json::object approve{{"costbot_action", "approval.approve"}, {"request_id", id}, {"stage", 0}};
  CHECK(f.submit("aad-stranger", card_id, approve).status == 200);
  CHECK(f.svc.count("SELECT COUNT(*) FROM approval_decisions") == 0);

  // The lead approves: the request is approved, the local ticket opened, the card edited in place.
  CHECK(f.submit(kLeadAad, card_id, approve).status == 200);
  REQUIRE(testing::eventually([&] {
    return f.svc.count("SELECT COUNT(*) FROM approval_requests WHERE id = " + std::to_string(id) +
                       " AND status = 'approved'") == 1;
  }));
  CHECK(f.svc.count("SELECT COUNT(*) FROM approval_decisions WHERE actor = '" + kLeadAad + "'") == 1);
  f.svc.wake();
  REQUIRE(testing::eventually([&] {
    for (const auto& c : f.teams.connector_calls("PUT"))
      if (c.activity_id == card_id && json::serialize(c.body).find("Approved") != std::string::npos) return true;
    return false;
  }));
  auto edited = json::serialize(f.teams.connector_calls("PUT").back().body);
  CHECK_THAT(edited, !Catch::Contains("approval.approve"));  // no buttons once decided
}
