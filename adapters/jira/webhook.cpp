#include "adapters/jira/webhook.hpp"

#include <boost/json.hpp>

#include "adapters/jira/rest_api.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::jira {
namespace json = boost::json;
namespace {

[[noreturn]] void unauthorized(const std::string& reason) {
  throw Error(ErrorKind::unauthorized, "Jira webhook verification failed: " + reason);
}

}  // namespace

WebhookAuth parse_webhook_auth(std::string_view text) {
  if (text == "signature") return WebhookAuth::signature;
  if (text == "token") return WebhookAuth::token;
  return WebhookAuth::either;
}

std::string sign_webhook(std::string_view secret, std::string_view body) {
  return "sha256=" + hash::hmac_sha256_hex(secret, body);
}

void verify_webhook(std::string_view secret, WebhookAuth mode, std::optional<std::string_view> signature_header,
                    std::optional<std::string_view> token, std::string_view raw_body) {
  if (secret.empty()) unauthorized("no webhook secret configured");
  if (signature_header && mode != WebhookAuth::token) {
    if (signature_header->size() != 71 || !signature_header->starts_with("sha256="))
      unauthorized("X-Hub-Signature is not a sha256=<hex> signature");
    if (!hash::equal_constant_time(sign_webhook(secret, raw_body), *signature_header)) unauthorized("signature does not match");
    return;
  }
  if (mode == WebhookAuth::signature) unauthorized("missing X-Hub-Signature header (jira.webhook_auth is signature)");
  if (!token) unauthorized(mode == WebhookAuth::token ? "missing ?token= (jira.webhook_auth is token)"
                                                      : "missing X-Hub-Signature header or ?token=");
  // Compare digests, so the comparison's length says nothing about the secret's.
  if (!hash::equal_constant_time(hash::sha256_hex(*token), hash::sha256_hex(secret))) unauthorized("token does not match");
}

std::optional<IssueEvent> parse_issue_event(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  auto value = json::parse(body, ec, {}, options);
  if (ec) throw invalid_input("Jira webhook body is not valid JSON: " + ec.message());
  if (!value.is_object()) throw invalid_input("Jira webhook body must be a JSON object");
  const auto& root = value.as_object();
  IssueEvent e;
  e.event = json_string(root, "webhookEvent");
  if (e.event.empty()) throw invalid_input("Jira webhook body has no \"webhookEvent\"");
  if (!e.event.starts_with("jira:issue_")) return std::nullopt;
  if (auto* ts = root.if_contains("timestamp"); ts && ts->is_int64()) e.timestamp = ts->as_int64();
  if (auto* user = root.if_contains("user"); user && user->is_object()) e.actor = json_string(user->as_object(), "displayName");
  auto* issue = root.if_contains("issue");
  if (!issue || !issue->is_object()) throw invalid_input("Jira " + e.event + " has no \"issue\" object");
  e.key = json_string(issue->as_object(), "key");
  if (!is_issue_key(e.key)) throw invalid_input("Jira " + e.event + ": issue.key \"" + e.key + "\" is not an issue key");
  if (e.event == "jira:issue_deleted") return e;
  auto* fields = issue->as_object().if_contains("fields");
  if (!fields || !fields->is_object()) throw invalid_input("Jira " + e.event + ": issue has no \"fields\" object");
  auto* status = fields->as_object().if_contains("status");
  if (!status || !status->is_object()) throw invalid_input("Jira " + e.event + ": issue.fields has no \"status\" object");
  e.status = json_string(status->as_object(), "name");
  if (e.status.empty()) throw invalid_input("Jira " + e.event + ": issue.fields.status has no \"name\"");
  auto* category = status->as_object().if_contains("statusCategory");
  if (!category || !category->is_object())
    throw invalid_input("Jira " + e.event + ": issue.fields.status has no \"statusCategory\" object");
  e.status_category = json_string(category->as_object(), "key");
  // Jira's categories: new (To Do), indeterminate (In Progress), done, and undefined (no category).
  if (e.status_category != "new" && e.status_category != "indeterminate" && e.status_category != "done" &&
      e.status_category != "undefined")
    throw invalid_input("Jira " + e.event + ": statusCategory.key \"" + e.status_category +
                        "\" is none of new, indeterminate, done, undefined");
  if (auto* changelog = root.if_contains("changelog"); changelog && changelog->is_object())
    if (auto* items = changelog->as_object().if_contains("items"); items && items->is_array())
      for (const auto& item : items->as_array())
        if (item.is_object() && json_string(item.as_object(), "field") == "status") e.status_changed = true;
  return e;
}

}  // namespace costbot::jira
