// "approve 42" and "reject 42 too early" typed in chat take the same path as the buttons: a
// ChatAction for the service's ActionHandler.
#include "bot/service/decision_commands.hpp"

#include "bot/service/service.hpp"

namespace costbot::service {

void route_decision_commands(Service& service) {
  auto decide = [&service](chat::ActionVerb verb, std::int64_t id, std::string reason, commands::Invocation& inv) {
    chat::ChatAction action;
    action.verb = verb;
    action.subject = "approval:" + std::to_string(id);
    action.actor = inv.actor;
    action.reason = std::move(reason);
    action.team_id = inv.workspace;
    auto outcome = service.action_handler().handle(action, *inv.db, inv.now);
    if (outcome.queued_effects) service.wake_outbox();
    if (outcome.reply_to_actor) return *outcome.reply_to_actor;
    chat::Reply r;
    r.text(std::string("Recorded: *") + action.subject + "* " + (verb == chat::ActionVerb::approve ? "approved" : "rejected") +
           (action.reason.empty() ? "." : " (" + action.reason + ")."));
    r.fallback = r.summary();
    return r;
  };
  service.commands().on("approve", [decide](const commands::Command& c, commands::Invocation& inv) {
    return decide(chat::ActionVerb::approve, std::get<commands::Approve>(c).id, "", inv);
  });
  service.commands().on("reject", [decide](const commands::Command& c, commands::Invocation& inv) {
    const auto& r = std::get<commands::Reject>(c);
    return decide(chat::ActionVerb::reject, r.id, r.reason, inv);
  });
}

}  // namespace costbot::service
