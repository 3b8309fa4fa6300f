#pragma once
// The "Share to channel" button under a query answer (bot/commands/replies.hpp): the click runs the
// command again as whoever clicked (the dispatcher's guard applies their access), then posts that
// answer for everyone in the conversation the click came from, "Shared by NAME", audited as
// answer.shared. Slack: a new in-channel message through the click's response_url, and the
// private answer is replaced by a note (a second click shares nothing more). Teams: a message in
// the conversation. Every other click goes on to the next handler.
#include <memory>

#include "bot/actions/action_handler.hpp"
#include "bot/commands/dispatcher.hpp"

namespace costbot::commands {

std::shared_ptr<actions::ActionHandler> make_share_handler(Dispatcher& dispatcher,
                                                           std::shared_ptr<actions::ActionHandler> next);

}  // namespace costbot::commands
