#include "tests/support/approvals_service.hpp"

#include <thread>

#include "engine/messages/copies.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/slack_signing.hpp"

namespace costbot::testing {
namespace json = boost::json;

ApprovalsService::ApprovalsService(ApprovalsServiceOptions o) {
  HarnessOptions options;
  options.database_path = dir.file("approvals.db");
  options.slack_api_url = slack.api_url();
  options.bot_token = slack.bot_token();
  options.clock = &clock;
  options.outbox_max_attempts = 8;
  options.http_request_timeout = o.http_request_timeout;
  options.ca_file = o.ca_file;
  options.configure = [this, o](config::Config& c) {
    auto loaded = load_config_text(kApprovalsTestConfig);
    c.teams = loaded.teams;
    c.approvals = loaded.approvals;
    c.workflows = loaded.workflows;
    c.access = loaded.access;  // roles: who may give "Not an anomaly" feedback (finops_admin)
    c.approvals.post_to = {"slack"};
    c.approvals.slack_channel = kApprovalsChannel;
    if (o.jira) {
      c.jira.base_url = jira.base_url();
      c.jira.email = jira.email();
      c.jira.api_token = config::Secret(jira.api_token(), "test");
    }
    c.jira.search_settle = o.search_settle;
    if (!o.webhook_secret.empty()) c.jira.webhook_secret = config::Secret(o.webhook_secret, "test");
    c.jira.webhook_auth = o.webhook_auth;
    if (o.configure) o.configure(c);
  };
  harness = std::make_unique<ServiceHarness>(options);
  harness->start();
  engine = std::make_unique<approvals::Approvals>(harness->service().config(), render::Templates(source_path("templates")));
}

ApprovalsService::~ApprovalsService() { harness.reset(); }

std::vector<std::string> ApprovalsService::violations() {
  auto all = slack.violations();
  for (auto& v : jira.violations()) all.push_back("jira: " + v);
  return all;
}

std::int64_t ApprovalsService::open_request(double amount, const std::string& requester, const std::string& finding,
                                            const std::string& workflow) {
  approvals::RequestFacts f;
  f.title = "Stop idle instances in prod-payments";
  f.team = "payments";
  f.amount = amount;
  f.severity = "high";
  f.kind = "idle_compute";
  f.requester = requester;
  f.finding_id = finding;
  f.workflow = workflow;
  f.facts["summary"] = "14 m6i.4xlarge instances idle for 30 days";
  auto id = engine->create_request(db(), f, clock.now()).id;
  wake();
  return id;
}

std::string ApprovalsService::posted_ts(std::int64_t request_id) {
  const std::string subject = "approval:" + std::to_string(request_id);
  std::string ts;
  eventually([&] {
    auto copy = messages::CopyStore(db()).find(subject, {"slack", kApprovalsChannel});
    if (copy && copy->landed()) ts = copy->message_id;
    return !ts.empty();
  });
  return ts;
}

TestResponse ApprovalsService::click(const std::string& verb, const std::string& value, const std::string& user,
                                     const std::string& response_id, const std::string& ts) {
  // The subject in the action id is the value without a stage suffix, as the template writes it.
  auto subject = value;
  if (subject.rfind("approval:", 0) == 0)
    if (auto colon = subject.find(':', 9); colon != std::string::npos) subject = subject.substr(0, colon);
  json::object payload{
      {"type", "block_actions"},
      {"user", {{"id", user}, {"username", "user-" + user}, {"name", "user-" + user}, {"team_id", "T0001"}}},
      {"team", {{"id", "T0001"}, {"domain", "example"}}},
      {"api_app_id", "A123456"},
      {"trigger_id", "trig-" + user + "-" + verb},
      {"response_url", slack.response_url(response_id)},
      {"container", {{"type", "message"}, {"message_ts", ts}, {"channel_id", kApprovalsChannel}, {"is_ephemeral", false}}},
      {"channel", {{"id", kApprovalsChannel}, {"name", "approvals"}}},
      {"message", {{"ts", ts}, {"text", "Approval request"}}},
      {"actions", json::array{{{"action_id", "costbot." + verb + ":" + subject}, {"block_id", "b1"}, {"type", "button"},
                               {"value", value}, {"action_ts", "1700000001.0"}}}}};
  return harness->post_slack("/slack/interactions", interaction_body(json::serialize(payload)));
}

TestResponse ApprovalsService::submit_reject_reason(const std::string& subject, const std::string& user,
                                                    const std::string& reason, const std::string& response_id) {
  json::object meta{{"subject", subject}, {"channel", kApprovalsChannel}, {"ts", ""}, {"ephemeral", false},
                    {"text", "Approval request"}, {"response_url", slack.response_url(response_id)}};
  json::object payload{
      {"type", "view_submission"},
      {"user", {{"id", user}, {"name", "user-" + user}}},
      {"team", {{"id", "T0001"}}},
      {"view",
       {{"id", "V0FAKE1"},
        {"callback_id", "costbot.reject_reason"},
        {"private_metadata", json::serialize(meta)},
        {"state", {{"values", {{"reason", {{"reason_text", {{"type", "plain_text_input"}, {"value", reason}}}}}}}}}}}};
  return harness->post_slack("/slack/interactions", interaction_body(json::serialize(payload)));
}

std::string ApprovalsService::command(const std::string& text, const std::string& user) {
  auto r = harness->post_slack("/slack/commands", slash_command_body(text, slack.response_url("cmd"), "/cost", user));
  if (r.status != 200) return "HTTP " + std::to_string(r.status) + ": " + r.body;
  return r.body;
}

TestResponse ApprovalsService::jira_webhook(const std::string& body, std::optional<std::string> secret,
                                            std::optional<std::string> token) {
  Headers headers{{"Content-Type", "application/json; charset=UTF-8"},
                  {"X-Atlassian-Webhook-Identifier", hash::random_hex(8)}};
  if (secret) headers.emplace_back("X-Hub-Signature", "sha256=" + hash::hmac_sha256_hex(*secret, body));
  std::string target = "/jira/webhook";
  if (token) target += "?token=" + url_encode(*token);
  return http_request("127.0.0.1", harness->port(), "POST", target, headers, body);
}

std::string ApprovalsService::last_note() {
  auto posts = slack.response_url_posts();
  if (posts.empty()) return {};
  return json::serialize(posts.back());
}

std::optional<json::object> ApprovalsService::wait_for_update(const std::string& text, std::chrono::milliseconds timeout) {
  std::optional<json::object> found;
  eventually(
      [&] {
        for (const auto& u : slack.calls("chat.update"))
          if (json::serialize(u).find(text) != std::string::npos) {
            found = u;
            return true;
          }
        return false;
      },
      timeout);
  return found;
}

bool ApprovalsService::advance_until(const std::function<bool()>& done, std::int64_t step_seconds, int max_steps) {
  for (int i = 0; i < max_steps; ++i) {
    if (done()) return true;
    clock.advance(step_seconds);
    wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::optional<std::string> ApprovalsService::outbox_status(const std::string& key) { return outbox::status_of(db(), key); }

}  // namespace costbot::testing
