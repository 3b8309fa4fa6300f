#include "bot/commands/share_clicks.hpp"

#include "bot/commands/replies.hpp"
#include "engine/audit/audit.hpp"
#include "engine/messages/message.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"

namespace costbot::commands {
namespace {

class ShareClickHandler final : public actions::ActionHandler {
 public:
  ShareClickHandler(Dispatcher& dispatcher, std::shared_ptr<actions::ActionHandler> next)
      : dispatcher_(dispatcher), next_(std::move(next)) {}

  actions::ActionOutcome handle(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) override {
    const bool query = action.subject.starts_with(kShareSubjectPrefix);
    // Teams' user-specific view asks for the asker's own answer with "details" on the query.
    if (action.verb == chat::ActionVerb::details && query) return answer_privately(action, db, now);
    if (action.verb != chat::ActionVerb::share) return next_->handle(action, db, now);
    if (!query)
      throw invalid_input("a Share button carries \"" + std::string(kShareSubjectPrefix) + "COMMAND\", got \"" +
                          action.subject + "\"");
    const auto command = query_of(action);
    const auto& platform = action.actor.platform;
    if (platform != "slack" && platform != "teams")
      throw invalid_input("Share posts into a Slack or Teams conversation; this page has none");
    if (action.message.channel.empty() && action.response_url.empty())
      throw invalid_input("the click did not say which conversation it came from: nothing to share into");

    // Run again as whoever clicked: their access, today's figures.
    auto inv = invocation_for(action, db, now);
    auto answer = dispatcher_.dispatch(command, inv);
    actions::ActionOutcome outcome;
    if (!has_share_button(answer)) {  // refused, or nothing to show: say so to them only
      outcome.reply_to_actor = std::move(answer);
      return outcome;
    }
    const std::string who = action.actor.name.empty() ? action.actor.user_id : action.actor.name;
    const std::string clicked = action.message.message_id.empty() ? hash::random_hex(8) : action.message.message_id;
    const std::string key = "share:" + platform + ":" + action.message.channel + ":" + clicked;

    auto tx = db.begin_write();
    if (outbox::status_of(db, key)) {  // a second click on the same answer
      tx.commit();
      outcome.reply_to_actor = chat::Reply::plain("This answer is shared already.");
      return outcome;
    }
    messages::ChatReply post;
    post.channel = platform;
    post.reply = shared_answer(std::move(answer), who);
    if (platform == "slack" && !action.response_url.empty()) {
      post.response_url = action.response_url;  // a new in-channel message where the button was
    } else {
      post.conversation = action.message.channel;  // a Teams channel thread's id names its thread
    }
    messages::enqueue(db, key, post, now);
    if (platform == "slack" && !action.response_url.empty()) {
      // The private answer becomes a note, so nobody shares the same answer twice.
      messages::ChatReply note;
      note.channel = "slack";
      note.response_url = action.response_url;
      note.replace_original = true;
      note.reply = chat::Reply::plain("You shared `" + to_text(command) + "` with the channel.");
      messages::enqueue(db, key + ":note", note, now);
    }
    audit::append(db,
                  {platform + ":" + action.actor.user_id, "answer.shared", action.subject,
                   {{"conversation", action.message.channel}, {"name", who}}},
                  now);
    tx.commit();
    outcome.queued_effects = true;
    // Teams answers the click itself (the invoke response); Slack's note went to response_url.
    if (platform == "teams") outcome.reply_to_actor = chat::Reply::plain("Shared with everyone here.");
    return outcome;
  }

 private:
  static Command query_of(const chat::ChatAction& action) {
    const auto parsed = parse(std::string_view(action.subject).substr(kShareSubjectPrefix.size()));
    if (!parsed.ok() || !is_shareable_query(*parsed.command))
      throw invalid_input("only a query answer can be shared (top, team, anomalies, budget, forecast)");
    return *parsed.command;
  }

  // The answer for whoever clicked, with its Share button: run as them, shown to them only.
  static Invocation invocation_for(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) {
    Invocation inv;
    inv.actor = action.actor;
    inv.channel = action.message.channel;
    inv.workspace = action.team_id;
    inv.db = &db;
    inv.now = now;
    return inv;
  }

  actions::ActionOutcome answer_privately(const chat::ChatAction& action, storage::Database& db, UnixSeconds now) {
    auto inv = invocation_for(action, db, now);
    actions::ActionOutcome outcome;
    outcome.reply_to_actor = dispatcher_.dispatch(query_of(action), inv);
    return outcome;
  }

  Dispatcher& dispatcher_;
  std::shared_ptr<actions::ActionHandler> next_;
};

}  // namespace

std::shared_ptr<actions::ActionHandler> make_share_handler(Dispatcher& dispatcher,
                                                           std::shared_ptr<actions::ActionHandler> next) {
  return std::make_shared<ShareClickHandler>(dispatcher, std::move(next));
}

}  // namespace costbot::commands
