#pragma once
// The standard buttons of alert and approval messages, with their confirm dialogs, so every
// producer (approvals, detection, digests) draws them the same way on every channel.
#include <string>
#include <vector>

#include "engine/chat/reply.hpp"

namespace costbot::actions {

chat::Button approve_button(const std::string& subject);      // primary, confirms first
chat::Button reject_button(const std::string& subject);       // danger, confirms, then asks why
chat::Button not_anomaly_button(const std::string& subject);
chat::Button details_button(const std::string& subject);
chat::Button ack_button(const std::string& subject);

std::vector<chat::Button> approval_buttons(const std::string& subject);  // Approve, Reject, Details
std::vector<chat::Button> alert_buttons(const std::string& subject);     // Acknowledge, Not an anomaly, Details

}  // namespace costbot::actions
