#include "bot/auth/surfaces.hpp"

#include <spdlog/spdlog.h>

#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"

namespace costbot::authz {
namespace {

// Refusals are audited in their own transaction: nothing else changes.
void audit_denial(storage::Database& db, const auth::Principal& p, auth::Action action, const std::string& subject,
                  const std::string& reason, UnixSeconds now) {
  try {
    auto tx = db.begin_write();
    audit::append(db,
                  {p.user_id.empty() ? p.via : p.user_id, "access.denied", subject,
                   {{"action", auth::to_string(action)}, {"platform", p.platform}, {"reason", reason}}},
                  now);
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::warn("could not audit a refused {}: {}", auth::to_string(action), e.what());
  }
}

}  // namespace

auth::Principal principal_of(const chat::Actor& actor) {
  auth::Principal p;
  p.platform = actor.platform;
  p.user_id = actor.user_id;
  p.name = actor.name.empty() ? actor.user_id : actor.name;
  p.via = actor.platform.empty() ? "chat" : actor.platform;
  return p;
}

auth::Action action_of(const chat::ChatAction& action) {
  switch (action.verb) {
    case chat::ActionVerb::approve:
    case chat::ActionVerb::reject: return auth::Action::decide_approval;
    case chat::ActionVerb::not_anomaly: return auth::Action::feedback;
    case chat::ActionVerb::ack: return auth::Action::acknowledge;
    case chat::ActionVerb::details:
    // Sharing runs the query again as whoever clicked (the command guard checks it too).
    case chat::ActionVerb::share: return auth::Action::view;
  }
  return auth::Action::manage_access;  // unknown: the strictest
}

std::optional<auth::Action> action_of(const commands::Command& command) {
  using namespace commands;
  return std::visit(
      [](const auto& c) -> std::optional<auth::Action> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, Help>) return std::nullopt;
        else if constexpr (std::is_same_v<T, Approve> || std::is_same_v<T, Reject>) return auth::Action::decide_approval;
        else if constexpr (std::is_same_v<T, RequestTicket>) return auth::Action::request_approval;
        else if constexpr (std::is_same_v<T, Subscribe> || std::is_same_v<T, Unsubscribe>) return auth::Action::subscribe;
        else return auth::Action::view;
      },
      command);
}

actions::ActionOutcome AuthorizingActionHandler::handle(const chat::ChatAction& action, storage::Database& db,
                                                        UnixSeconds now) {
  auto principal = principal_of(action.actor);
  auto what = action_of(action);
  if (!action.acting_for.empty() && !authorizer_.may_act_for(principal, action.acting_for)) {
    std::string reason = principal.user_id + " has no grant to act for " + action.acting_for + " (access.act_for)";
    audit_denial(db, principal, what, action.subject, reason, now);
    throw Error(ErrorKind::forbidden, reason);
  }
  // Approve / reject: the approvals engine checks the stage's approvers and audits refusals.
  if (what != auth::Action::decide_approval) {
    auto verdict = authorizer_.check(principal, what);
    if (!verdict.allowed) {
      audit_denial(db, principal, what, action.subject, verdict.reason, now);
      spdlog::info("refused {} on {} by {}:{}: {}", chat::to_string(action.verb), action.subject, principal.platform,
                   principal.user_id, verdict.reason);
      throw Error(ErrorKind::forbidden, verdict.reason);
    }
  }
  return next_->handle(action, db, now);
}

commands::Dispatcher::Guard command_guard(const auth::Authorizer& authorizer) {
  return [&authorizer](const commands::Command& command,
                       const commands::Invocation& inv) -> std::optional<chat::Reply> {
    auto what = action_of(command);
    // decide: the approvals engine checks the stage (see AuthorizingActionHandler).
    if (!what || *what == auth::Action::decide_approval) return std::nullopt;
    auto principal = principal_of(inv.actor);
    auto verdict = authorizer.check(principal, *what);
    if (verdict.allowed) return std::nullopt;
    if (inv.db) audit_denial(*inv.db, principal, *what, "command:" + std::string(commands::name_of(command)), verdict.reason, inv.now);
    chat::Reply r;
    r.text("Not allowed: " + verdict.reason + ". Nothing changed.");
    r.fallback = r.summary();
    return r;
  };
}

}  // namespace costbot::authz
