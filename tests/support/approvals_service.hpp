#pragma once
// The real service (in-process, loopback port, SQLite file) with approvals installed, a FakeSlack
// for the Web API and response_url, a FakeJira for tickets, and a settable clock — for tests that
// drive approvals end to end over HTTP: signed Slack clicks and commands, the Jira webhook, and
// what the outbox then sends.
//
// Config: the approvals test config (tests/support/approvals_support.hpp: payments with lead
// U_LEAD, FinOps U_F1..U_F3, CFO U_CFO; workflows small / mid / big / either), requests posted to
// Slack channel C0APPR, Jira at the fake (project FIN) unless options.jira is false.
#include <boost/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/approvals/approvals.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/fake_jira.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

namespace costbot::testing {

inline const std::string kApprovalsChannel = "C0APPR";
inline const std::string kWebhookSecret = "whsec-jira-test";

struct ApprovalsServiceOptions {
  bool jira = true;                    // false: the local ticket outbox
  std::int64_t search_settle = 0;      // jira.search_settle
  std::string webhook_secret = kWebhookSecret;  // empty: /jira/webhook answers 503
  std::string webhook_auth = "either";
  std::chrono::milliseconds http_request_timeout{3000};
  std::function<void(config::Config&)> configure;
  std::string ca_file;  // a TLS fake's test CA (FakeTeams), trusted by the service's HTTPS client
};

class ApprovalsService {
 public:
  explicit ApprovalsService(ApprovalsServiceOptions options = {});
  ~ApprovalsService();
  // Protocol mistakes the fakes saw (Slack and Jira): a test checks this stays empty.
  std::vector<std::string> violations();

  TempDir dir;
  FakeSlack slack;
  FakeJira jira;
  TestClock clock{kApprovalsT0};
  std::unique_ptr<ServiceHarness> harness;
  std::unique_ptr<approvals::Approvals> engine;  // the test thread's view of the same config

  storage::Database& db() { return harness->db(); }
  std::int64_t count(const std::string& sql) { return db().sql().execAndGet(sql).getInt64(); }
  void wake() { harness->service().wake_outbox(); }

  // A request by `requester` for team payments (the amount picks the workflow), posted to Slack.
  std::int64_t open_request(double amount, const std::string& requester = "U_REQ", const std::string& finding = "",
                            const std::string& workflow = "");
  // The Slack ts of the request's posted message (waits for the post).
  std::string posted_ts(std::int64_t request_id);

  // A signed block_actions click on a costbot button: action_id "costbot.<verb>:<subject>", value
  // `value` (approval:ID:STAGE for approval buttons). response_url: the fake's /response/<id>.
  TestResponse click(const std::string& verb, const std::string& value, const std::string& user,
                     const std::string& response_id = "r1", const std::string& ts = "");
  // The reject-reason modal submitted for `subject` (as opened by a Reject click).
  TestResponse submit_reject_reason(const std::string& subject, const std::string& user, const std::string& reason,
                                    const std::string& response_id = "m1");
  // A signed slash command, answered inline (the JSON reply's text + blocks, serialized).
  std::string command(const std::string& text, const std::string& user);
  // POST /jira/webhook, signed with `secret` unless a token is given (then ?token=...).
  TestResponse jira_webhook(const std::string& body, std::optional<std::string> secret = kWebhookSecret,
                            std::optional<std::string> token = std::nullopt);

  // The latest response_url post's text (ephemeral notes to the actor).
  std::string last_note();
  // Waits until a chat.update for the request's message contains `text`; returns that update.
  std::optional<boost::json::object> wait_for_update(const std::string& text,
                                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Moves the clock on (in steps) and wakes the outbox until `done` holds: retries and
  // Retry-After reschedules become due without sleeping through them.
  bool advance_until(const std::function<bool()>& done, std::int64_t step_seconds = 5, int max_steps = 200);
  std::optional<std::string> outbox_status(const std::string& idempotency_key);
};

}  // namespace costbot::testing
