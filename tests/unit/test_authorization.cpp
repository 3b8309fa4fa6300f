// engine/auth: roles from config and the one authorization decision, API token config (every
// token carries an actor or a role, only digests are kept), and the approvals engine's act-for
// and quorum rules (issue 15 findings 3 and 11).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <latch>
#include <regex>
#include <thread>

#include "adapters/teams/adaptive_card.hpp"
#include "adapters/teams/message_render.hpp"
#include "engine/messages/message.hpp"
#include "engine/render/templates.hpp"
#include "engine/auth/authorization.hpp"
#include "engine/detect/feedback.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/finding_seed.hpp"

using namespace costbot;
using auth::Action;
using auth::Role;

namespace {

const char* const kAccessConfig = R"(
teams:
  - name: payments
    roles: {team_lead: [U_LEAD]}
approvals:
  roles: {finops: [U_F1, U_F2], cfo: [U_CFO]}
  groups: {council: [U_CFO, U_DIR]}
  tiers:
    - {below: 1000, workflow: small}
    - {workflow: big}
workflows:
  small: {create_ticket: false, stages: [{name: lead, approvers: [role:team_lead]}]}
  big: {create_ticket: false, stages: [{name: lead, approvers: [role:team_lead]}, {name: cfo, approvers: [role:cfo], fallback: [group:council]}]}
access:
  roles:
    viewer: ["*"]
    requester: [U_REQ, role:team_lead, idp_group:engineering]
    finops_admin: [role:finops]
    admin: [U_ADMIN]
  act_for:
    U_OPERATOR: ["*"]
    U_ASSISTANT: [U_CFO]
)";

auth::Principal person(std::string id, std::vector<std::string> groups = {}) {
  auth::Principal p;
  p.platform = "web";
  p.user_id = std::move(id);
  p.groups = std::move(groups);
  return p;
}

struct EnvVar {
  std::string name;
  EnvVar(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
  ~EnvVar() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("roles come from config, workflows and IdP groups", "[auth]") {
  auto config = testing::load_config_text(kAccessConfig);
  auth::Authorizer a(config);
  using S = std::set<Role>;
  CHECK(a.roles_of(person("U_NOBODY")) == S{Role::viewer});
  CHECK(a.roles_of(person("U_REQ")) == S{Role::viewer, Role::requester});
  CHECK(a.roles_of(person("U_LEAD")) == S{Role::viewer, Role::requester, Role::approver});
  CHECK(a.roles_of(person("U_DIR")) == S{Role::viewer, Role::approver});  // a fallback approver
  CHECK(a.roles_of(person("U_F1")) == S{Role::viewer, Role::finops_admin});
  CHECK(a.roles_of(person("U_ADMIN")) == S{Role::viewer, Role::admin});
  CHECK(a.roles_of(person("U_X", {"engineering"})) == S{Role::viewer, Role::requester});
  // Nobody at all ("*" needs an identity).
  CHECK(a.roles_of(auth::Principal{}).empty());
}

TEST_CASE("every action x every role: the table the surfaces rely on", "[auth]") {
  auto config = testing::load_config_text(R"(
access:
  roles: {viewer: [], requester: []}
)");
  auth::Authorizer a(config);
  // Expected, written out (not derived from roles_allowed): V R A F D = viewer requester approver finops_admin admin.
  const std::map<Action, std::string> expected{
      {Action::view, "VRAFD"},           {Action::subscribe, "VRAFD"},     {Action::request_approval, "R.AFD"},
      {Action::acknowledge, "R.AFD"},    {Action::decide_approval, "A"},   {Action::feedback, "FD"},
      {Action::manage_planned, "FD"},    {Action::manage_budgets, "FD"},   {Action::ticket_update, "FD"},
      {Action::manage_access, "D"}};
  const std::map<Role, char> letter{{Role::viewer, 'V'}, {Role::requester, 'R'}, {Role::approver, 'A'},
                                    {Role::finops_admin, 'F'}, {Role::admin, 'D'}};
  REQUIRE(expected.size() == auth::all_actions().size());
  for (auto action : auth::all_actions())
    for (auto role : auth::all_roles()) {
      auth::Principal p;
      p.platform = "api";
      p.via = "api:test";
      p.carried = {role};
      const bool allowed = a.check(p, action).allowed;
      INFO(auth::to_string(action) << " x " << auth::to_string(role));
      CHECK(allowed == (expected.at(action).find(letter.at(role)) != std::string::npos));
      if (!allowed) CHECK_THAT(a.check(p, action).reason, Catch::Contains("needs the role"));
    }
  // No role at all: nothing.
  for (auto action : auth::all_actions()) CHECK_FALSE(a.check(person("U_NOBODY"), action).allowed);
}

TEST_CASE("a token bound to a person is capped by its role, a token without one carries its role", "[auth]") {
  auto config = testing::load_config_text(kAccessConfig);
  auth::Authorizer a(config);
  auth::Principal lead = person("U_LEAD");
  lead.carried = {Role::viewer};
  lead.carried_caps = true;
  CHECK(a.roles_of(lead) == std::set<Role>{Role::viewer});  // U_LEAD's read-only token
  lead.carried.clear();
  CHECK(a.roles_of(lead).count(Role::approver));             // no role: all of U_LEAD's
  auth::Principal robot;
  robot.carried = {Role::requester};
  CHECK(a.roles_of(robot) == std::set<Role>{Role::requester});
}

TEST_CASE("acting for someone needs an explicit grant", "[auth]") {
  auto config = testing::load_config_text(kAccessConfig);
  auth::Authorizer a(config);
  CHECK(a.may_act_for(person("U_LEAD"), "U_LEAD"));  // oneself
  CHECK_FALSE(a.may_act_for(person("U_LEAD"), "U_CFO"));
  CHECK_FALSE(a.may_act_for(person("U_ADMIN"), "U_CFO"));  // admin is no grant
  CHECK(a.may_act_for(person("U_OPERATOR"), "U_CFO"));
  CHECK(a.may_act_for(person("U_ASSISTANT"), "U_CFO"));
  CHECK_FALSE(a.may_act_for(person("U_ASSISTANT"), "U_LEAD"));
  CHECK(a.may_act_for(auth::Principal{}, "U_LEAD", {"role:team_lead"}));  // a token's act_for
  CHECK_FALSE(a.may_act_for(auth::Principal{}, "U_CFO", {"role:team_lead"}));
}

TEST_CASE("access config names its problems with their paths", "[auth][config]") {
  auto issues = testing::config_issues(R"(
access:
  roles:
    superuser: [U1]
    admin: [group:nope, "role:ghost", "team:x", "slack_group:finops", "slack_group:@fin ops", "slack_group:S0614TZR7",
            "slack_group:@cost-admins"]
  act_for:
    "*": [U1]
)");
  auto all = [&] {
    std::string s;
    for (const auto& i : issues) s += i + "\n";
    return s;
  }();
  CHECK_THAT(all, Catch::Contains("access.roles.superuser: unknown role"));
  CHECK_THAT(all, Catch::Contains("access.roles.admin[0]: no approvals.groups.nope"));
  CHECK_THAT(all, Catch::Contains("access.roles.admin[1]: no approvals.roles.ghost"));
  CHECK_THAT(all, Catch::Contains("access.roles.admin[2]"));
  // Slack user groups: an id (S...) or a @handle.
  CHECK_THAT(all, Catch::Contains("access.roles.admin[3]: \"slack_group:finops\": a Slack user group is slack_group:ID"));
  CHECK_THAT(all, Catch::Contains("access.roles.admin[4]"));
  CHECK_THAT(all, !Catch::Contains("access.roles.admin[5]") && !Catch::Contains("access.roles.admin[6]"));
  CHECK_THAT(all, Catch::Contains("access.act_for.*"));
}

TEST_CASE("API tokens: actor or role required, digests only, environment options", "[auth][config][api]") {
  SECTION("a file token without actor or role is refused") {
    EnvVar t("COSTBOT_TEST_TOKEN", "a-token-of-enough-length-123");
    auto issues = testing::config_issues("api:\n  tokens:\n    - {name: ci, token: {env: COSTBOT_TEST_TOKEN}}\n");
    REQUIRE(issues.size() == 1);
    CHECK_THAT(issues[0], Catch::StartsWith("api.tokens[0].actor: a token acts as a person"));
  }
  SECTION("token or token_sha256, not both; a digest is 64 hex digits; roles are checked") {
    auto issues = testing::config_issues(
        "api:\n  tokens:\n    - {name: a, token_sha256: xyz, role: viewer}\n    - {name: b, role: boss, token_sha256: " +
        std::string(64, 'a') + "}\n    - {name: c, role: viewer}\n");
    std::string all;
    for (const auto& i : issues) all += i + "\n";
    CHECK_THAT(all, Catch::Contains("api.tokens[0].token_sha256: expected 64 hex digits"));
    CHECK_THAT(all, Catch::Contains("api.tokens[1].role: unknown role \"boss\""));
    CHECK_THAT(all, Catch::Contains("api.tokens[2].token: missing"));
  }
  SECTION("only the digest is kept, whichever way the token was given") {
    EnvVar t("COSTBOT_TEST_TOKEN", "a-token-of-enough-length-123");
    auto c = testing::load_config_text("api:\n  tokens:\n    - {name: a, token: {env: COSTBOT_TEST_TOKEN}, actor: U1}\n"
                                       "    - {name: b, token_sha256: " +
                                       hash::sha256_hex("another-token-long-enough-456") + ", role: requester, act_for: ['*']}\n");
    REQUIRE(c.api.tokens.size() == 2);
    CHECK(c.api.tokens[0].sha256 == hash::sha256_hex("a-token-of-enough-length-123"));
    CHECK(c.api.tokens[0].actor == "U1");
    CHECK(c.api.tokens[1].role == "requester");
    CHECK(c.api.tokens[1].act_for == std::vector<std::string>{"*"});
  }
  SECTION("COSTBOT_API_TOKENS: name:token[:actor=ID][:role=ROLE]; neither = read only") {
    EnvVar t("COSTBOT_API_TOKENS",
             "ci:ci-token-0123456789abcdef:role=requester, lead:lead-token-0123456789abcdef:actor=U_LEAD,"
             "old:old-token-0123456789abcdef, both:both-token-0123456789abcd:actor=U_F1:role=viewer");
    auto c = testing::load_config_text("{}\n");
    REQUIRE(c.api.tokens.size() == 4);
    CHECK(c.api.tokens[0].name == "ci");
    CHECK(c.api.tokens[0].role == "requester");
    CHECK(c.api.tokens[0].actor.empty());
    CHECK(c.api.tokens[0].sha256 == hash::sha256_hex("ci-token-0123456789abcdef"));
    CHECK(c.api.tokens[1].actor == "U_LEAD");
    CHECK(c.api.tokens[1].role.empty());
    CHECK(c.api.tokens[2].role == "viewer");  // issue 15 finding 3: such a token acted as anyone
    CHECK(c.api.tokens[3].actor == "U_F1");
    CHECK(c.api.tokens[3].role == "viewer");
    CHECK(c.api.tokens[3].sha256 == hash::sha256_hex("both-token-0123456789abcd"));
  }
  SECTION("an unknown role in the environment is reported") {
    EnvVar t("COSTBOT_API_TOKENS", "ci:ci-token-0123456789abcdef:role=god");
    auto issues = testing::config_issues("{}\n");
    REQUIRE(issues.size() == 1);
    CHECK_THAT(issues[0], Catch::Contains("COSTBOT_API_TOKENS (ci): unknown role \"god\""));
  }
}

TEST_CASE("tiers may choose a workflow by finding kind", "[approvals][config]") {
  auto c = testing::load_config_text(R"(
approvals:
  tiers:
    - {kinds: [unused_commitment, "idle_*"], workflow: big}
    - {below: 1000, workflow: small}
    - {workflow: big}
workflows:
  small: {create_ticket: false, stages: [{name: a, approvers: [U1]}]}
  big: {create_ticket: false, stages: [{name: a, approvers: [U1]}, {name: b, approvers: [U2]}]}
)");
  approvals::Approvals engine(c, render::Templates(testing::source_path("templates")));
  CHECK(engine.workflow_for_amount(50, "").name == "small");
  CHECK(engine.workflow_for_amount(50, "cost_spike").name == "small");
  CHECK(engine.workflow_for_amount(50, "idle_compute").name == "big");
  CHECK(engine.workflow_for_amount(50, "unused_commitment").name == "big");
  CHECK(engine.workflow_for_amount(5000, "").name == "big");
  auto issues = testing::config_issues(R"(
approvals:
  tiers:
    - {kinds: [x], workflow: w}
workflows:
  w: {create_ticket: false, stages: [{name: a, approvers: [U1]}]}
)");
  REQUIRE(issues.size() == 1);
  CHECK_THAT(issues[0], Catch::Contains("at least one tier without kinds"));
}

TEST_CASE("a decision for someone else by a grant counts as theirs and is audited with both names", "[approvals][auth]") {
  testing::ApprovalsFixture f;
  auto id = f.request(500);  // small: U_LEAD decides
  approvals::Decision d;
  d.request_id = id;
  d.actor = "U_OPERATOR";
  d.acting_for = "U_LEAD";
  d.grant = "access.act_for";
  d.verdict = approvals::Verdict::approve;
  d.source = "web";
  auto r = f.engine->decide(*f.db, d, 1726653600);
  CHECK(r.outcome == approvals::Outcome::approved_final);
  auto record = f.load(id);
  REQUIRE(record.decisions.size() == 1);
  CHECK(record.decisions[0].principal == "U_LEAD");
  CHECK(record.decisions[0].actor == "U_OPERATOR");
  CHECK_THAT(record.decisions[0].source, Catch::Contains("for U_LEAD, access.act_for"));
  SECTION("acting for the requester is still self-approval") {
    auto id2 = f.request(400, "U_REQ", "", "");
    d.request_id = id2;
    d.acting_for = "U_REQ";
    CHECK(f.engine->decide(*f.db, d, 1726653600).outcome == approvals::Outcome::self_approval_forbidden);
  }
}

TEST_CASE("a delegation between two approvers of one stage does not make one person a quorum", "[approvals][auth]") {
  testing::ApprovalsFixture f;
  constexpr UnixSeconds T0 = 1726653600;
  auto id = f.request(5000);  // mid: lead, then finops with quorum 2
  REQUIRE(f.decide(id, "U_LEAD", approvals::Verdict::approve, 0).outcome == approvals::Outcome::stage_advanced);
  f.engine->delegate(*f.db, {"U_F2", "U_F1", T0 - 10, T0 + 86400, "vacation", "U_F2"}, T0);
  auto r = f.decide(id, "U_F1", approvals::Verdict::approve, 1);
  CHECK(r.outcome == approvals::Outcome::applied);  // one of two, not both
  CHECK(r.principals == std::vector<std::string>{"U_F1"});
  CHECK(f.decide(id, "U_F3", approvals::Verdict::approve, 1).outcome == approvals::Outcome::approved_final);
}

TEST_CASE("not an anomaly clicked twice at once retunes once, and is audited", "[auth][detect]") {
  // Issue 15 finding 7: the duplicate check ran outside the transaction, so a double click
  // silenced and raised the threshold twice.
  testing::TempDir dir;
  const auto path = dir.file("feedback.db");
  auto config = testing::load_config_text("{}\n");
  std::int64_t finding = 0;
  {
    auto db = storage::open_migrated(path);
    finding = testing::seed_finding(db, {}, 1726653600).id;
  }
  std::latch start(2);
  std::atomic<int> recorded{0}, repeated{0};
  std::vector<std::thread> clicks;
  for (int i = 0; i < 2; ++i)
    clicks.emplace_back([&, i] {
      storage::Database db(path);
      start.arrive_and_wait();
      auto r = detect::record_feedback(db, config, "F" + std::to_string(finding), detect::FeedbackKind::not_anomaly,
                                       "U_ENG" + std::to_string(i), "", std::nullopt, 1726653600);
      (r.already_recorded ? repeated : recorded)++;
    });
  for (auto& t : clicks) t.join();
  CHECK(recorded == 1);
  CHECK(repeated == 1);
  storage::Database db(path);
  CHECK(testing::count_rows(db, "SELECT COUNT(*) FROM feedback") == 1);
  CHECK(testing::count_rows(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.not_anomaly'") == 1);
  // One retune: the factor is retune_factor once, not twice.
  SQLite::Statement q(db.sql(), "SELECT MAX(threshold_factor) FROM detection_tuning");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getDouble() == Approx(config.detection.feedback.retune_factor));
}

TEST_CASE("a click after an auto_reject deadline does not beat the workflow, even before the SLA tick", "[approvals][auth]") {
  // Issue 15 finding 11: a decision landed after its stage's auto_reject deadline if the tick had
  // not run yet. small: SLA 24h, auto_reject at +24h past the deadline.
  testing::ApprovalsFixture f;
  constexpr UnixSeconds T0 = 1726653600;
  auto id = f.request(500);
  auto late = f.decide(id, "U_LEAD", approvals::Verdict::approve, 0, "", T0 + 49 * 3600);
  CHECK(late.outcome == approvals::Outcome::stage_not_active);
  CHECK_THAT(late.message, Catch::Contains("auto_reject"));
  CHECK(f.load(id).status == "open");
  f.engine->tick(*f.db, T0 + 49 * 3600);
  CHECK(f.load(id).status == "rejected");
  // Before the deadline the same click counts.
  auto id2 = f.request(400);
  CHECK(f.decide(id2, "U_LEAD", approvals::Verdict::approve, 0, "", T0 + 47 * 3600).outcome ==
        approvals::Outcome::approved_final);
}

namespace {

// Every string of a rendered card (TextBlock text, FactSet values, titles...).
void teams_card_strings(const boost::json::value& v, std::vector<std::string>& out) {
  if (v.is_string()) out.emplace_back(v.get_string());
  if (v.is_array())
    for (const auto& item : v.get_array()) teams_card_strings(item, out);
  if (v.is_object())
    for (const auto& entry : v.get_object()) teams_card_strings(entry.value(), out);
}

// Checks the card Markdown of `text`: every [title](target) link shows its own target, and no
// other link syntax ("](", "][", "]:") is left. Returns the links' targets.
std::vector<std::string> teams_checked_links(const std::string& text) {
  INFO(text);
  static const std::regex link(R"(\[([^\]]*)\]\(([^)]*)\))");
  std::vector<std::string> targets;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
    CHECK((*it)[1].str() == (*it)[2].str());
    targets.push_back((*it)[2].str());
  }
  auto rest = std::regex_replace(text, link, "");
  CHECK(rest.find("](") == std::string::npos);
  CHECK(rest.find("][") == std::string::npos);
  CHECK(rest.find("]:") == std::string::npos);
  return targets;
}

}  // namespace

TEST_CASE("links in rendered Teams cards: ours work and show their target, text from data hides none", "[teams][security]") {
  // Issue 15 finding 11: Markdown links passed unescaped into Teams cards. Teams draws TextBlock and
  // Fact text as CommonMark-subset Markdown with [title](url) links (learn.microsoft.com, "Format
  // cards in Teams"): a reason "[Approve here](https://evil...)" became a link showing only its title.
  testing::ApprovalsFixture f;
  auto id = f.request(400);
  const std::string reason = "[Approve here](https://evil.example/x) or [the runbook][1]\n[1]: https://evil.example/y";
  REQUIRE(f.decide(id, "U_LEAD", approvals::Verdict::reject, 0, reason).outcome == approvals::Outcome::rejected);
  auto record = f.load(id);
  messages::Message message{record.subject(), "approver/approval_request", f.engine->view(record), 1};
  auto activity = teams::render_message_activity(render::Templates(testing::source_path("templates")), message);
  const auto* card = teams::card_of(activity);
  REQUIRE(card);
  std::vector<std::string> strings;
  teams_card_strings(*card, strings);
  bool reason_shown = false;
  for (const auto& s : strings) {
    if (s.starts_with("http")) continue;  // Action.OpenUrl targets: the button shows where it goes
    CHECK(teams_checked_links(s).empty());  // facts are plain text: no link at all
    reason_shown = reason_shown || s.find("[Approve here]") != std::string::npos;
  }
  CHECK(reason_shown);  // the text stays readable as typed

  // A reply (command answers, notes): our own URL becomes a working link; the rest is data.
  chat::Reply reply;
  reply.title = "Ticket";
  reply.text("Opened https://jira.example.com/browse/FIN-7 (see https://wiki.example.com/Cost_(runbook)). "
             "*Not* [this](https://evil.example/z)");
  strings.clear();
  teams_card_strings(teams::render_card(reply), strings);
  std::vector<std::string> targets;
  for (const auto& s : strings)
    for (const auto& t : teams_checked_links(s)) targets.push_back(t);
  CHECK(targets == std::vector<std::string>{"https://jira.example.com/browse/FIN-7",
                                            "https://wiki.example.com/Cost_%28runbook%29",
                                            "https://evil.example/z"});
  // The evil one shows its target as its text: "[this]" is no link.
  CHECK(std::any_of(strings.begin(), strings.end(), [](const std::string& s) {
    return s.find("**Not** [this]\u200B([https://evil.example/z](https://evil.example/z))") != std::string::npos;
  }));
}
