#include "bot/actions/message_updates.hpp"

#include <map>
#include <set>

#include "adapters/slack/block_kit.hpp"
#include "adapters/teams/activity.hpp"
#include "adapters/teams/adaptive_card.hpp"
#include "engine/outbox/outbox.hpp"

namespace costbot::actions {

UpdateCount enqueue_message_update(storage::Database& db, const std::string& subject, const chat::Reply& message,
                                   const chat::MessageRef& origin, const std::string& response_url,
                                   const std::string& key, UnixSeconds now) {
  UpdateCount count;
  std::set<std::pair<std::string, std::string>> slack_copies;  // (channel, ts)
  std::map<std::pair<std::string, std::string>, std::string> teams_copies;  // (conversation, activity id) → service url
  SQLite::Statement q(db.sql(),
                      "SELECT channel_kind, channel, message_id, service_url FROM posted_messages WHERE subject = ?");
  q.bind(1, subject);
  while (q.executeStep()) {
    auto kind = q.getColumn(0).getString();
    if (kind == "slack") slack_copies.emplace(q.getColumn(1).getString(), q.getColumn(2).getString());
    else if (kind == "teams") teams_copies[{q.getColumn(1).getString(), q.getColumn(2).getString()}] = q.getColumn(3).getString();
    else ++count.skipped;
  }
  // The Teams card that was clicked (its service URL is looked up at delivery when not recorded),
  // unless it is one of the recorded copies (the same activity id in the same channel).
  if (origin.platform == "teams" && !origin.channel.empty() && !origin.message_id.empty()) {
    bool recorded = false;
    for (const auto& [where, url] : teams_copies)
      recorded = recorded || (where.second == origin.message_id &&
                              teams::base_conversation_id(where.first) == teams::base_conversation_id(origin.channel));
    if (!recorded) teams_copies.emplace(std::make_pair(origin.channel, origin.message_id), "");
  }
  bool origin_is_slack = origin.platform == "slack" && !origin.channel.empty() && !origin.message_id.empty();
  if (origin_is_slack && !origin.ephemeral) slack_copies.emplace(origin.channel, origin.message_id);

  auto body = slack::render_message(message);
  for (const auto& [channel, ts] : slack_copies) {
    boost::json::object payload = body;
    payload["channel"] = channel;
    payload["ts"] = ts;
    outbox::enqueue(db, {"slack.update_message", key + ":update:slack:" + channel + ":" + ts, std::move(payload), 0}, now);
    ++count.queued;
  }
  if (!teams_copies.empty()) {
    // Always a card: the message being edited is one, and an invoke answer must be one.
    auto activity = teams::card_activity(teams::render_card(message), message.summary());
    for (const auto& [where, service_url] : teams_copies) {
      outbox::enqueue(db,
                      {"teams.update_activity", key + ":update:teams:" + where.first + ":" + where.second,
                       {{"conversation", where.first},
                        {"activity_id", where.second},
                        {"service_url", service_url},
                        {"subject", subject},
                        {"activity", activity}},
                       0},
                      now);
      ++count.queued;
    }
  }
  if (origin_is_slack && origin.ephemeral && !response_url.empty()) {
    outbox::enqueue(db,
                    {"slack.response_url", key + ":replace:slack:" + origin.channel + ":" + origin.message_id,
                     {{"url", response_url}, {"body", slack::render_response(message, true)}}, 0},
                    now);
    ++count.queued;
  }
  return count;
}

void enqueue_reply_to_actor(storage::Database& db, const chat::ChatAction& action, const chat::Reply& reply,
                            const std::string& key, UnixSeconds now) {
  if (action.actor.platform != "slack") return;
  chat::Reply ephemeral = reply;
  ephemeral.visibility = chat::Visibility::ephemeral;
  if (!action.response_url.empty()) {
    outbox::enqueue(db, {"slack.response_url", key, {{"url", action.response_url}, {"body", slack::render_response(ephemeral)}}, 0},
                    now);
  } else if (!action.message.channel.empty()) {
    auto body = slack::render_message(ephemeral);
    body["channel"] = action.message.channel;
    body["user"] = action.actor.user_id;
    outbox::enqueue(db, {"slack.post_ephemeral", key, std::move(body), 0}, now);
  }
}

}  // namespace costbot::actions
