// Clicks (and "approve 42" / "reject 42 why" typed in chat) on approval requests go to the state
// machine; "Not an anomaly" on a finding or incident is detection feedback; anything else goes on
// to the handler that was installed before (acknowledge, details of a finding, ...).
//
// Nothing here changes state outside the engine: decide() checks who may decide, moves the
// machine, audits and queues every message update in one transaction. A refused click (not an
// approver, self-approval, already decided) is answered to the actor alone and changes nothing.
#include <spdlog/spdlog.h>

#include "bot/approvals/app.hpp"
#include "bot/actions/message_updates.hpp"
#include "bot/service/service.hpp"
#include "engine/detect/feedback.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals_app {
namespace {

struct ApprovalTarget {
  std::int64_t id = 0;
  std::optional<int> stage;  // buttons say which stage they were drawn for
};

// "42" or "42:1" (request 42, 0-based stage 1).
ApprovalTarget parse_target(const std::string& subject, const std::string& rest) {
  auto bad = [&] { return invalid_input("\"" + subject + "\" does not name an approval request (approval:42 or approval:42:0)"); };
  ApprovalTarget t;
  auto colon = rest.find(':');
  auto id = text::parse_int(rest.substr(0, colon));
  if (!id || *id <= 0) throw bad();
  t.id = *id;
  if (colon != std::string::npos) {
    auto stage = text::parse_int(rest.substr(colon + 1));
    if (!stage || *stage < 0 || *stage > 1000) throw bad();
    t.stage = static_cast<int>(*stage);
  }
  return t;
}


chat::Reply request_details(const approvals::Approvals& engine, const approvals::RequestRecord& r) {
  auto view = engine.view(r);
  auto field = [&](const char* key) {
    auto* v = view.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  chat::Reply reply;
  reply.title = "Approval #" + std::to_string(r.id) + ": " + r.title;
  std::vector<chat::Field> fields{{"Status", field("status_text")},
                                  {"Impact", fmtx::money(r.amount, 2, engine.config().currency.base)},
                                  {"Team", r.team.empty() ? "none" : r.team},
                                  {"Requested by", r.requester},
                                  {"Workflow", r.workflow}};
  if (r.ticket) fields.push_back({"Ticket", r.ticket->key + (r.ticket->url.empty() ? "" : " " + r.ticket->url)});
  reply.fields(std::move(fields));
  if (r.decisions.empty()) {
    reply.context("No decision yet.");
  } else {
    chat::TableBlock t;
    t.columns = {"when", "stage", "who", "decision", "reason"};
    for (const auto& d : r.decisions) {
      const auto* stage = r.stage(d.stage_idx);
      std::string who = d.principal == d.actor ? d.principal : d.principal + " (by " + d.actor + ")";
      t.rows.push_back({format_instant(d.decided_at), stage ? stage->name : std::to_string(d.stage_idx + 1), who,
                        d.verdict, d.reason});
    }
    reply.table(std::move(t));
  }
  if (r.status == "rejected" && !r.rejection_reason.empty()) reply.context("Rejected: " + r.rejection_reason);
  reply.fallback = reply.title;
  return reply;
}

class ClickHandler final : public actions::ActionHandler {
 public:
  ClickHandler(std::shared_ptr<App> app, std::shared_ptr<actions::ActionHandler> next)
      : app_(std::move(app)), next_(std::move(next)) {}

  actions::ActionOutcome handle(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) override {
    auto parts = chat::split_subject(action.subject);
    if (parts.kind == "approval") return on_approval(action, parse_target(action.subject, parts.id), db, now);
    if ((parts.kind == "finding" || parts.kind == "incident") && action.verb == chat::ActionVerb::not_anomaly)
      return on_not_anomaly(action, parts, db, now);
    if (next_) return next_->handle(action, db, now);
    throw invalid_input("nothing handles \"" + std::string(chat::to_string(action.verb)) + "\" on " + action.subject);
  }

 private:
  actions::ActionOutcome on_approval(const chat::ChatAction& action, const ApprovalTarget& target, storage::Database& db,
                                     UnixSeconds now) {
    actions::ActionOutcome outcome;
    const std::string ref = "#" + std::to_string(target.id);
    if (action.verb == chat::ActionVerb::details) {
      auto record = approvals::load_request(db, target.id);
      outcome.reply_to_actor = record ? request_details(*app_->engine, *record) : chat::Reply::plain("There is no approval request " + ref + ".");
      return outcome;
    }
    if (action.verb != chat::ActionVerb::approve && action.verb != chat::ActionVerb::reject) {
      outcome.reply_to_actor = chat::Reply::plain("Approval requests are approved or rejected; \"" +
                                    std::string(chat::to_string(action.verb)) + "\" does not apply to " + ref + ".");
      return outcome;
    }
    if (action.actor.user_id.empty()) throw invalid_input("the click has no user");
    const bool reject = action.verb == chat::ActionVerb::reject;
    if (reject && text::trim(action.reason).empty()) {
      // The Slack button asks in a modal; a typed command or another channel must say why here.
      outcome.reply_to_actor = chat::Reply::plain("A rejection needs a reason: `reject " + std::to_string(target.id) +
                                    " REASON` (the requester sees it). Nothing changed.");
      return outcome;
    }
    approvals::Decision d;
    d.request_id = target.id;
    d.stage = target.stage;
    d.actor = action.actor.user_id;
    d.verdict = reject ? approvals::Verdict::reject : approvals::Verdict::approve;
    d.reason = std::string(text::trim(action.reason));
    d.source = action.actor.platform.empty() ? "chat" : action.actor.platform;
    d.acting_for = action.acting_for;
    d.grant = action.grant;
    auto result = app_->engine->decide(db, d, now);
    spdlog::info("approval {} {} by {}:{}: {}", ref, approvals::to_string(d.verdict), d.source, d.actor,
                 approvals::to_string(result.outcome));
    outcome.queued_effects = approvals::changed_state(result.outcome);
    outcome.reply_to_actor = chat::Reply::plain(result.message);
    return outcome;
  }

  actions::ActionOutcome on_not_anomaly(const chat::ChatAction& action, const chat::SubjectParts& parts,
                                        storage::Database& db, UnixSeconds now) {
    actions::ActionOutcome outcome;
    auto id = text::parse_int(parts.id);
    if (!id || *id <= 0) throw invalid_input("\"" + action.subject + "\" does not name a finding or incident");
    const std::string subject = (parts.kind == "finding" ? "F" : "I") + std::to_string(*id);
    const std::string actor = action.actor.user_id.empty() ? action.actor.name : action.actor.user_id;
    detect::FeedbackResult result;
    try {
      result = detect::record_feedback(db, app_->config(), subject, detect::FeedbackKind::not_anomaly, actor,
                                       action.reason, std::nullopt, now);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::not_found) throw;
      outcome.reply_to_actor = chat::Reply::plain(std::string(e.what()) + "; nothing changed.");
      return outcome;
    }
    if (result.already_recorded) {  // decided inside record_feedback's transaction
      outcome.reply_to_actor = chat::Reply::plain(subject + " is already marked as not an anomaly; nothing changed.");
      return outcome;
    }
    // Redraw the alert everywhere it was posted: what it was about, and who said it is no anomaly.
    actions::RecordedDecision decision;
    decision.id = result.feedback_id;
    decision.subject = action.subject;
    decision.verb = "not_anomaly";
    decision.actor_platform = action.actor.platform;
    decision.actor_id = action.actor.user_id;
    decision.actor_name = action.actor.name;
    decision.reason = action.reason;
    decision.created_at = now;
    auto tx = db.begin_write();
    auto count = actions::enqueue_message_update(db, action.subject, actions::decided_message(action, decision),
                                                 action.message, action.response_url,
                                                 "feedback:" + std::to_string(result.feedback_id), now);
    tx.commit();
    spdlog::info("{} marked not an anomaly by {}:{} (feedback #{}): {}", subject, action.actor.platform, actor,
                 result.feedback_id, result.effect);
    outcome.queued_effects = count.queued > 0;
    outcome.reply_to_actor = chat::Reply::plain("Thanks: " + subject + " is marked as not an anomaly." +
                                  (result.effect.empty() ? std::string() : " " + result.effect + "."));
    return outcome;
  }

  std::shared_ptr<App> app_;
  std::shared_ptr<actions::ActionHandler> next_;
};

}  // namespace

std::shared_ptr<actions::ActionHandler> make_action_handler(std::shared_ptr<App> app,
                                                            std::shared_ptr<actions::ActionHandler> next) {
  return std::make_shared<ClickHandler>(std::move(app), std::move(next));
}

}  // namespace costbot::approvals_app
