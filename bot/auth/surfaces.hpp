#pragma once
// Every chat and web surface asks engine/auth the same question, through these adapters:
//   - a click (chat::ChatAction from Slack, Teams, the web channel) → the action it performs;
//   - a typed command (Slack, Teams, the web) → the action it performs;
//   - the caller (chat::Actor, verified by its adapter) → an auth::Principal.
// The service installs both guards at start (Service::start): the action handler chain is wrapped
// by AuthorizingActionHandler, and the command dispatcher gets command_guard(). The chat front
// door (bot/ chat ingress) calls the same functions.
#include <memory>
#include <optional>

#include "bot/actions/action_handler.hpp"
#include "bot/commands/command.hpp"
#include "bot/commands/dispatcher.hpp"
#include "engine/auth/authorization.hpp"

namespace costbot::authz {

// A chat or web user as verified by its adapter.
auth::Principal principal_of(const chat::Actor& actor);

// What a click does: approve/reject on approval:* = decide_approval, not_anomaly = feedback,
// ack = acknowledge, details = view.
auth::Action action_of(const chat::ChatAction& action);
// What a command does; nullopt for help (always answered).
std::optional<auth::Action> action_of(const commands::Command& command);

// Refuses (Error forbidden, audited as access.denied) what the clicker's roles do not allow, and
// an acting_for without a grant; passes the rest on. Approve / reject go on to the approvals
// engine, which checks the stage's own approvers (stricter than the approver role) and audits a
// refusal as decision.denied.
class AuthorizingActionHandler final : public actions::ActionHandler {
 public:
  AuthorizingActionHandler(const auth::Authorizer& authorizer, std::shared_ptr<actions::ActionHandler> next)
      : authorizer_(authorizer), next_(std::move(next)) {}
  actions::ActionOutcome handle(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) override;

 private:
  const auth::Authorizer& authorizer_;
  std::shared_ptr<actions::ActionHandler> next_;
};

// For commands::Dispatcher::set_guard: a refusal reply (and an audit row) when the invoker may not
// run the command.
commands::Dispatcher::Guard command_guard(const auth::Authorizer& authorizer);

}  // namespace costbot::authz
