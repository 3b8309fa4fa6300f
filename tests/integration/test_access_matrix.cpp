// Every route and every chat action x every role, over the real server: the surfaces apply the
// one authorization decision (engine/auth), and no route is left without a policy. A new route
// fails this test until it is given one here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <map>
#include <regex>

#include "bot/auth/surfaces.hpp"
#include "bot/auth/web_auth.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/auth/link_signing.hpp"
#include "engine/auth/sessions.hpp"
#include "engine/render/templates.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/finding_seed.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using auth::Action;
using auth::Role;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

// One person and one API token per role; nobody holds a role by default ("*" is not used).
const std::map<Role, std::string> kPeople{{Role::viewer, "U_V"},
                                          {Role::requester, "U_R"},
                                          {Role::approver, "U_A"},
                                          {Role::finops_admin, "U_F"},
                                          {Role::admin, "U_D"}};

std::string token_of(Role r) { return std::string("matrix-token-") + auth::to_string(r) + "-0123456789"; }

// How each route is guarded: by a session or token and the action it performs, or by its own
// signature (Slack, Teams, Jira), or not at all (health, the page shell and its static assets).
enum class Guard { open, signed_by_platform, session, token, session_or_token, metrics, sign_in };
struct Policy {
  Guard guard;
  Action action = Action::view;
};

const std::map<std::string, Policy>& route_policies() {
  static const std::map<std::string, Policy> p{
      {"GET /healthz", {Guard::open}},
      {"GET /readyz", {Guard::open}},
      {"GET /metrics", {Guard::metrics}},
      {"GET /", {Guard::open}},  // the sign-in page, or the app for a session
      // Links in messages: the sign-in page signed out (for any id alike); a session needs view.
      {"GET /incidents/{id}", {Guard::open}},
      {"GET /findings/{id}", {Guard::open}},
      {"GET /approvals/{id}", {Guard::open}},
      {"GET /web/app.js", {Guard::open}},
      {"GET /web/app.css", {Guard::open}},
      {"GET /web/favicon.svg", {Guard::open}},
      {"GET /web/feeds", {Guard::session, Action::view}},
      {"GET /web/feed", {Guard::session, Action::view}},
      {"GET /web/findings", {Guard::session, Action::view}},
      {"GET /web/incidents", {Guard::session, Action::view}},
      {"GET /web/tickets", {Guard::session, Action::view}},
      {"GET /web/spend.js", {Guard::open}},
      {"GET /web/spend", {Guard::session, Action::view}},
      {"GET /web/compare", {Guard::session, Action::view}},
      {"GET /web/summary", {Guard::session, Action::view}},
      {"GET /web/savings", {Guard::session, Action::view}},
      {"POST /web/actions", {Guard::session, Action::view}},  // per verb: see the click matrix
      {"GET /auth/local", {Guard::sign_in}},
      {"POST /auth/logout", {Guard::session, Action::view}},
      {"GET /auth/me", {Guard::session, Action::view}},
      {"GET /charts/{id}.png", {Guard::session_or_token, Action::view}},
      {"GET /api/v1/openapi.yaml", {Guard::open}},  // the API's description, no data
      {"GET /api/v1/costs", {Guard::token, Action::view}},
      {"GET /api/v1/findings", {Guard::token, Action::view}},
      {"GET /api/v1/findings/{id}", {Guard::token, Action::view}},
      {"GET /api/v1/incidents", {Guard::token, Action::view}},
      {"GET /api/v1/incidents/{id}", {Guard::token, Action::view}},
      {"GET /api/v1/budgets", {Guard::token, Action::view}},
      {"GET /api/v1/approvals", {Guard::token, Action::view}},
      {"GET /api/v1/approvals/{id}", {Guard::token, Action::view}},
      {"POST /api/v1/approvals", {Guard::token, Action::request_approval}},
      {"POST /api/v1/approvals/{id}/decisions", {Guard::token, Action::decide_approval}},
      {"POST /slack/commands", {Guard::signed_by_platform}},
      {"POST /slack/events", {Guard::signed_by_platform}},
      {"POST /slack/interactions", {Guard::signed_by_platform}},
      {"POST /teams/messages", {Guard::signed_by_platform}},
      {"POST /teams/webhook", {Guard::signed_by_platform}},
      {"POST /jira/webhook", {Guard::signed_by_platform}},
  };
  return p;
}

bool allowed(Role role, Action action) {
  const auto& roles = auth::roles_allowed(action);
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

struct Matrix {
  testing::TempDir dir;
  testing::ServiceHarness harness;
  std::map<Role, std::string> cookies;

  Matrix() : harness(options()) {
    harness.start();
    for (const auto& [role, user] : kPeople) {
      auth::Session s;
      s.user_id = user;
      s.provider = "test-idp";
      // The cookie's name follows public_url (__Host- prefixed when it is https).
      cookies[role] = webauth::WebAuth(harness.service().config()).cookie_name() + "=" +
                      auth::start_session(harness.db(), s, {}, harness.service().clock().now());
    }
  }

  testing::HarnessOptions options() {
    testing::HarnessOptions o;
    o.database_path = dir.file("matrix.db");
    o.operations = true;
    o.configure = [](config::Config& c) {
      auto example = testing::load_config_text(testing::kApprovalsTestConfig);
      example.database = c.database;
      example.server.shutdown_grace = c.server.shutdown_grace;
      example.slack = c.slack;
      for (auto& [name, job] : example.schedules.jobs) job.enabled = false;
      example.access.roles = {{"viewer", {"U_V", "U_R", "U_A", "U_F", "U_D"}},
                              {"requester", {"U_R"}},
                              {"approver", {"U_A"}},
                              {"finops_admin", {"U_F"}},
                              {"admin", {"U_D"}}};
      example.access.act_for.clear();
      example.jira.webhook_secret = config::Secret("matrix-jira-secret-0815", "test");
      example.msteams.outgoing_webhook_secret = config::Secret("bWF0cml4LXRlYW1zLXNlY3JldA==", "test");
      for (const auto& [role, user] : kPeople) {
        config::ApiToken t;
        t.name = std::string("t-") + auth::to_string(role);
        t.sha256 = hash::sha256_hex(token_of(role));
        t.role = auth::to_string(role);
        example.api.tokens.push_back(t);
      }
      config::ApiToken bound;  // acts as the team lead, with the lead's own roles
      bound.name = "t-lead";
      bound.sha256 = hash::sha256_hex("matrix-token-bound-to-the-lead-0123456789");
      bound.actor = "U_LEAD";
      example.api.tokens.push_back(bound);
      c = std::move(example);
    };
    return o;
  }

  testing::TestResponse send(const std::string& method, const std::string& target, const Headers& headers,
                             const std::string& body = {}) {
    return testing::http_request("127.0.0.1", harness.port(), method, target, headers, body);
  }
  std::string csrf(Role role) {
    auto page = send("GET", "/", {{"Cookie", cookies[role]}});
    std::smatch m;
    std::regex re(R"re(name="csrf-token" content="([0-9a-f]+)")re");
    REQUIRE(std::regex_search(page.body, m, re));
    return m[1];
  }
};

// A concrete request for a route pattern.
std::string target_of(const std::string& pattern) {
  auto t = std::regex_replace(pattern, std::regex(R"(\{id\})"), "1");
  if (t == "/web/feed") t += "?feed=approvals";
  if (t == "/web/compare") t += "?a=payments&b=platform";
  return t;
}

}  // namespace

TEST_CASE("every route has a policy, and every role gets exactly what the policy allows", "[security][auth][http]") {
  Matrix m;
  auto routes = m.harness.service().router().describe();
  for (const auto& route : routes) {
    INFO(route);
    CHECK(route_policies().count(route) == 1);  // a route without a policy: add it above
  }
  for (const auto& route : routes) {
    auto it = route_policies().find(route);
    if (it == route_policies().end()) continue;
    const auto& policy = it->second;
    const auto method = route.substr(0, route.find(' '));
    const auto target = target_of(route.substr(route.find(' ') + 1));
    INFO(route);
    if (policy.guard == Guard::signed_by_platform) {
      // No signature, no entry, whoever asks.
      auto r = m.send(method, target, {{"Cookie", m.cookies[Role::admin]}, {"Authorization", "Bearer " + token_of(Role::admin)},
                                       {"Content-Type", "application/json"}}, "{}");
      CHECK((r.status == 401 || r.status == 503));
      continue;
    }
    if (policy.guard == Guard::session || policy.guard == Guard::session_or_token) {
      // Anonymous: refused.
      auto anonymous = m.send(method, target, {{"Content-Type", "application/json"}}, "{}");
      CHECK(anonymous.status == 401);
      if (method == "GET")
        for (const auto& [role, cookie] : m.cookies) {
          INFO(auth::to_string(role));
          auto r = m.send(method, target, {{"Cookie", cookie}});
          if (allowed(role, policy.action)) CHECK((r.status != 401 && r.status != 403));
          else CHECK(r.status == 403);
        }
    }
    if (policy.guard == Guard::token || policy.guard == Guard::session_or_token) {
      auto anonymous = m.send(method, target, {{"Content-Type", "application/json"}}, "{}");
      CHECK(anonymous.status == 401);
      for (auto role : auth::all_roles()) {
        INFO(auth::to_string(role));
        std::string body = policy.action == Action::request_approval ? R"({"title":"t","amount":10})"
                         : policy.action == Action::decide_approval   ? R"({"verdict":"approve"})"
                                                                      : "";
        auto r = m.send(method, target, {{"Authorization", "Bearer " + token_of(role)}, {"Content-Type", "application/json"}},
                        body);
        if (policy.action == Action::decide_approval || policy.action == Action::request_approval) {
          // Role-only tokens act as nobody: refused by role (403) or asked whom for (400) - never done.
          CHECK((r.status == 403 || r.status == 400));
        } else if (allowed(role, policy.action)) {
          CHECK((r.status != 401 && r.status != 403));
        } else {
          CHECK(r.status == 403);
        }
      }
    }
  }
}

TEST_CASE("every click and every command x every role, through the service's one handler chain", "[security][auth][http]") {
  Matrix m;
  auto& svc = m.harness.service();
  const std::vector<std::pair<chat::ActionVerb, std::string>> clicks{{chat::ActionVerb::details, "approval:1"},
                                                                     {chat::ActionVerb::ack, "incident:1"},
                                                                     {chat::ActionVerb::not_anomaly, "finding:1"},
                                                                     {chat::ActionVerb::approve, "approval:1:0"},
                                                                     {chat::ActionVerb::reject, "approval:1:0"}};
  for (const auto& platform : {"slack", "teams", "web"})
    for (const auto& [verb, subject] : clicks)
      for (const auto& [role, user] : kPeople) {
        chat::ChatAction a;
        a.verb = verb;
        a.subject = subject;
        a.reason = "because";
        a.actor = {platform, user, user};
        const auto action = authz::action_of(a);
        INFO(platform << " " << chat::to_string(verb) << " by " << auth::to_string(role));
        bool refused = false;
        try {
          svc.action_handler().handle(a, m.harness.db(), svc.clock().now());
        } catch (const Error& e) {
          refused = e.kind() == ErrorKind::forbidden && std::string(e.what()).find("needs the role") != std::string::npos;
        }
        // Approve / reject are the approvals engine's to refuse (stage approvers), never by role here.
        if (action == Action::decide_approval) CHECK_FALSE(refused);
        else CHECK(refused == !allowed(role, action));
      }
  // Commands: the same decision through the dispatcher.
  const std::vector<std::pair<std::string, Action>> commands{
      {"top 5", Action::view}, {"anomalies", Action::view}, {"approvals", Action::view},
      {"subscribe cfo", Action::subscribe}, {"request ticket 1", Action::request_approval}};
  for (const auto& [text, action] : commands)
    for (const auto& [role, user] : kPeople) {
      commands::Invocation inv;
      inv.actor = {"slack", user, user};
      inv.db = &m.harness.db();
      inv.now = svc.clock().now();
      auto reply = svc.commands().run(text, inv);
      INFO(text << " by " << auth::to_string(role) << ": " << reply.summary());
      const bool refused = reply.summary().find("Not allowed") != std::string::npos;
      CHECK(refused == !allowed(role, action));
    }
}

namespace {

// The callers of the status table, one column each.
enum Caller { signed_out, viewer_session, approver_session, admin_session, token_with_actor, token_without_actor, kCallers };
const char* const kCallerNames[kCallers] = {"signed out",       "viewer (session)",  "approver (session)",
                                            "admin (session)",  "token, actor U_LEAD", "token, role admin, no actor"};
using Row = std::array<int, kCallers>;

// Expected status per route and caller. Data: approval request 1 ($400, workflow small: U_LEAD
// decides), finding 1 in incident 1. Sessions: U_V viewer, U_A approver role (no stage of its own),
// U_D admin. Tokens: actor U_LEAD (no role: the person's own roles), and role admin without actor.
// The API takes tokens only, the web routes sessions only; a token never signs anyone in.
// No token at an API route: 401, or 429 once this address's budget of failed tries (10) is spent
// (guessing tokens is slowed down per client address).
constexpr int N = -401;

const std::map<std::string, Row>& expected_statuses() {
  static const std::map<std::string, Row> t{
      //                                          out  viewer appr admin tokA tok
      {"GET /healthz",                           {200, 200, 200, 200, 200, 200}},
      {"GET /readyz",                            {200, 200, 200, 200, 200, 200}},
      {"GET /metrics",                           {200, 200, 200, 200, 200, 200}},  // a local client
      {"GET /",                                  {200, 200, 200, 200, 200, 200}},  // sign-in page or app
      {"GET /incidents/{id}",                    {200, 200, 200, 200, 200, 200}},  // signed out: sign-in page
      {"GET /findings/{id}",                     {200, 200, 200, 200, 200, 200}},
      {"GET /approvals/{id}",                    {200, 200, 200, 200, 200, 200}},
      {"GET /web/app.js",                        {200, 200, 200, 200, 200, 200}},
      {"GET /web/app.css",                       {200, 200, 200, 200, 200, 200}},
      {"GET /web/favicon.svg",                   {200, 200, 200, 200, 200, 200}},
      {"GET /web/spend.js",                      {200, 200, 200, 200, 200, 200}},
      {"GET /web/spend",                         {401, 200, 200, 200, 401, 401}},
      {"GET /web/compare",                       {401, 200, 200, 200, 401, 401}},
      {"GET /web/summary",                       {401, 200, 200, 200, 401, 401}},
      {"GET /web/savings",                       {401, 200, 200, 200, 401, 401}},
      {"GET /web/feeds",                         {401, 200, 200, 200, 401, 401}},
      {"GET /web/feed",                          {401, 200, 200, 200, 401, 401}},
      {"GET /web/findings",                      {401, 200, 200, 200, 401, 401}},
      {"GET /web/incidents",                     {401, 200, 200, 200, 401, 401}},
      {"GET /web/tickets",                       {401, 200, 200, 200, 401, 401}},
      {"POST /web/actions",                      {401, 403, 200, 200, 401, 401}},  // ack: requester or above
      {"GET /auth/local",                        {403, 403, 403, 403, 403, 403}},  // no link token
      {"POST /auth/logout",                      {401, 200, 200, 200, 401, 401}},  // called last
      {"GET /auth/me",                           {401, 200, 200, 200, 401, 401}},
      {"GET /charts/{id}.png",                   {401, 200, 200, 200, 200, 200}},
      {"GET /api/v1/openapi.yaml",               {200, 200, 200, 200, 200, 200}},  // the published contract
      {"GET /api/v1/costs",                      {N, N, N, N, 200, 200}},
      {"GET /api/v1/findings",                   {N, N, N, N, 200, 200}},
      {"GET /api/v1/findings/{id}",              {N, N, N, N, 200, 200}},
      {"GET /api/v1/incidents",                  {N, N, N, N, 200, 200}},
      {"GET /api/v1/incidents/{id}",             {N, N, N, N, 200, 200}},
      {"GET /api/v1/budgets",                    {N, N, N, N, 200, 200}},
      {"GET /api/v1/approvals",                  {N, N, N, N, 200, 200}},
      {"GET /api/v1/approvals/{id}",             {N, N, N, N, 200, 200}},
      // The lead (a requester by being an approver) opens one; a token acting as nobody cannot.
      {"POST /api/v1/approvals",                 {N, N, N, N, 201, 400}},
      // The lead decides the stage that is theirs; a token acting as nobody decides nothing.
      {"POST /api/v1/approvals/{id}/decisions",  {N, N, N, N, 200, 400}},
      {"POST /slack/commands",                   {401, 401, 401, 401, 401, 401}},  // no signature
      {"POST /slack/events",                     {401, 401, 401, 401, 401, 401}},
      {"POST /slack/interactions",               {401, 401, 401, 401, 401, 401}},
      {"POST /teams/messages",                   {503, 503, 503, 503, 503, 503}},  // no Teams app configured
      {"POST /teams/webhook",                    {401, 401, 401, 401, 401, 401}},
      {"POST /jira/webhook",                     {401, 401, 401, 401, 401, 401}},
  };
  return t;
}

// The body a route is called with: a click the viewer may not make (ack needs requester), a
// request, an approval.
std::string body_for(const std::string& route) {
  if (route == "POST /web/actions") return R"({"verb":"ack","subject":"incident:1"})";
  if (route == "POST /api/v1/approvals") return R"({"title":"Stop idle nodes","amount":300,"team":"payments"})";
  if (route == "POST /api/v1/approvals/{id}/decisions") return R"({"verdict":"approve","stage":1})";
  return {};
}

}  // namespace

TEST_CASE("the status table: every route x every caller answers exactly as expected", "[security][auth][http]") {
  Matrix m;
  auto& db = m.harness.db();
  const auto now = m.harness.service().clock().now();
  auto finding = testing::seed_finding(db, {}, now);
  REQUIRE(finding.id == 1);
  REQUIRE(finding.incident_id == 1);
  {
    approvals::Approvals engine(m.harness.service().config(), render::Templates(testing::source_path("templates")));
    approvals::RequestFacts f;
    f.title = "Stop idle instances";
    f.team = "payments";
    f.amount = 400;
    f.requester = "U_R";
    REQUIRE(engine.create_request(db, f, now).id == 1);
  }
  // Sessions for the web columns; their CSRF tokens go with every POST (the role is what is tested).
  std::array<Headers, kCallers> headers;
  auto session_of = [&](Role role) {
    return Headers{{"Cookie", m.cookies[role]}, {"X-CSRF-Token", m.csrf(role)}};
  };
  headers[viewer_session] = session_of(Role::viewer);
  headers[approver_session] = session_of(Role::approver);
  headers[admin_session] = session_of(Role::admin);
  headers[token_with_actor] = {{"Authorization", "Bearer matrix-token-bound-to-the-lead-0123456789"}};
  headers[token_without_actor] = {{"Authorization", "Bearer " + token_of(Role::admin)}};

  auto routes = m.harness.service().router().describe();
  // Signing out ends the sessions the other rows use: last.
  std::stable_partition(routes.begin(), routes.end(), [](const std::string& r) { return r != "POST /auth/logout"; });
  std::string observed;
  for (const auto& route : routes) {
    INFO(route);
    auto it = expected_statuses().find(route);
    CHECK(it != expected_statuses().end());  // a new route: give it a row
    const auto method = route.substr(0, route.find(' '));
    const auto target = target_of(route.substr(route.find(' ') + 1));
    observed += route + ":";
    for (int caller = 0; caller < kCallers; ++caller) {
      auto h = headers[caller];
      h.emplace_back("Content-Type", "application/json");
      auto r = m.send(method, target, h, body_for(route));
      observed += " " + std::to_string(r.status);
      if (it == expected_statuses().end()) continue;
      INFO(kCallerNames[caller] << ": " << r.status << " " << r.body.substr(0, 300));
      const int expected = it->second[caller];
      if (expected == N)
        CHECK((r.status == 401 || (r.status == 429 && r.body.find("bad or missing token") != std::string::npos)));
      else
        CHECK(r.status == expected);
    }
    observed += "\n";
  }
  // The chart route's signed links (alerts' images, fetched by Slack's and Teams' servers): a good
  // signature opens the chart to anyone; an altered or expired one is refused to everyone, however
  // signed in (a bad link is never tried as something else).
  const std::string chart = "/charts/1.png";
  const std::map<std::string, std::pair<std::string, Row>> signed_rows{
      {"GET /charts/{id}.png?expires&signature (good)",
       {chart + "?" + auth::signed_query(db, chart, now + 3600), {200, 200, 200, 200, 200, 200}}},
      {"GET /charts/{id}.png?expires&signature (altered)",
       {chart + "?" + auth::signed_query(db, "/charts/2.png", now + 3600), {403, 403, 403, 403, 403, 403}}},
      {"GET /charts/{id}.png?expires&signature (expired)",
       {chart + "?" + auth::signed_query(db, chart, now - 1), {403, 403, 403, 403, 403, 403}}},
  };
  for (const auto& [row, link] : signed_rows) {
    INFO(row);
    observed += row + ":";
    for (int caller = 0; caller < kCallers; ++caller) {
      auto r = m.send("GET", link.first, headers[caller]);
      observed += " " + std::to_string(r.status);
      INFO(kCallerNames[caller] << ": " << r.status << " " << r.body.substr(0, 300));
      CHECK(r.status == link.second[caller]);
    }
    observed += "\n";
  }
  if (std::getenv("COSTBOT_MATRIX_DUMP")) std::cout << observed;
}
