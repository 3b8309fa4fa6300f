#pragma once
// Jira Cloud webhooks (POST /jira/webhook): who may send them, and what an issue event says.
//
// Authentication, checked on the raw bytes before anything is parsed:
// - signature: an admin webhook registered with a secret (System > WebHooks > Secret, or the REST
//   API's "secret") is signed: X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>, the
//   WebSub form. Compared in constant time.
// - token: where no secret can be set (e.g. an automation rule's "Send web request"), the URL may
//   carry ?token=<the same secret>. Weaker (a URL is more often logged than a header), so
//   jira.webhook_auth chooses: signature, token or either. A request that carries a signature is
//   always judged by it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace costbot::jira {

enum class WebhookAuth { signature, token, either };
WebhookAuth parse_webhook_auth(std::string_view text);  // "signature", "token", "either"

// "sha256=" + hex HMAC — what Jira sends for this body.
std::string sign_webhook(std::string_view secret, std::string_view body);

// Throws Error(unauthorized) with the reason (never the expected value).
void verify_webhook(std::string_view secret, WebhookAuth mode, std::optional<std::string_view> signature_header,
                    std::optional<std::string_view> token, std::string_view raw_body);

// An issue event (jira:issue_created / jira:issue_updated / jira:issue_deleted).
struct IssueEvent {
  std::string event;            // webhookEvent
  std::int64_t timestamp = 0;   // ms, 0 when absent
  std::string key;              // FIN-24
  std::string status;           // fields.status.name (may be empty for deletes)
  std::string status_category;  // fields.status.statusCategory.key: new, indeterminate, done
  bool status_changed = false;  // the changelog has a status item
  std::string actor;            // user.displayName, for logs
};

// nullopt for events that are not about issues (comments, sprints, ...): those are acknowledged
// and ignored. Throws Error(invalid_input) naming what is wrong with a malformed body.
std::optional<IssueEvent> parse_issue_event(std::string_view body);

}  // namespace costbot::jira
