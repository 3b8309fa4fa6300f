#pragma once
// INTERIM, until the approvals wiring (issue 7: bot/approvals/click_handler) is merged: clicks on
// approval requests ("approval:42" or "approval:42:0", request 42, 0-based stage 0) go to
// approvals::Approvals::decide, so the web channel's Approve / Reject buttons work end to end.
// Installed only while the service still has the default RecordingActionHandler; the real
// handler, installed by its own part, always takes precedence, and this file can then be deleted
// without touching the web channel (it only calls service.action_handler()).
#include <string>

namespace costbot::service {
class Service;
void install_interim_approval_clicks(Service& service, const std::string& templates_root);
}  // namespace costbot::service
