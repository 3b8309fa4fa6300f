#pragma once
// The outbox payloads of persona messages, one builder per channel and action. Shapes follow the
// service's effect kinds: slack.post_message / slack.update_message (a chat.postMessage /
// chat.update body plus "subject"), teams.send_activity / teams.update_activity (as
// engine/approvals/effects.cpp writes them), web.post (feed, subject, version, event, title, text,
// severity, view, actions), email.send and pagerduty.event (Events API v2 without the routing key,
// which the delivery handler adds from config: secrets never sit in the outbox).
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "engine/alerts/message_render.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

// Where a message posted earlier lives, for an edit or a threaded reply.
struct PostedRef {
  std::string channel;      // Slack channel id (as Slack answered), Teams conversation
  std::string message_id;   // Slack ts, Teams activity id
  std::string service_url;  // Teams
};
// Slack: the first post's outbox result ({"channel","ts"}); Teams and others: posted_messages.
std::optional<PostedRef> find_posted(storage::Database& db, const std::string& channel_kind, const std::string& target,
                                     const std::string& subject, const std::string& post_key);

boost::json::object slack_post_payload(const RenderedMessage& m, const std::string& channel, const std::string& subject);
boost::json::object slack_update_payload(const RenderedMessage& m, const PostedRef& ref, const std::string& subject);
boost::json::object slack_reply_payload(const RenderedMessage& m, const std::string& channel, const std::string& thread_ts,
                                        const std::string& subject);
boost::json::object teams_send_payload(const RenderedMessage& m, const std::string& conversation, const std::string& subject,
                                       std::int64_t version, const std::string& reply_to = {}, const std::string& service_url = {});
boost::json::object teams_update_payload(const RenderedMessage& m, const PostedRef& ref, const std::string& subject,
                                         std::int64_t version);
boost::json::object web_payload(const RenderedMessage& m, const std::string& feed, const std::string& subject,
                                std::int64_t version, const std::string& title, const std::string& severity,
                                const boost::json::object& view, const boost::json::array& actions);
boost::json::object email_payload(const RenderedMessage& m, const std::string& to, const std::string& ref);

// PagerDuty Events API v2 bodies (routing_key added at delivery). dedup_key = the incident subject.
boost::json::object pagerduty_trigger(const boost::json::object& facts, const std::string& source, const std::string& dedup_key,
                                      const std::string& public_url);
boost::json::object pagerduty_followup(const std::string& action, const std::string& dedup_key);  // resolve, acknowledge
std::string pagerduty_severity(const std::string& finding_severity);  // critical, error, warning, info

void enqueue_effect(storage::Database& db, const std::string& kind, const std::string& key, boost::json::object payload,
                    UnixSeconds now, UnixSeconds not_before = 0);

}  // namespace costbot::alerts
