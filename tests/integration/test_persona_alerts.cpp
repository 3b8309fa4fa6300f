// Persona alerts end to end: the real service on loopback, the outbox worker delivering to fakes of
// Slack, PagerDuty (Events API v2) and an SMTP server, all checking what they receive.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <set>

#include "bot/alerts/alerts_app.hpp"
#include "bot/detection/detection_commands.hpp"
#include "engine/alerts/alert_store.hpp"
#include "engine/alerts/delivery.hpp"
#include "engine/messages/copies.hpp"
#include "engine/alerts/digest.hpp"
#include "engine/alerts/escalation.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/format.hpp"
#include "engine/util/json_fields.hpp"
#include "tests/support/alerts_support.hpp"
#include "tests/support/cost_fixtures.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_http_server.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/test_clock.hpp"

using namespace costbot;
using Catch::Contains;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kAlertsT0 = 1726660800;  // 2024-09-18T12:00:00Z


// The real service with Slack and the persona-alert parts, sharing the world's database file.
struct AlertService {
  testing::TestClock clock{kAlertsT0};
  std::unique_ptr<testing::ServiceHarness> harness;

  AlertService(testing::AlertsWorld& w, const std::string& slack_api_url, const std::string& token,
               std::function<void(config::Config&)> more = {}) {
    testing::HarnessOptions options;
    options.database_path = w.config().database.path;
    options.slack_api_url = slack_api_url;
    options.bot_token = token;
    options.clock = &clock;
    options.outbox_poll = std::chrono::milliseconds(50);
    const config::Config world = w.config();
    options.configure = [world, more](config::Config& c) {
      c.teams = world.teams;
      c.personas = world.personas;
      c.alerts = world.alerts;
      c.server.public_url = world.server.public_url;
      c.pagerduty = world.pagerduty;
      c.email = world.email;
      if (more) more(c);
    };
    options.install = [](service::Service& s) { alerts_app::install(s, testing::source_path("templates")); };
    harness = std::make_unique<testing::ServiceHarness>(options);
    harness->start();
  }
  void wake() { harness->service().wake_outbox(); }
  std::string status(storage::Database& db, const std::string& key) { return outbox::status_of(db, key).value_or("none"); }
};

std::string alert_block_action(const std::string& action_id, const std::string& value, const std::string& channel,
                         const std::string& ts) {
  json::object payload{
      {"type", "block_actions"},
      {"user", {{"id", "U0DANA"}, {"username", "dana"}, {"name", "dana"}, {"team_id", "T0001"}}},
      {"team", {{"id", "T0001"}, {"domain", "example"}}},
      {"api_app_id", "A123456"},
      {"trigger_id", "trig-1"},
      {"container", {{"type", "message"}, {"message_ts", ts}, {"channel_id", channel}, {"is_ephemeral", false}}},
      {"channel", {{"id", channel}, {"name", "finops"}}},
      {"message", {{"ts", ts}, {"text", "critical cost spike"}}},
      {"actions", json::array{{{"action_id", action_id}, {"block_id", "b1"}, {"type", "button"}, {"value", value},
                               {"action_ts", "1700000001.0"}}}}};
  return testing::interaction_body(json::serialize(payload));
}

const std::string kAnalystSlack = R"(
personas:
  cfo: {enabled: false}
  engineer: {enabled: false}
  eng_manager: {enabled: false}
  finops_analyst:
    min_severity: low
    deliver: {slack: ["#finops"], web: false}
  security_lead:
    description: security tooling spend
    min_severity: high
    deliver: {web: true}
alerts:
  escalation: {manager_after_hours: 2, director_after_hours: 6}
)";

}  // namespace

TEST_CASE("over HTTP: an incident update edits the Slack message in place, and Acknowledge stops its escalation",
          "[integration][alerts][slack]") {
  testing::FakeSlack slack;
  testing::AlertsWorld w(kAnalystSlack);
  AlertService svc(w, slack.api_url(), slack.bot_token());
  testing::FindingSpec spec;
  spec.severity = "critical";
  spec.impact_per_day = 1500;
  auto incident = w.add_finding(spec);
  const std::string subject = "incident:" + std::to_string(incident);

  alerts::AlertDelivery(w.db(), w.config(), w.templates(), svc.clock.now()).run();
  svc.wake();
  REQUIRE(slack.wait_for_calls("chat.postMessage", 1));
  auto post = slack.calls("chat.postMessage")[0];
  CHECK(json_string(post, "channel") == "#finops");
  CHECK_THAT(json::serialize(post.at("blocks")), Contains("costbot.ack:" + subject));
  CHECK_THAT(json_string(post, "text"), Contains("$1,500"));
  // The worker recorded the copy (channel id and ts Slack answered) under the incident.
  std::optional<messages::Copy> copy;
  REQUIRE(testing::eventually([&] {
    copy = messages::CopyStore(w.db()).find(subject, {"slack", "#finops"});
    return copy && copy->landed();
  }));
  const std::string channel = copy->conversation;
  const std::string ts = copy->message_id;
  REQUIRE(testing::eventually([&] { return svc.status(w.db(), alerts::messages_about(w.db(), subject)[0].post_key) == "done"; }));

  // Detection finds more: the same message is edited, not posted again.
  svc.clock.advance(3600);
  w.update_incident(incident, 2500, "critical");
  auto report = alerts::AlertDelivery(w.db(), w.config(), w.templates(), svc.clock.now()).run();
  CHECK(report.updated == 2);  // the Slack message and security_lead's web feed item
  CHECK(report.posted == 0);
  svc.wake();
  REQUIRE(slack.wait_for_calls("chat.update", 1));
  auto update = slack.calls("chat.update")[0];
  CHECK(json_string(update, "channel") == channel);
  CHECK(json_string(update, "ts") == ts);
  CHECK_THAT(json_string(update, "text"), Contains("$2,500"));
  CHECK(slack.calls("chat.postMessage").size() == 1);

  // Someone clicks Acknowledge in Slack: recorded, the message shows it, escalation never comes.
  auto r = svc.harness->post_slack("/slack/interactions", alert_block_action("costbot.ack:" + subject, subject, channel, ts));
  REQUIRE(r.status == 200);
  REQUIRE(slack.wait_for_calls("chat.update", 2));
  auto acked = slack.calls("chat.update")[1];
  CHECK(json_string(acked, "ts") == ts);
  CHECK_THAT(json::serialize(acked), Contains("Acknowledged by dana"));
  CHECK_THAT(json::serialize(acked), !Contains("costbot.ack:"));
  REQUIRE(alerts::ack_for(w.db(), subject));
  CHECK(alerts::ack_for(w.db(), subject)->actor_id == "U0DANA");
  REQUIRE(slack.wait_for_calls("chat.postEphemeral", 1));  // the clicker is told what happened
  CHECK_THAT(json::serialize(slack.calls("chat.postEphemeral")[0]), Contains("escalation stopped"));
  svc.clock.advance(10 * 3600);
  CHECK(alerts::run_escalation(w.db(), w.config(), w.templates(), svc.clock.now()).steps == 0);
  CHECK(slack.calls("chat.postMessage").size() == 1);
  svc.harness.reset();
  CHECK(slack.violations().empty());
}

TEST_CASE("over HTTP: subscribe and unsubscribe check the configured personas, built in or not", "[integration][alerts][slack]") {
  testing::FakeSlack slack;
  testing::AlertsWorld w(kAnalystSlack);
  AlertService svc(w, slack.api_url(), slack.bot_token());
  auto reply = [&](const std::string& text) {
    auto r = svc.harness->post_slack("/slack/commands", testing::slash_command_body(text));
    REQUIRE(r.status == 200);
    return r.body;
  };
  CHECK_THAT(reply("subscribe security_lead"), Contains("You are subscribed to *security_lead* alerts (security tooling spend)"));
  CHECK_THAT(reply("subscribe finops_analyst"), Contains("in a direct message from costbot"));
  CHECK_THAT(reply("subscribe finops_analist"), Contains("Did you mean `finops_analyst`?"));
  CHECK_THAT(reply("subscribe cfo"), Contains("switched off in this service (personas.cfo.enabled: false)"));
  CHECK_THAT(reply("subscribe nobody"), Contains("Personas: finops_analyst, security_lead"));
  CHECK(w.db().sql().execAndGet("SELECT COUNT(*) FROM chat_subscriptions WHERE user_id = 'U2147483697'").getInt() == 2);
  CHECK_THAT(reply("unsubscribe security_lead"), Contains("Unsubscribed from *security_lead*"));
  CHECK_THAT(reply("unsubscribe"), Contains("Unsubscribed from everything (1)"));
  CHECK(w.db().sql().execAndGet("SELECT COUNT(*) FROM chat_subscriptions").getInt() == 0);
}

TEST_CASE("PagerDuty: trigger for a critical incident and resolve when it resolves, over HTTP to an Events API fake",
          "[integration][alerts][pagerduty]") {
  const std::string key = "R0UTINGKEY0000000000000000000000";
  testing::FakeHttpServer pd;
  std::vector<std::string> problems;
  std::mutex problems_mutex;
  pd.on("POST", "/v2/enqueue", [&](const testing::RecordedRequest& req) {
    std::lock_guard lock(problems_mutex);
    auto complain = [&](std::string what) {
      problems.push_back(what);
      return testing::ScriptedResponse::json(400, R"({"status":"invalid event","message":"Event object is invalid","errors":[")" + what + "\"]}");
    };
    if (req.header("content-type").find("application/json") == std::string::npos) return complain("content type");
    if (!req.header("authorization").empty()) return complain("Events API v2 takes no Authorization header");
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec || !v.is_object()) return complain("not JSON");
    const auto& e = v.as_object();
    if (json_string(e, "routing_key") != key) return complain("routing_key");
    const auto action = json_string(e, "event_action");
    if (action != "trigger" && action != "resolve" && action != "acknowledge") return complain("event_action");
    if (json_string(e, "dedup_key").empty()) return complain("dedup_key");
    if (action == "trigger") {
      const auto& p = e.at("payload").as_object();
      if (json_string(p, "summary").empty() || json_string(p, "source").empty()) return complain("payload summary/source");
      if (json_string(p, "severity") != "critical") return complain("payload.severity");
    }
    return testing::ScriptedResponse::json(
        202, json::serialize(json::object{{"status", "success"}, {"message", "Event processed"}, {"dedup_key", json_string(e, "dedup_key")}}));
  });
  testing::AlertsWorld w(R"(
personas:
  cfo: {enabled: false}
  finops_analyst: {enabled: false}
  eng_manager: {enabled: false}
  engineer:
    min_severity: high
    deliver: {pagerduty: true, web: false}
pagerduty:
  routing_key: )" + key + "\n  events_url: " + pd.url() + "/v2/enqueue\n");
  testing::FakeSlack slack;
  AlertService svc(w, slack.api_url(), slack.bot_token());
  testing::FindingSpec spec;
  spec.severity = "critical";
  spec.impact_per_day = 6000;
  auto incident = w.add_finding(spec);
  const std::string dedup = "incident:" + std::to_string(incident);
  alerts::AlertDelivery(w.db(), w.config(), w.templates(), svc.clock.now()).run();
  svc.wake();
  REQUIRE(pd.wait_for_requests("POST", "/v2/enqueue", 1));
  auto trigger = json::parse(pd.requests("POST", "/v2/enqueue")[0].body).as_object();
  CHECK(json_string(trigger, "event_action") == "trigger");
  CHECK(json_string(trigger, "dedup_key") == dedup);
  CHECK_THAT(json_string(trigger.at("payload").as_object(), "summary"), Contains("payments"));
  CHECK(trigger.at("links").as_array().size() == 1);
  CHECK(trigger.at("images").as_array().size() == 1);  // the cost chart
  REQUIRE(testing::eventually([&] { return svc.status(w.db(), "pagerduty:" + dedup + ":trigger") == "done"; }));

  w.resolve_incident(incident);
  svc.clock.advance(60);
  alerts::AlertDelivery(w.db(), w.config(), w.templates(), svc.clock.now()).run();
  svc.wake();
  REQUIRE(pd.wait_for_requests("POST", "/v2/enqueue", 2));
  auto resolve = json::parse(pd.requests("POST", "/v2/enqueue")[1].body).as_object();
  CHECK(json_string(resolve, "event_action") == "resolve");
  CHECK(json_string(resolve, "dedup_key") == dedup);
  REQUIRE(testing::eventually([&] { return svc.status(w.db(), "pagerduty:" + dedup + ":resolve") == "done"; }));
  std::lock_guard lock(problems_mutex);
  CHECK(problems.empty());
}

TEST_CASE("email: a digest goes through SMTP to a loopback server, and a refused recipient fails the effect with the reason",
          "[integration][alerts][email]") {
  testing::FakeSmtpServer smtp;
  smtp.reject("nobody@example.com");
  testing::AlertsWorld w(R"(
personas:
  cfo: {enabled: false}
  engineer: {enabled: false}
  eng_manager: {enabled: false}
  finops_analyst:
    digests: [daily]
    deliver: {email: [analyst@example.com, nobody@example.com], web: false}
email:
  smtp_url: )" + smtp.url() + R"(
  tls: none
  from: "costbot <costbot@example.com>"
  timeout: 5s
)");
  w.seed_spike(9000);
  testing::FakeSlack slack;
  AlertService svc(w, slack.api_url(), slack.bot_token());
  auto report = alerts::send_digests(w.db(), w.config(), w.templates(), "daily", svc.clock.now());
  CHECK(report.messages == 2);
  svc.wake();
  REQUIRE(smtp.wait_for_messages(1));
  auto m = smtp.messages()[0];
  CHECK(m.mail_from == "costbot@example.com");
  CHECK(m.rcpt_to == std::vector<std::string>{"analyst@example.com"});
  CHECK(m.header("From") == "costbot <costbot@example.com>");
  CHECK(m.header("To") == "analyst@example.com");
  CHECK_THAT(m.header("Subject"), Contains("=?UTF-8?B?"));  // "·" is not ASCII: an encoded word
  CHECK(m.header("Content-Type") == "text/plain; charset=UTF-8");
  CHECK_THAT(m.body(), Contains("Daily cost digest"));
  CHECK_THAT(m.body(), Contains("Open incidents:"));
  CHECK_THAT(m.body(), Contains("\r\n"));
  const std::string ok_key = "digest:finops_analyst:daily:2024-09-18:email:analyst@example.com";
  const std::string bad_key = "digest:finops_analyst:daily:2024-09-18:email:nobody@example.com";
  REQUIRE(testing::eventually([&] { return svc.status(w.db(), ok_key) == "done"; }));
  REQUIRE(testing::eventually([&] { return svc.status(w.db(), bad_key) == "failed"; }));
  auto error = w.db().sql().execAndGet("SELECT last_error FROM outbox WHERE idempotency_key = '" + bad_key + "'").getString();
  CHECK_THAT(error, Contains("nobody@example.com"));
  CHECK(smtp.messages().size() == 1);
  CHECK(smtp.violations().empty());
}

TEST_CASE("costbot route and costbot render explain and print a finding's messages", "[integration][alerts][cli]") {
  testing::TempDir dir;
  const std::string config_path = dir.write("costbot.yaml", R"(
teams:
  - name: payments
    budget: {monthly: 30000}
    slack_channel: "#payments-costs"
personas:
  cfo:
    deliver: {email: [cfo@example.com]}
  engineer:
    deliver: {slack: [team]}
server:
  public_url: https://costbot.example.com
)");
  const std::string db = dir.file("cli.db");
  {
    auto handle = storage::open_migrated(db);
    detect::Finding f;
    f.kind = "cost_spike";
    f.rule_id = "anomaly:team";
    f.fingerprint = "cli|1";
    f.scope_dimension = "team";
    f.scope_value = "payments";
    f.team = "payments";
    f.resource = "payments-gpu-1";
    f.account = "111111111111";
    f.region = "us-east-1";
    f.sku = "sku-gpu";
    f.severity = "medium";
    f.day = *parse_day("2024-09-18");
    f.expected = 1000;
    f.actual = 1400;
    f.impact_per_day = 400;
    f.impact_per_month = 400 * 30.4;
    f.percent_change = 0.4;
    f.score = 0.8;
    f.title = "Cost spike: team payments $1,400 on Sep 18";
    f.remediation = {"Scale the GPU group back.", "aws autoscaling set-desired-capacity --desired-capacity 1"};
    auto tx = handle.begin_write();
    detect::FindingStore store(handle);
    store.upsert(f, kAlertsT0);
    store.attach_to_incident(f, kAlertsT0);
    tx.commit();
  }
  auto route = testing::run_costbot({"--config", config_path, "--db", db, "route", "--finding", "I1"}, {"COSTBOT_NOW=2024-09-18T12:00:00Z"});
  INFO(route.out << route.err);
  REQUIRE(route.exit_code == 0);
  CHECK_THAT(route.out, Contains("cfo: does not get it: severity medium is below min_severity high"));
  CHECK_THAT(route.out, Contains("engineer: gets it now"));
  CHECK_THAT(route.out, Contains("x  slack #payments-costs  (deliver.slack: team (payments)): Slack is not configured"));
  CHECK_THAT(route.out, Contains("eng_manager: does not get it"));

  auto slack = testing::run_costbot({"--config", config_path, "--db", db, "render", "--finding", "F1", "--persona", "engineer",
                                     "--channel", "slack"});
  INFO(slack.err);
  REQUIRE(slack.exit_code == 0);
  auto body = json::parse(slack.out).as_object();
  CHECK(body.contains("blocks"));
  CHECK_FALSE(body.contains("subject"));
  CHECK_THAT(slack.out, Contains("aws autoscaling set-desired-capacity"));

  auto email = testing::run_costbot({"--config", config_path, "--db", db, "render", "--finding", "F1", "--persona", "cfo",
                                     "--channel", "email"});
  REQUIRE(email.exit_code == 0);
  CHECK_THAT(email.out, Contains("To: cfo@example.com\r\n"));
  CHECK_THAT(email.out, Contains("Subject: "));
  CHECK_THAT(email.out, Contains("$12,160/month"));

  auto bad = testing::run_costbot({"--config", config_path, "--db", db, "render", "--finding", "F1", "--persona", "cfoo",
                                   "--channel", "web"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("no persona \"cfoo\" (did you mean cfo?)"));
  auto missing = testing::run_costbot({"--config", config_path, "--db", db, "route", "--finding", "F99"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("no finding F99"));
}

namespace {

// Two teams in two AWS accounts, 120 days ending 2024-09-18 (weekends 70%, a 2% wobble; every
// row used 24 hours, so no waste rule has anything to say; both teams well inside their budgets):
// payments (account 111111111111): payments-web on EC2 $300, payments-db on RDS $200 and the GPU
// box payments-gpu-1 on EC2 $150 a day; platform (account 222222222222): platform-k8s on EC2 $500.
// On the last day payments-gpu-1 costs 12x its usual: the same event shows in its resource, its
// service, its team, its account and its provider. Returns the real change ($/day).
double seed_one_event(storage::Database& db) {
  testing::CostFixture fx(db);
  const Day first = Day(std::chrono::year(2024) / 5 / 22);
  double change = 0;
  for (int i = 0; i < 120; ++i) {
    const Day d = first + std::chrono::days{i};
    const double week = (weekday(d) == 0 || weekday(d) == 6) ? 0.7 : 1.0;
    const double wobble = 1 + 0.02 * std::sin(i * 1.7);
    auto row = [&](double cost, const std::string& team, const std::string& account, const std::string& service,
                   const std::string& resource) {
      testing::CostRow r{format_day(d), cost, team};
      r.account = account;
      r.service = service;
      r.resource = resource;
      r.sku = resource + "-sku";
      r.consumed = 24;
      r.unit = "Hours";
      fx.add(r);
    };
    row(300 * week * wobble, "payments", "111111111111", "Amazon Elastic Compute Cloud", "payments-web");
    row(200 * week * wobble, "payments", "111111111111", "Amazon RDS", "payments-db");
    const double gpu = 150 * wobble;
    row(i == 119 ? 12 * gpu : gpu, "payments", "111111111111", "Amazon Elastic Compute Cloud", "payments-gpu-1");
    row(500 * week * wobble, "platform", "222222222222", "Amazon Elastic Compute Cloud", "platform-k8s");
    if (i == 119) change = 11 * gpu;
  }
  return change;
}

}  // namespace

TEST_CASE("one 12x spike on one resource is one incident: one page, one CFO email, one Slack post, its own dollars",
          "[integration][alerts][correlation]") {
  const std::string key = "R0UTINGKEY0000000000000000000000";
  testing::FakeHttpServer pd;
  pd.on("POST", "/v2/enqueue", [](const testing::RecordedRequest&) {
    return testing::ScriptedResponse::json(202, R"({"status":"success","message":"Event processed"})");
  });
  testing::FakeSmtpServer smtp;
  testing::FakeSlack slack;
  testing::AlertsWorld w(R"(
personas:
  eng_manager: {enabled: false}
  cfo:
    min_severity: high
    deliver: {email: [cfo@example.com], web: false}
  engineer:
    min_severity: high
    deliver: {pagerduty: true, web: false}
  finops_analyst:
    min_severity: low
    deliver: {slack: ["#finops"], web: false}
pagerduty:
  routing_key: )" + key + "\n  events_url: " + pd.url() + R"(/v2/enqueue
  min_severity: critical
email:
  smtp_url: )" + smtp.url() + R"(
  tls: none
  from: "costbot <costbot@example.com>"
)");
  // Every scope of the shipped config, and its hierarchies.
  w.config().detection.anomaly.scopes = config::AnomalyConfig{}.scopes;
  const double change = seed_one_event(w.db());
  auto summary = detect::run_detection(w.db(), w.config(), 1726653600);
  INFO("findings new " << summary.findings_new);

  detect::FindingQuery open;
  open.open_only = true;
  auto incidents = detect::FindingStore(w.db()).incidents(open);
  REQUIRE(incidents.size() == 1);
  const auto incident = incidents[0];
  CHECK(incident.scope_dimension == "resource");
  CHECK(incident.scope_value == "payments-gpu-1");
  CHECK(incident.severity == "critical");
  CHECK(incident.peak_impact_per_day == Approx(change).epsilon(0.05));
  // The broader scopes are context of its finding, not findings of their own.
  auto finding = detect::FindingStore(w.db()).finding(incident.latest_finding_id);
  REQUIRE(finding);
  std::set<std::string> related;
  for (const auto& s : finding->related) related.insert(s.dimension + ":" + s.value);
  CHECK(related.count("team:payments") == 1);
  CHECK(related.count("account:111111111111") == 1);
  CHECK(related.count("provider:aws") == 1);
  CHECK(related.count("service:Amazon Elastic Compute Cloud") == 1);
  CHECK(w.db().sql().execAndGet("SELECT COUNT(*) FROM findings WHERE status = 'open'").getInt() == 1);

  // The real service, its outbox stepped by the test.
  testing::TestClock clock{kAlertsT0};
  testing::HarnessOptions options;
  options.database_path = w.config().database.path;
  options.slack_api_url = slack.api_url();
  options.bot_token = slack.bot_token();
  options.clock = &clock;
  options.stepped_outbox = true;
  const config::Config world = w.config();
  options.configure = [world](config::Config& c) {
    c.teams = world.teams;
    c.personas = world.personas;
    c.alerts = world.alerts;
    c.server.public_url = world.server.public_url;
    c.pagerduty = world.pagerduty;
    c.email = world.email;
    c.detection = world.detection;
  };
  options.install = [](service::Service& s) {
    alerts_app::install(s, testing::source_path("templates"));
    detection_chat::install(s);  // `/cost anomalies`, as `costbot serve` does
  };
  testing::ServiceHarness harness(options);
  harness.start();

  alerts::AlertDelivery(w.db(), w.config(), w.templates(), clock.now()).run();
  harness.deliver_due();
  const auto pages = pd.requests("POST", "/v2/enqueue");
  REQUIRE(pages.size() == 1);
  CHECK(json_string(json::parse(pages[0].body).as_object(), "event_action") == "trigger");
  CHECK(json_string(json::parse(pages[0].body).as_object(), "dedup_key") == "incident:" + std::to_string(incident.id));
  REQUIRE(smtp.messages().size() == 1);
  CHECK(smtp.messages()[0].rcpt_to == std::vector<std::string>{"cfo@example.com"});
  REQUIRE(slack.calls("chat.postMessage").size() == 1);
  CHECK(json_string(slack.calls("chat.postMessage")[0], "channel") == "#finops");

  // `/cost anomalies`: the one incident, at stake what really changed (not summed over scopes).
  auto listed = harness.post_slack("/slack/commands", testing::slash_command_body("anomalies"));
  REQUIRE(listed.status == 200);
  CHECK_THAT(listed.body, Contains("1 open, " + fmtx::money(incident.peak_impact_per_day, 0, "USD") + "/day at stake"));

  // Acknowledge once: the incident is acknowledged, nothing else is open, escalation never comes.
  const std::string subject = "incident:" + std::to_string(incident.id);
  auto copy = messages::CopyStore(w.db()).find(subject, {"slack", "#finops"});
  REQUIRE(copy);
  REQUIRE(copy->landed());
  auto r = harness.post_slack("/slack/interactions",
                              alert_block_action("costbot.ack:" + subject, subject, copy->conversation, copy->message_id));
  REQUIRE(r.status == 200);
  harness.deliver_due();
  REQUIRE(alerts::ack_for(w.db(), subject));
  clock.advance(10 * 3600);
  CHECK(alerts::run_escalation(w.db(), w.config(), w.templates(), clock.now()).steps == 0);

  // The next day's run (the spike over) opens nothing at the broader scopes and sends nothing new.
  CHECK(detect::run_detection(w.db(), w.config(), 1726653600 + 86400).findings_new == 0);
  CHECK(detect::FindingStore(w.db()).incidents(open).size() <= 1);
  auto later = alerts::AlertDelivery(w.db(), w.config(), w.templates(), clock.now()).run();
  CHECK(later.posted == 0);
  harness.deliver_due();
  // PagerDuty heard of it once more: the Slack ack acknowledged the page, nothing triggered again.
  int triggers = 0;
  for (const auto& request : pd.requests("POST", "/v2/enqueue")) {
    const auto action = json_string(json::parse(request.body).as_object(), "event_action");
    triggers += action == "trigger";
    CHECK((action == "trigger" || action == "acknowledge"));
  }
  CHECK(triggers == 1);
  CHECK(smtp.messages().size() == 1);
  CHECK(slack.calls("chat.postMessage").size() == 1);
  CHECK(slack.violations().empty());
  CHECK(smtp.violations().empty());
}
