#pragma once
// Renders the channel-neutral chat::Reply as an Adaptive Card (schema 1.5, the newest Teams
// draws) and wraps cards into Bot Framework activities and invoke responses.
//
// - title → a bold TextBlock; text → TextBlock (wrap; *bold* becomes **bold**); fields → FactSet;
//   table → Table (header row, right-aligned number columns); context → small subtle TextBlock;
//   divider → a separator on the next element; buttons → Action.Execute (verb "costbot.<verb>",
//   data {costbot_verb, subject, summary}), which Teams answers with an adaptiveCard/action invoke,
//   with the same click as Action.Submit in `fallback` for clients without Universal Actions.
// - A button with a confirm dialog becomes Action.ShowCard holding the question and the real
//   button; Reject's also holds a required "Why?" input (id "reason:<subject>").
// - Incoming webhooks cannot receive clicks: with interactive = false buttons are left out.
// - Teams refuses messages over ~28 KB: a card that would be larger loses trailing elements and
//   says it was shortened.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "engine/chat/reply.hpp"

namespace costbot::teams {

struct CardOptions {
  bool interactive = true;  // false: no buttons (incoming webhooks, outgoing webhook replies)
};

constexpr std::string_view kAdaptiveCardType = "application/vnd.microsoft.card.adaptive";
constexpr std::size_t kMaxCardBytes = 24 * 1024;

boost::json::object render_card(const chat::Reply& reply, CardOptions options = {});

// A message activity: text only when the reply is plain text (no title, no structure), else one
// Adaptive Card attachment. "summary" carries the one-line fallback for notifications.
boost::json::object render_activity(const chat::Reply& reply, CardOptions options = {});
// {"type":"message","attachments":[card]}
boost::json::object card_activity(const boost::json::object& card, const std::string& summary = {});

// Teams has no message only one person sees; its nearest is a user-specific view (Universal
// Actions `refresh` with `userIds`): everyone sees this card, naming the answer and saying only
// the asker sees its figures, while the asker's client (user_id = their Teams id, 29:...) invokes
// the refresh action (Action.Execute "costbot.details" with the Share button's subject) and shows
// the card the bot answers with instead: the answer with its Share button. `answer` must carry a
// Share button (chat::ActionVerb::share); nullopt otherwise.
std::optional<boost::json::object> user_specific_activity(const chat::Reply& answer, const std::string& user_id);

// adaptiveCard/action invoke responses.
boost::json::object card_invoke_response(const boost::json::object& card);
boost::json::object message_invoke_response(const std::string& text);
boost::json::object error_invoke_response(int status, const std::string& code, const std::string& message);

// The first Adaptive Card of a message activity (nullptr when it has none).
const boost::json::object* card_of(const boost::json::object& activity);

// For incoming webhooks: removes Action.Submit / Action.Execute (and ShowCards and inputs that
// only served them) from every card of an activity, in place.
void strip_bot_actions(boost::json::object& activity);

// Teams draws card text as Markdown with [title](url) links (a CommonMark subset; no HTML). Text
// that is data must not carry a link whose target the reader cannot see.
//
// card_markdown: a chat::Reply's text → card Markdown: "*bold*" → "**bold**"; a bare http(s) URL →
// a link whose text is its own target (so our ticket and request links work); "[x](y)", "[x][y]"
// and "[x]: y" in the text stay visible as typed but are no links (a zero-width space after "]").
std::string card_markdown(std::string_view text);
// A template fact (plain text) for card Markdown: only the link syntax is broken, as above.
std::string card_plain_text(std::string_view text);

}  // namespace costbot::teams
