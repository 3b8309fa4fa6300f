#pragma once
// Where button clicks go. Chat adapters turn clicks (and "approve 42" typed as a command) into
// channel-neutral ChatActions and call the service's ActionHandler. bot/approvals installs the
// real one for approval requests (approvals::decide: check the actor may decide this stage, move
// the state machine, audit, queue the effects — in one transaction) and for "not an anomaly"
// (detection feedback); it passes everything else to the handler installed before it, by default
// RecordingActionHandler, which records the click and updates the message in place. A part that
// installs its own handler should do the same: wrap service.action_handler_ptr().
#include <optional>
#include <string>

#include "engine/chat/action.hpp"
#include "engine/chat/reply.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::actions {

struct ActionOutcome {
  // Shown only to whoever acted (Slack: an ephemeral message through response_url).
  std::optional<chat::Reply> reply_to_actor;
  // True when the handler queued effects the outbox should send at once.
  bool queued_effects = false;
};

class ActionHandler {
 public:
  virtual ~ActionHandler() = default;
  // Runs on the request's thread with that thread's connection: it must be quick, change state
  // and queue effects (outbox) in ONE transaction, and never call the network itself.
  // Throw costbot::Error(forbidden / conflict / not_found / invalid_input) to refuse; the adapter
  // shows the message to the actor.
  virtual ActionOutcome handle(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) = 0;
};

// The default handler: the first approve/reject on a subject is final; later ones are refused
// with who decided. not_anomaly and ack are recorded each time; details shows the record.
class RecordingActionHandler final : public ActionHandler {
 public:
  ActionOutcome handle(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) override;
};

struct RecordedDecision {
  std::int64_t id = 0;
  std::string subject, verb, actor_platform, actor_id, actor_name, reason, channel, message_id;
  UnixSeconds created_at = 0;
};
std::vector<RecordedDecision> decisions_for(storage::Database& db, const std::string& subject);
// The message as it reads once decided: its gist, who decided (and why), no buttons.
chat::Reply decided_message(const chat::ChatAction& action, const RecordedDecision& decision);

}  // namespace costbot::actions
