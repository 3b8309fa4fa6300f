#include "bot/actions/buttons.hpp"

namespace costbot::actions {

chat::Button approve_button(const std::string& subject) {
  return {"Approve", chat::ActionVerb::approve, subject, chat::ButtonStyle::primary,
          chat::Confirm{"Approve this request?", "Your approval is recorded with your name and moves the request on.",
                        "Approve", "Cancel"}};
}

chat::Button reject_button(const std::string& subject) {
  return {"Reject", chat::ActionVerb::reject, subject, chat::ButtonStyle::danger,
          chat::Confirm{"Reject this request?", "You will be asked for a reason; the requester sees it.", "Reject",
                        "Cancel"}};
}

chat::Button not_anomaly_button(const std::string& subject) {
  return {"Not an anomaly", chat::ActionVerb::not_anomaly, subject, chat::ButtonStyle::plain, std::nullopt};
}

chat::Button details_button(const std::string& subject) {
  return {"Details", chat::ActionVerb::details, subject, chat::ButtonStyle::plain, std::nullopt};
}

chat::Button ack_button(const std::string& subject) {
  return {"Acknowledge", chat::ActionVerb::ack, subject, chat::ButtonStyle::primary, std::nullopt};
}

std::vector<chat::Button> approval_buttons(const std::string& subject) {
  return {approve_button(subject), reject_button(subject), details_button(subject)};
}

std::vector<chat::Button> alert_buttons(const std::string& subject) {
  return {ack_button(subject), not_anomaly_button(subject), details_button(subject)};
}

}  // namespace costbot::actions
