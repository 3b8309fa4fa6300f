#pragma once
// Slack in the service: the three inbound routes (each verified before anything else) and the
// outbox deliveries of slack.* effects. With no signing secret the routes answer 503 with the
// reason; with no bot token the Web API effects stay queued (and a warning says so).
//
//   POST /slack/commands      slash command → grammar → dispatcher → Block Kit, inside 3 s; slow
//                             work acks at once and follows up through response_url (outbox)
//   POST /slack/events        url_verification; app_mention / DMs through the same grammar,
//                             answered by chat.postMessage; event_id deduplicated (inbound_seen)
//   POST /slack/interactions  block_actions → ChatAction → ActionHandler; Reject opens a reason
//                             modal (views.open); view_submission → ChatAction with the reason
//
// Effect kinds delivered (bot/slack/deliveries.hpp): slack.post, slack.update, slack.reply (the
// one message model, engine/messages), slack.views_open, and slack.run_command (a chat message to
// answer). An update older than the version a copy already shows is skipped.
namespace costbot::service {
class Service;
}

namespace costbot::slack_app {

void install(service::Service& service);

}  // namespace costbot::slack_app
