// The running service's own parts over real sockets: the local web channel (page, feeds, actions
// and their guards, web.post deliveries), cost-trend charts, /metrics, the REST API's switch and
// the scheduler as a service component.
#include <catch2/catch.hpp>

#include <optional>
#include <regex>

#include "bot/metrics/service_metrics.hpp"
#include "bot/scheduler/job_runs.hpp"
#include "bot/web/web_channel.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/audit/audit.hpp"
#include "engine/auth/sessions.hpp"
#include "engine/demo/demo_history.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/png_image.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

// The example config (teams, workflows, attribution the demo is made for), with the harness's
// test settings kept and every scheduled job off unless a test turns one on.
std::function<void(config::Config&)> example_config(std::function<void(config::Config&)> more = {}) {
  return [more](config::Config& c) {
    auto example = config::load(testing::source_path("config/costbot.example.yaml"));
    example.database = c.database;
    example.server.shutdown_grace = c.server.shutdown_grace;
    example.slack = c.slack;
    example.commands = c.commands;
    example.api = {};
    for (auto& [name, job] : example.schedules.jobs) job.enabled = false;
    c = std::move(example);
    if (more) more(c);
  };
}

struct Web {
  testing::TempDir dir;
  testing::ServiceHarness harness;

  std::string cookie;  // the signed-in session's Cookie header ("" = anonymous)

  // stepped: the outbox delivers only when the test calls harness.deliver_due() (nothing polled).
  explicit Web(std::function<void(config::Config&)> configure = example_config(), bool demo_data = false,
               bool signed_in = true, bool stepped = false)
      : harness(options(dir, std::move(configure), stepped)) {
    if (demo_data) seed_demo();
    harness.start();
    if (signed_in && harness.service().config().web.access != "off") cookie = sign_in_with_link();
  }

  // The local operator's way in: a one-time link (as `costbot serve` prints), exchanged for a
  // session cookie. Returns the Cookie header value.
  std::string sign_in() { return sign_in_with_link(); }
  std::string sign_in_with_link() {
    auto token = auth::create_sign_in_link(harness.db(), 3600, "test", harness.service().clock().now());
    auto r = testing::http_request("127.0.0.1", harness.port(), "GET", "/auth/local?token=" + token, {});
    REQUIRE(r.status == 303);
    REQUIRE(r.header("Location") == "/");
    return session_cookie(r);
  }

  // A session for anyone (as an identity provider's sign-in would make).
  std::string sign_in_as(const std::string& user, const std::string& provider = "test-idp") {
    auth::Session s;
    s.user_id = user;
    s.name = user;
    s.provider = provider;
    auto value = auth::start_session(harness.db(), s, {}, harness.service().clock().now());
    return "costbot_session=" + value;
  }

  static std::string session_cookie(const testing::TestResponse& r) {
    auto set = r.header("Set-Cookie");
    REQUIRE_THAT(set, Catch::StartsWith("costbot_session="));
    CHECK_THAT(set, Catch::Contains("HttpOnly"));
    CHECK_THAT(set, Catch::Contains("SameSite=Lax"));
    return set.substr(0, set.find(';'));
  }

  Headers with_cookie(Headers headers) const {
    bool has = false;
    for (const auto& [k, v] : headers) has = has || k == "Cookie";
    if (!has && !cookie.empty()) headers.emplace_back("Cookie", cookie);
    return headers;
  }

  static testing::HarnessOptions options(testing::TempDir& dir, std::function<void(config::Config&)> configure,
                                        bool stepped) {
    testing::HarnessOptions o;
    o.database_path = dir.file("web.db");
    o.slack = false;
    o.operations = true;
    o.outbox_poll = std::chrono::milliseconds(50);
    o.stepped_outbox = stepped;
    o.configure = std::move(configure);
    return o;
  }

  // 90 days of the demo's history, ingested and detected, before the service starts.
  void seed_demo() {
    auto config = config::load(testing::source_path("config/costbot.example.yaml"));
    auto db = storage::open_migrated(dir.file("web.db"));
    demo::DemoOptions d;
    d.last_day = default_clock().today();
    d.sample_path = testing::source_path("tests/fixtures/focus/focus_sample.csv");
    d.focus_path = dir.file("focus.csv");
    d.usage_path = dir.file("usage.csv");
    demo::generate_demo_history(d);
    ingest::IngestOptions io;
    io.force = true;
    ingest::ingest_file(db, config, ingest::SourceType::focus, d.focus_path, default_clock(), io);
    ingest::ingest_file(db, config, ingest::SourceType::usage, d.usage_path, default_clock(), io);
    detect::run_detection(db, config, default_clock().now());
  }

  testing::TestResponse get(const std::string& path, const Headers& headers = {}) {
    return testing::http_request("127.0.0.1", harness.port(), "GET", path, with_cookie(headers));
  }
  testing::TestResponse post(const std::string& path, const std::string& body, const Headers& headers) {
    return testing::http_request("127.0.0.1", harness.port(), "POST", path, with_cookie(headers), body);
  }
  // A client without a session, from this machine's address (as every client of a reverse proxy
  // on the same host looks).
  testing::TestResponse anonymous_get(const std::string& path, const Headers& headers = {}) {
    return testing::http_request("127.0.0.1", harness.port(), "GET", path, headers);
  }
  testing::TestResponse anonymous_post(const std::string& path, const std::string& body, const Headers& headers) {
    return testing::http_request("127.0.0.1", harness.port(), "POST", path, headers, body);
  }

  std::string csrf_token(const Headers& headers = {}) {
    auto page = get("/", headers);
    std::smatch m;
    std::regex re(R"re(name="csrf-token" content="([0-9a-f]+)")re");
    REQUIRE(std::regex_search(page.body, m, re));
    return m[1];
  }

  json::object feed(const std::string& name) {
    auto r = get("/web/feed?feed=" + name);
    REQUIRE(r.status == 200);
    return json::parse(r.body).as_object();
  }
};

std::int64_t open_request(testing::ServiceHarness& h, double amount, const std::string& team = "payments") {
  approvals::Approvals engine(h.service().config(), render::Templates(testing::source_path("templates")));
  approvals::RequestFacts f;
  f.title = "Stop the idle build agents";
  f.team = team;
  f.amount = amount;
  f.requester = "U0REQUESTER";
  f.severity = "medium";
  f.finding_id = "web-test-" + std::to_string(static_cast<long long>(amount));
  auto created = engine.create_request(h.db(), f, h.service().clock().now());
  h.service().wake_outbox();
  return created.id;
}

std::optional<json::object> find_item(const json::object& feed, const std::string& subject) {
  for (const auto& item : feed.at("items").as_array())
    if (item.as_object().at("subject").as_string() == subject) return item.as_object();
  return std::nullopt;
}

}  // namespace

TEST_CASE("the web page is served by the binary, with nothing from elsewhere", "[web]") {
  Web web;
  auto page = web.get("/");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.header("Content-Type"), Catch::StartsWith("text/html"));
  CHECK_THAT(page.header("Content-Security-Policy"), Catch::Contains("default-src 'none'"));
  CHECK_THAT(page.header("Content-Security-Policy"), Catch::Contains("script-src 'self'"));
  CHECK(page.header("Cache-Control") == "no-store");
  CHECK_THAT(page.body, Catch::Contains(R"(<script src="/web/app.js" defer></script>)"));
  CHECK_THAT(page.body, !Catch::Contains("{{"));  // every placeholder filled
  auto script = web.get("/web/app.js");
  REQUIRE(script.status == 200);
  CHECK_THAT(script.header("Content-Type"), Catch::StartsWith("text/javascript"));
  auto style = web.get("/web/app.css");
  REQUIRE(style.status == 200);
  for (const auto* body : {&page.body, &script.body, &style.body}) {
    CHECK_THAT(*body, !Catch::Contains("http://") && !Catch::Contains("https://") && !Catch::Contains("//cdn"));
    CHECK_THAT(*body, !Catch::Contains("@import") && !Catch::Contains("url("));
  }
  auto feeds = json::parse(web.get("/web/feeds").body).as_object();
  CHECK(feeds.at("approvals_feed").as_string() == "approvals");
  CHECK(feeds.at("personas").as_array().size() >= 4);
}

TEST_CASE("approval requests reach the web feed, and the page's buttons decide them", "[web][approvals]") {
  Web web(example_config(), /*demo_data=*/false, /*signed_in=*/true, /*stepped=*/true);
  auto id = open_request(web.harness, 450);  // the example's team-lead tier: one stage
  const std::string subject = "approval:" + std::to_string(id);
  CHECK(web.harness.deliver_due() >= 1);
  auto posted = find_item(web.feed("approvals"), subject);
  REQUIRE(posted);
  json::object item = *posted;
  const auto& view = item.at("view").as_object();
  CHECK(view.at("status").as_string() == "open");
  CHECK(item.at("version").as_int64() == 1);
  const auto& current = view.at("current").as_object();
  const std::string approver(current.at("pending").as_array().at(0).at("user").as_string());
  const std::string target = "approval:" + std::string(current.at("button_value").as_string());

  auto token = web.csrf_token();
  Headers good{{"Content-Type", "application/json"}, {"X-CSRF-Token", token}};
  // The local operator acts for the approver by the example's grant (access.act_for).
  auto body = [&](const std::string& verb, const std::string& acting_for, const std::string& reason = "") {
    json::object o{{"verb", verb}, {"subject", target}, {"acting_for", acting_for}, {"feed", "approvals"}};
    if (!reason.empty()) o["reason"] = reason;
    return json::serialize(o);
  };

  SECTION("approve moves the request on and the web copy is updated in place") {
    auto refused = web.post("/web/actions", body("approve", "U0SOMEONE_ELSE"), good);
    CHECK(refused.status == 200);
    CHECK_THAT(refused.body, Catch::Contains("not an approver"));
    auto r = web.post("/web/actions", body("approve", approver), good);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body).at("queued_effects").as_bool());
    CHECK(web.harness.deliver_due() >= 1);
    auto found = find_item(web.feed("approvals"), subject);
    REQUIRE(found);
    auto updated = *found;
    CHECK(updated.at("view").at("status").as_string() == "approved");
    CHECK(updated.at("version").as_int64() > 1);
    CHECK(updated.at("view").at("stages").at(0).at("status").as_string() == "approved");
    CHECK(testing::count_rows(web.harness.db(), "SELECT COUNT(*) FROM web_posts WHERE subject = '" + subject + "'") == 1);
    // The decision is the approver's, given by the signed-in operator under a grant: both names.
    auto record = approvals::load_request(web.harness.db(), id);
    REQUIRE(record);
    REQUIRE(record->decisions.size() == 1);
    CHECK(record->decisions[0].principal == approver);
    CHECK(record->decisions[0].actor == "local-operator");
    CHECK_THAT(record->decisions[0].source, Catch::Contains("access.act_for"));
  }
  SECTION("reject needs a reason, and shows it") {
    auto no_reason = web.post("/web/actions", body("reject", approver), good);
    CHECK(no_reason.status == 400);
    CHECK_THAT(no_reason.body, Catch::Contains("a reason is required"));
    REQUIRE(web.post("/web/actions", body("reject", approver, "the agents run the release build"), good).status == 200);
    CHECK(web.harness.deliver_due() >= 1);
    auto rejected = find_item(web.feed("approvals"), subject);
    REQUIRE(rejected);
    CHECK(rejected->at("view").at("status").as_string() == "rejected");
    CHECK_THAT(std::string(rejected->at("text").as_string()), Catch::Contains("the agents run the release build"));
  }
  SECTION("a request from elsewhere is refused before anything is decided") {
    auto without_token = web.post("/web/actions", body("approve", approver), {{"Content-Type", "application/json"}});
    CHECK(without_token.status == 403);
    CHECK_THAT(without_token.body, Catch::Contains("X-CSRF-Token"));
    auto wrong_token = web.post("/web/actions", body("approve", approver),
                                {{"Content-Type", "application/json"}, {"X-CSRF-Token", std::string(token.size(), 'a')}});
    CHECK(wrong_token.status == 403);
    auto form = web.post("/web/actions", "verb=approve", {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-CSRF-Token", token}});
    CHECK(form.status == 415);
    Headers foreign_origin = good;
    foreign_origin.emplace_back("Origin", "https://evil.example");
    CHECK(web.post("/web/actions", body("approve", approver), foreign_origin).status == 403);
    Headers cross_site = good;
    cross_site.emplace_back("Sec-Fetch-Site", "cross-site");
    CHECK(web.post("/web/actions", body("approve", approver), cross_site).status == 403);
    Headers rebinding = good;
    rebinding.emplace_back("Host", "attacker.example:8080");
    auto rebound = web.post("/web/actions", body("approve", approver), rebinding);
    CHECK(rebound.status == 403);
    CHECK_THAT(rebound.body, Catch::Contains("attacker.example"));
    CHECK(web.get("/", {{"Host", "attacker.example"}}).status == 403);
    CHECK(web.post("/web/actions", R"({"verb":"launch","subject":"approval:1"})", good).status == 400);
    CHECK(web.post("/web/actions", "not json", good).status == 400);
    // Same origin is fine.
    Headers same_origin = good;
    same_origin.emplace_back("Origin", "http://127.0.0.1");
    same_origin.emplace_back("Sec-Fetch-Site", "same-origin");
    CHECK(web.post("/web/actions", body("approve", "U0SOMEONE_ELSE"), same_origin).status == 200);
    auto i = find_item(web.feed("approvals"), subject);
    REQUIRE(i);
    CHECK(i->at("view").at("status").as_string() == "open");
  }
}

TEST_CASE("the web channel trusts no address: without the printed sign-in link nothing is read or decided", "[web][approvals][security]") {
  // Issue 15, finding 1: behind a reverse proxy on the same host every client connects from
  // 127.0.0.1 with the public Host. Such a client, without the link `serve` printed, reads the page
  // but no CSRF token, no feed, and decides nothing.
  Web web;
  auto id = open_request(web.harness, 450);  // the example's team-lead tier: one stage
  std::string approver;
  {
    SQLite::Statement q(web.harness.db().sql(),
                        "SELECT json_extract(approvers, '$[0]') FROM approval_stages WHERE request_id = ? AND idx = 0");
    q.bind(1, id);
    REQUIRE(q.executeStep());
    approver = q.getColumn(0).getString();
  }
  REQUIRE_FALSE(approver.empty());
  const std::string target = "approval:" + std::to_string(id) + ":0";
  const std::string count_decisions = "SELECT COUNT(*) FROM audit_log WHERE action = 'decision.approve'";
  const std::string decision =
      json::serialize(json::object{{"verb", "approve"}, {"subject", target}, {"acting_for", approver}, {"feed", "approvals"}});
  const auto signed_in_token = web.csrf_token();

  auto page = web.anonymous_get("/");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("data-testid=\"sign-in\"") && !Catch::Contains("csrf-token"));
  CHECK_THAT(page.body, !Catch::Contains(signed_in_token));
  for (const char* path : {"/web/feeds", "/web/feed?feed=approvals", "/web/findings", "/web/incidents", "/web/tickets"}) {
    INFO(path);
    auto r = web.anonymous_get(path);
    CHECK(r.status == 401);
    CHECK_THAT(r.body, Catch::Contains("sign in first"));
  }
  // Even with a real CSRF token (stolen from a signed-in page), no session = no decision.
  auto anonymous = web.anonymous_post("/web/actions", decision,
                                      {{"Content-Type", "application/json"}, {"X-CSRF-Token", signed_in_token}});
  CHECK(anonymous.status == 401);
  // A wrong or missing sign-in token gives no cookie.
  for (const char* path : {"/auth/local", "/auth/local?token=", "/auth/local?token=0123456789abcdef"}) {
    INFO(path);
    auto r = web.anonymous_get(path);
    CHECK(r.status == 403);
    CHECK(r.header("Set-Cookie").empty());
  }
  // A made-up cookie is no session.
  CHECK(web.anonymous_get("/web/feeds", {{"Cookie", "costbot_session=" + std::string(64, 'a')}}).status == 401);
  // The CSRF token belongs to its session: another browser's token does not work with this cookie.
  const auto other_cookie = web.sign_in();
  const auto other_token = web.csrf_token({{"Cookie", other_cookie}});
  CHECK(other_token != signed_in_token);
  auto crossed = web.anonymous_post("/web/actions", decision,
                                    {{"Content-Type", "application/json"}, {"X-CSRF-Token", other_token}, {"Cookie", web.cookie}});
  CHECK(crossed.status == 403);
  CHECK(testing::count_rows(web.harness.db(), "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'decision.%'") == 0);

  // The signed-in operator decides, with the session's own token.
  auto decided = web.post("/web/actions", decision, {{"Content-Type", "application/json"}, {"X-CSRF-Token", signed_in_token}});
  INFO(decided.body);
  REQUIRE(decided.status == 200);
  CHECK(testing::count_rows(web.harness.db(), count_decisions) == 1);
  CHECK(testing::count_rows(web.harness.db(), "SELECT COUNT(*) FROM approval_requests WHERE id = " + std::to_string(id) +
                                                  " AND status = 'approved'") == 1);
}

TEST_CASE("web.access off serves no page, open serves every client that names this service", "[web][security]") {
  Web off(example_config([](config::Config& c) { c.web.access = "off"; }));
  CHECK(off.get("/").status == 404);
  CHECK(off.get("/web/feeds").status == 404);
  Web open(example_config([](config::Config& c) {
    c.web.access = "open";
    c.web.allowed_hosts = {"costbot.internal.example"};
  }));
  CHECK(open.get("/", {{"Host", "costbot.internal.example"}}).status == 200);
  CHECK(open.get("/", {{"Host", "costbot.internal.example:8443"}}).status == 200);
  // Issue 15 finding 2: open mode had no Host check, so a DNS-rebound page could act.
  auto rebound = open.get("/web/feeds", {{"Host", "rebind.attacker.example"}});
  CHECK(rebound.status == 403);
  CHECK_THAT(rebound.body, Catch::Contains("rebind.attacker.example"));
  auto token = open.csrf_token();
  CHECK(open.post("/web/actions", R"({"verb":"details","subject":"approval:1"})",
                  {{"Content-Type", "application/json"}, {"X-CSRF-Token", token}, {"Host", "rebind.attacker.example"}})
            .status == 403);
}

TEST_CASE("nobody acts on the web channel without signing in, whatever the peer address or the body says", "[web][security]") {
  // Issue 15 finding 1: every loopback peer (the clients of a same-host proxy) was trusted, and
  // the actor came from the body: one anonymous client approved all three stages of a $42k request.
  Web web;
  auto id = open_request(web.harness, 450);
  const std::string target = "approval:" + std::to_string(id) + ":0";
  Headers anonymous{{"Cookie", ""}};
  auto page = web.get("/", anonymous);
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("data-testid=\"sign-in\""));
  CHECK_THAT(page.body, !Catch::Contains("csrf-token"));
  CHECK_THAT(page.body, Catch::Contains("costbot web sign-in-link"));
  CHECK(web.get("/web/feeds", anonymous).status == 401);
  CHECK(web.get("/web/feed?feed=approvals", anonymous).status == 401);
  CHECK(web.get("/auth/me", anonymous).status == 401);
  // The old attack: loopback peer, no session, the CFO named in the body.
  auto forged = web.post("/web/actions",
                         R"({"verb":"approve","subject":")" + target + R"(","actor":"U0PAYLEAD","feed":"approvals"})",
                         {{"Cookie", ""}, {"Content-Type", "application/json"}, {"X-CSRF-Token", web.csrf_token()}});
  CHECK(forged.status == 401);
  // Signed in, the body still cannot choose the actor.
  auto named = web.post("/web/actions", R"({"verb":"approve","subject":")" + target + R"(","actor":"U0PAYLEAD"})",
                        {{"Content-Type", "application/json"}, {"X-CSRF-Token", web.csrf_token()}});
  CHECK(named.status == 400);
  CHECK_THAT(named.body, Catch::Contains("signed-in person"));
  auto record = approvals::load_request(web.harness.db(), id);
  REQUIRE(record);
  CHECK(record->status == "open");
  CHECK(record->decisions.empty());
}

TEST_CASE("a signed-in approver decides as themselves, acting for another needs a grant", "[web][security]") {
  Web web;
  auto id = open_request(web.harness, 450);  // payments: its team lead U0PAYLEAD decides
  const std::string target = "approval:" + std::to_string(id) + ":0";
  Headers lead{{"Cookie", web.sign_in_as("U0PAYLEAD")}};
  Headers finops{{"Cookie", web.sign_in_as("U0FINOPS1")}};
  auto post_as = [&](const Headers& who, const std::string& body) {
    Headers h = who;
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back("X-CSRF-Token", web.csrf_token(who));
    return web.post("/web/actions", body, h);
  };
  // No grant: U0FINOPS1 may not act for the lead ...
  auto for_lead = post_as(finops, R"({"verb":"approve","subject":")" + target + R"(","acting_for":"U0PAYLEAD"})");
  CHECK(for_lead.status == 403);
  CHECK_THAT(for_lead.body, Catch::Contains("no grant to act for U0PAYLEAD"));
  // ... and as themselves is not an approver of this stage.
  auto own = post_as(finops, R"({"verb":"approve","subject":")" + target + R"("})");
  CHECK(own.status == 200);
  CHECK_THAT(own.body, Catch::Contains("not an approver"));
  // The page of someone without a grant offers no "act for" choice.
  auto page = web.get("/", lead);
  CHECK_THAT(page.body, Catch::Contains(R"(<meta name="acts-for-others" content="false">)"));
  CHECK_THAT(page.body, Catch::Contains(R"(<meta name="user-id" content="U0PAYLEAD">)"));
  auto me = json::parse(web.get("/auth/me", lead).body).as_object();
  CHECK(me.at("user_id").as_string() == "U0PAYLEAD");
  CHECK_THAT(json::serialize(me.at("roles")), Catch::Contains("approver"));
  // The lead approves as themselves.
  auto approved = post_as(lead, R"({"verb":"approve","subject":")" + target + R"("})");
  REQUIRE(approved.status == 200);
  auto record = approvals::load_request(web.harness.db(), id);
  REQUIRE(record);
  CHECK(record->status == "approved");
  REQUIRE(record->decisions.size() == 1);
  CHECK(record->decisions[0].actor == "U0PAYLEAD");
  CHECK(record->decisions[0].principal == "U0PAYLEAD");
}

TEST_CASE("sessions: one-time links, CSRF bound to the session, logout, feedback needs finops_admin", "[web][security]") {
  Web web(example_config(), false, false);
  auto token = auth::create_sign_in_link(web.harness.db(), 3600, "test", web.harness.service().clock().now());
  auto first = web.get("/auth/local?token=" + token);
  REQUIRE(first.status == 303);
  auto cookie = Web::session_cookie(first);
  CHECK(web.get("/auth/local?token=" + token).status == 403);  // used up
  CHECK(web.get("/auth/local?token=not-a-token").status == 403);
  Headers operator_session{{"Cookie", cookie}};
  auto me = json::parse(web.get("/auth/me", operator_session).body).as_object();
  CHECK(me.at("user_id").as_string() == "local-operator");
  CHECK(me.at("provider").as_string() == "local");
  CHECK(me.at("acts_for_others").as_bool());

  // Another session's CSRF token does not work with this cookie.
  Headers other{{"Cookie", web.sign_in_as("U0CFO")}};
  auto foreign_token = web.csrf_token(other);
  auto mixed = web.post("/web/actions", R"({"verb":"details","subject":"approval:1"})",
                        {{"Cookie", cookie}, {"Content-Type", "application/json"}, {"X-CSRF-Token", foreign_token}});
  CHECK(mixed.status == 403);
  CHECK_THAT(mixed.body, Catch::Contains("X-CSRF-Token"));

  // Feedback that silences detection needs finops_admin: U0CFO has none, the analysts do.
  auto not_anomaly = [&](const Headers& who) {
    Headers h = who;
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back("X-CSRF-Token", web.csrf_token(who));
    return web.post("/web/actions", R"({"verb":"not_anomaly","subject":"finding:424242"})", h);
  };
  auto refused = not_anomaly(other);
  CHECK(refused.status == 403);
  CHECK_THAT(refused.body, Catch::Contains("finops_admin"));
  CHECK(testing::count_rows(web.harness.db(), "SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND actor = 'U0CFO'") == 1);
  auto analyst = not_anomaly({{"Cookie", web.sign_in_as("U0FINOPS1")}});
  CHECK(analyst.status != 403);  // allowed (the finding does not exist: that is another answer)

  // Logout ends the session for good.
  auto csrf = web.csrf_token(operator_session);
  auto out = web.post("/auth/logout", "{}", {{"Cookie", cookie}, {"Content-Type", "application/json"}, {"X-CSRF-Token", csrf}});
  CHECK(out.status == 200);
  CHECK_THAT(out.header("Set-Cookie"), Catch::Contains("Max-Age=0"));
  CHECK(web.get("/web/feeds", operator_session).status == 401);
  CHECK(audit::verify(web.harness.db()).ok);
  CHECK(testing::count_rows(web.harness.db(), "SELECT COUNT(*) FROM audit_log WHERE action = 'session.end'") == 1);
}

TEST_CASE("behind a trusted proxy the client is the forwarded one, from anyone else the headers mean nothing", "[web][security]") {
  Web web(example_config([](config::Config& c) { c.server.trusted_proxies = {"127.0.0.1"}; }));
  // The proxy (127.0.0.1, trusted) forwards a remote client: web.access local refuses it.
  auto remote = web.get("/web/feeds", {{"X-Forwarded-For", "203.0.113.9"}});
  CHECK(remote.status == 403);
  CHECK_THAT(remote.body, Catch::Contains("only on this machine"));
  CHECK(web.get("/web/feeds", {{"Forwarded", "for=203.0.113.9;proto=https"}}).status == 403);
  // A client on this machine through the proxy is fine; so is a chain ending in trusted hops.
  CHECK(web.get("/web/feeds", {{"X-Forwarded-For", "127.0.0.1"}}).status == 200);
  // The proxy's X-Forwarded-Host is the name checked against DNS rebinding.
  CHECK(web.get("/web/feeds", {{"X-Forwarded-Host", "evil.example"}}).status == 403);

  Web direct;  // no trusted proxies: the same headers are ignored
  CHECK(direct.get("/web/feeds", {{"X-Forwarded-For", "203.0.113.9"}}).status == 200);
  CHECK(direct.get("/web/feeds", {{"X-Forwarded-Host", "evil.example"}}).status == 200);
}

TEST_CASE("the page's views: findings, incidents with charts, tickets, charts are PNGs, cached", "[web][charts]") {
  Web web(example_config(), true);
  auto findings = json::parse(web.get("/web/findings").body).as_object().at("findings").as_array();
  REQUIRE_FALSE(findings.empty());
  auto incidents = json::parse(web.get("/web/incidents").body).as_object().at("incidents").as_array();
  REQUIRE_FALSE(incidents.empty());
  auto tickets = web.get("/web/tickets");
  REQUIRE(tickets.status == 200);
  CHECK(json::parse(tickets.body).as_object().contains("awaiting"));

  detect::FindingStore store(web.harness.db());
  std::vector<detect::Finding> anomalies;
  for (auto& f : store.findings(detect::FindingQuery::open()))
    if (detect::is_cost_anomaly(f.kind)) anomalies.push_back(f);
  REQUIRE_FALSE(anomalies.empty());  // the demo's level shift and runaway GPU group
  const auto id = std::to_string(anomalies.front().id);
  auto png = web.get("/charts/" + id + ".png");
  REQUIRE(png.status == 200);
  CHECK(png.header("Content-Type") == "image/png");
  auto header = testing::read_png_header(png.body);
  CHECK(header.width == 800);
  CHECK(header.height == 400);
  auto image = testing::decode_png(png.body);
  CHECK(image.count_near(0xe0, 0x31, 0x31, 8) > 0);  // anomalous days in the highlight colour
  const auto etag = png.header("ETag");
  REQUIRE_FALSE(etag.empty());
  CHECK(web.get("/charts/F" + id + ".png").body == png.body);
  auto revalidated = web.get("/charts/" + id + ".png", {{"If-None-Match", etag}});
  CHECK(revalidated.status == 304);
  CHECK(revalidated.body.empty());

  auto waste = store.findings(detect::FindingQuery::open().with_kind("idle_compute"));
  REQUIRE_FALSE(waste.empty());
  CHECK(web.get("/charts/" + std::to_string(waste.front().id) + ".png").status == 200);

  auto unknown = web.get("/charts/987654.png");
  CHECK(unknown.status == 404);
  CHECK_THAT(unknown.body, Catch::Contains("no finding F987654"));
  CHECK(web.get("/charts/chart.png").status == 404);
}

TEST_CASE("links in messages open the page: /incidents/N, /findings/N, /approvals/N, or 404 when there is no such thing",
          "[web][links]") {
  Web web(example_config(), true);
  auto request_id = open_request(web.harness, 450);
  detect::FindingStore store(web.harness.db());
  auto open = store.findings(detect::FindingQuery::open());
  REQUIRE_FALSE(open.empty());
  const auto& finding = open.front();
  auto page = web.get("/findings/" + std::to_string(finding.id));
  CHECK(page.status == 200);
  CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(page.body, Catch::Contains("/web/app.js"));
  CHECK(web.get("/findings/F" + std::to_string(finding.id)).status == 200);
  REQUIRE(finding.incident_id > 0);
  CHECK(web.get("/incidents/" + std::to_string(finding.incident_id)).status == 200);
  CHECK(web.get("/approvals/" + std::to_string(request_id)).status == 200);

  auto missing = web.get("/incidents/987654");
  CHECK(missing.status == 404);
  CHECK_THAT(missing.body, Catch::Contains("no incident 987654 here"));
  CHECK(web.get("/findings/nonsense").status == 404);
  CHECK(web.get("/approvals/987654").status == 404);

  // Signed out: the sign-in page, for an id that exists and one that does not alike.
  for (const std::string& path : {"/incidents/" + std::to_string(finding.incident_id), std::string("/incidents/987654")}) {
    auto anonymous = web.anonymous_get(path);
    CHECK(anonymous.status == 200);
    CHECK_THAT(anonymous.body, Catch::Contains("data-testid=\"sign-in\"") && !Catch::Contains("/web/app.js") &&
                                   !Catch::Contains("987654"));
  }
}

TEST_CASE("GET /metrics counts requests by route pattern, method and status", "[web][metrics]") {
  Web web;
  auto count = [&](const std::string& series) {
    auto text = web.get("/metrics").body;
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return 0.0;
    return std::stod(text.substr(at + series.size() + 2));
  };
  const std::string healthz = R"(costbot_http_requests_total{route="/healthz",method="GET",status="200"})";
  const std::string chart404 = R"(costbot_http_requests_total{route="/charts/{id}.png",method="GET",status="404"})";
  const std::string nowhere = R"x(costbot_http_requests_total{route="(no route)",method="GET",status="404"})x";
  const double before = count(healthz), charts_before = count(chart404), nowhere_before = count(nowhere);
  web.get("/healthz");
  web.get("/healthz");
  web.get("/charts/123456.png");
  web.get("/no/such/page");
  // Counted once the response is written, which the client may see a moment earlier.
  // (All three: the 404s may be counted after the second healthz under load.)
  REQUIRE(testing::eventually([&] {
    return count(healthz) == before + 2 && count(chart404) == charts_before + 1 && count(nowhere) == nowhere_before + 1;
  }));
  auto scrape = web.get("/metrics");
  CHECK(scrape.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK_THAT(scrape.body, Catch::Contains(R"(costbot_http_request_duration_seconds_bucket{route="/healthz",le=")"));
  CHECK_THAT(scrape.body, Catch::Contains(R"(costbot_outbox_effects{status="pending"})"));
}

TEST_CASE("the REST API answers 503 while no token is configured, 401 without a token", "[web][api]") {
  Web off;
  auto r = off.get("/api/v1/findings");
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Catch::Contains("COSTBOT_API_TOKENS"));
  Web on(example_config([](config::Config& c) {
    config::ApiToken token;
    token.name = "ci";
    token.sha256 = hash::sha256_hex("ci-token-0123456789abcdef");
    token.role = "viewer";
    c.api.tokens.push_back(token);
  }));
  auto none = on.get("/api/v1/findings");
  CHECK(none.status == 401);
  CHECK_THAT(none.header("WWW-Authenticate"), Catch::StartsWith("Bearer"));
  auto ok = on.get("/api/v1/findings", {{"Authorization", "Bearer ci-token-0123456789abcdef"}});
  CHECK(ok.status == 200);
  CHECK_THAT(ok.body, Catch::StartsWith(R"({"findings":[)"));
}

TEST_CASE("the service runs its scheduler: jobs at start, followers, a graceful stop", "[web][scheduler]") {
  Web web(example_config([&](config::Config& c) {
    config::IngestSource sample;
    sample.name = "sample";
    sample.type = "focus";
    sample.paths = {testing::source_path("tests/fixtures/focus/focus_sample.csv")};
    c.ingest.sources = {sample};
    c.schedules.jobs["ingest"].enabled = true;
    c.schedules.jobs["ingest"].on_start = true;
    c.schedules.jobs["detect"].enabled = true;
  }));
  auto runs = [&](const std::string& job) { return scheduler::recent_runs(web.harness.db(), 10, job); };
  REQUIRE(testing::eventually([&] { return !runs("detect").empty(); }, std::chrono::seconds(30)));
  auto ingest = runs("ingest");
  REQUIRE(ingest.size() == 1);
  CHECK(ingest[0].trigger == "start");
  CHECK(ingest[0].outcome == scheduler::Outcome::succeeded);
  CHECK_THAT(ingest[0].message, Catch::Contains("1 ingested (1000 rows"));
  CHECK(runs("detect")[0].trigger == "after:ingest");
  CHECK(runs("approvals_sla").empty());  // disabled
  web.harness.stop();  // stops the scheduler first, then the server
  CHECK(runs("ingest").size() == 1);
}
