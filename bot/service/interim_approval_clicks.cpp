#include "bot/service/interim_approval_clicks.hpp"

#include <spdlog/spdlog.h>

#include "bot/service/service.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::service {
namespace {

class InterimApprovalClicks final : public actions::ActionHandler {
 public:
  InterimApprovalClicks(const config::Config& config, const std::string& templates_root)
      : engine_(config, render::Templates(templates_root)) {}

  actions::ActionOutcome handle(const chat::ChatAction& a, storage::Database& db, UnixSeconds now) override {
    auto parts = chat::split_subject(a.subject);
    const bool decisive = a.verb == chat::ActionVerb::approve || a.verb == chat::ActionVerb::reject;
    if (parts.kind != "approval" || !decisive) return fallback_.handle(a, db, now);
    approvals::Decision d;
    auto colon = parts.id.find(':');
    auto id = text::parse_int(parts.id.substr(0, colon));
    if (!id || *id <= 0) throw invalid_input("\"" + a.subject + "\" does not name an approval request");
    d.request_id = *id;
    if (colon != std::string::npos) {
      auto stage = text::parse_int(parts.id.substr(colon + 1));
      if (!stage || *stage < 0) throw invalid_input("\"" + a.subject + "\" names no stage");
      d.stage = static_cast<int>(*stage);
    }
    d.actor = a.actor.user_id;
    d.verdict = a.verb == chat::ActionVerb::approve ? approvals::Verdict::approve : approvals::Verdict::reject;
    d.reason = a.reason;
    d.source = a.actor.platform;
    auto result = engine_.decide(db, d, now);
    actions::ActionOutcome outcome;
    outcome.queued_effects = approvals::changed_state(result.outcome);
    chat::Reply reply;
    reply.text(result.message);
    reply.fallback = result.message;
    outcome.reply_to_actor = std::move(reply);
    return outcome;
  }

 private:
  approvals::Approvals engine_;
  actions::RecordingActionHandler fallback_;
};

}  // namespace

void install_interim_approval_clicks(Service& service, const std::string& templates_root) {
  if (!dynamic_cast<actions::RecordingActionHandler*>(&service.action_handler())) return;
  spdlog::debug("approval clicks: the interim handler decides them through the approvals engine");
  service.set_action_handler(std::make_shared<InterimApprovalClicks>(service.config(), templates_root));
}

}  // namespace costbot::service
