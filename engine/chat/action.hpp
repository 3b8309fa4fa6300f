#pragma once
// A click on a message button (or a submitted form), with the platform details translated away.
// Chat adapters produce it; bot/ hands it to an ActionHandler (the approvals engine decides).
#include <string>

#include "engine/chat/reply.hpp"

namespace costbot::chat {

struct Actor {
  std::string platform;  // "slack", "teams", "web"
  std::string user_id;   // platform user id (U123, 29:abc, ...)
  std::string name;      // display or user name, for messages and the audit trail
};

// Where the message that carried the button lives, so it can be edited in place.
struct MessageRef {
  std::string platform;
  std::string channel;     // Slack channel id, Teams conversation id
  std::string message_id;  // Slack ts, Teams activity id
  bool ephemeral = false;  // an ephemeral message can only be replaced through response_url
  std::string text;        // the message's fallback text, to keep its gist when it is redrawn
};

struct ChatAction {
  ActionVerb verb = ActionVerb::details;
  std::string subject;   // "approval:42", "finding:7"
  Actor actor;
  std::string reason;    // reject reason (from the modal), feedback text
  MessageRef message;
  std::string response_url;  // Slack: answer or replace the message within 30 minutes
  std::string trigger_id;    // Slack: open a modal within 3 seconds
  std::string team_id;       // workspace / tenant
  // Set when the actor acts for this person by an explicit grant (engine/auth may_act_for, checked
  // by the surface before the action is handed on): the decision is theirs, audited with both names.
  std::string acting_for;
  std::string grant;         // which grant ("access.act_for")
};

// "approval:42" → {"approval", "42"}; a subject without a colon has an empty kind.
struct SubjectParts {
  std::string kind;
  std::string id;
};
SubjectParts split_subject(std::string_view subject);

}  // namespace costbot::chat
