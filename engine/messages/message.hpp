#pragma once
// The one outbound message model. The engine says WHAT: a Message (what it is about, which
// template, the facts, which version) and a typed effect saying what to do with it (post it,
// redraw it, answer someone, open a ticket, page, mail). Adapters say HOW at delivery: each
// channel has one renderer (templates/<channel>/<template_key>, or a chat::Reply drawn natively)
// and one delivery handler that adds the envelope (Slack channel + ts, Teams serviceUrl and
// activity, PagerDuty routing key) and records where the copy landed (messages::CopyStore).
//
// A new channel = one renderer + one delivery handler for ChatPost/ChatUpdate/ChatReply. A new
// message kind = one template key and the facts for it.
//
// Every effect converts to and from JSON with Boost.JSON's value_from / value_to (the outbox row's
// payload), and names its outbox kind (outbox_kind(effect)).
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/reply.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::messages {

// What a message says, not how a channel draws it.
//   subject       what it is about: "approval:42", "incident:7", "alerts:12" (a group), "digest:cfo:...";
//                 its copies are found by it (CopyStore)
//   template_key  "approver/approval_request", "cfo/anomaly": templates/<channel>/<key>.<ext>;
//                 kReplyTemplate: the facts are a chat::Reply, drawn by each channel natively
//   facts         unescaped values for the template (channels escape them); a person is written as
//                 an id under a key "user" or "<x>_user" (a list: "<x>_users"), and each channel adds
//                 "name" / "<x>_name" / "<x>_names" / "<x>_mentions" in its own way (see style.hpp)
//   version       0: a one-off (a notice, a reply); otherwise the message's version, from
//                 CopyStore::next_version, so no older drawing ever replaces a newer one
struct Message {
  std::string subject;
  std::string template_key;
  boost::json::object facts;
  std::int64_t version = 0;

  bool is_reply() const;
};

inline constexpr std::string_view kReplyTemplate = "chat/reply";
// A channel-neutral chat::Reply as a message.
Message reply_message(std::string subject, const chat::Reply& reply, std::int64_t version = 0);
chat::Reply reply_of(const Message& message);  // throws Error(invalid_input) when it is not one

// Where a message goes, as the producer names it; the adapter resolves it at delivery.
//   channel  slack, teams, web, email
//   target   Slack: channel id, user id or #name; Teams: conversation id, msteams.conversations name
//            or webhook:NAME; web: the feed; email: the address
struct Address {
  std::string channel;
  std::string target;
  bool operator==(const Address&) const = default;
  std::string text() const { return channel + ":" + target; }
};

// ---- effects ----

// Post a message. The first post of a subject at an address is its copy of record (later
// ChatUpdates redraw it); with in_thread it is a reply under that copy instead (a reminder, an
// escalation), never recorded as a copy; broadcast shows such a reply in the channel too (Slack).
struct ChatPost {
  Address to;
  Message message;
  bool in_thread = false;
  bool broadcast = false;
};

// Redraw the subject's copy at an address. Delivered after the copy's first post (the outbox
// holds it until then); skipped when the copy already shows a newer version.
struct ChatUpdate {
  Address to;
  Message message;
};

// An answer to someone who wrote or clicked: not a copy of anything, never edited later.
//   Slack: through response_url when given (replace_original redraws the message clicked), else
//   chat.postEphemeral to `user` in `conversation`, else chat.postMessage (in `thread`).
//   Teams: a message activity into `conversation` at `service_url`, in reply to `thread`.
struct ChatReply {
  std::string channel;  // slack, teams
  std::string conversation;
  std::string thread;
  std::string service_url;
  std::string response_url;
  std::string user;
  bool replace_original = false;
  chat::Reply reply;
};

// A mail to people (templates/email/<key>.txt: a "Subject:" line, a blank line, the text).
struct Email {
  std::vector<std::string> to;
  Message message;
};

// A PagerDuty Events API v2 event about an incident: trigger (with the finding's facts),
// acknowledge or resolve. The routing key is added at delivery, never stored.
struct Page {
  std::string action;  // trigger, acknowledge, resolve
  std::string dedup_key;
  boost::json::object facts;  // trigger: the finding facts (title, severity, team, ...)
};

// Tickets (Jira, or the local ticket outbox). The body is Jira's issue-create body (fields + ADF).
struct TicketCreate {
  std::int64_t request_id = 0;
  std::string subject;
  std::string idempotency_label;  // looked up with `jql` before creating
  std::string jql;
  boost::json::object body;
};
struct TicketComment {
  std::string ticket_key;
  std::string ref;  // a text the comment contains, to find it again after a lost answer
  std::string subject;
  boost::json::object body;  // ADF document
};
struct TicketTransition {
  std::string ticket_key;
  std::string transition;  // name or target status; empty: jira.done_transition
  std::string subject;
  std::string reason;
};

// The outbox kind of each effect. Chat effects carry their channel ("slack.post", "teams.update",
// "web.post", "slack.reply"), so a process serves only the channels it has a delivery handler for
// and the rest stay queued for one that does.
std::string outbox_kind(const ChatPost& e);
std::string outbox_kind(const ChatUpdate& e);
std::string outbox_kind(const ChatReply& e);
inline std::string outbox_kind(const Email&) { return "email.send"; }
inline std::string outbox_kind(const Page&) { return "pagerduty.event"; }
inline std::string outbox_kind(const TicketCreate&) { return "ticket.create"; }
inline std::string outbox_kind(const TicketComment&) { return "ticket.comment"; }
inline std::string outbox_kind(const TicketTransition&) { return "ticket.transition"; }
// The kinds a chat channel's delivery handler serves: "<channel>.post", ".update", ".reply".
std::string post_kind(std::string_view channel);
std::string update_kind(std::string_view channel);
std::string reply_kind(std::string_view channel);

// JSON (the outbox payload). value_to throws Error(invalid_input) naming the bad field.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Message& m);
Message tag_invoke(boost::json::value_to_tag<Message>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Address& a);
Address tag_invoke(boost::json::value_to_tag<Address>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ChatPost& e);
ChatPost tag_invoke(boost::json::value_to_tag<ChatPost>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ChatUpdate& e);
ChatUpdate tag_invoke(boost::json::value_to_tag<ChatUpdate>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ChatReply& e);
ChatReply tag_invoke(boost::json::value_to_tag<ChatReply>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Email& e);
Email tag_invoke(boost::json::value_to_tag<Email>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Page& e);
Page tag_invoke(boost::json::value_to_tag<Page>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const TicketCreate& e);
TicketCreate tag_invoke(boost::json::value_to_tag<TicketCreate>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const TicketComment& e);
TicketComment tag_invoke(boost::json::value_to_tag<TicketComment>, const boost::json::value& in);
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const TicketTransition& e);
TicketTransition tag_invoke(boost::json::value_to_tag<TicketTransition>, const boost::json::value& in);

// A chat::Reply as JSON (the facts of a reply message).
boost::json::object reply_to_json(const chat::Reply& reply);
chat::Reply reply_from_json(const boost::json::object& json);

// Options of one queued effect.
struct Queue {
  UnixSeconds not_before = 0;  // deliver no earlier (quiet hours)
  std::string after;           // deliver only once the effect with this key is done (an edit after its post)
};

// Queues an effect in the outbox under `key` (inside the caller's write transaction).
std::int64_t enqueue_json(storage::Database& db, std::string_view kind, const std::string& key,
                          const boost::json::object& payload, UnixSeconds now, const Queue& options = {});
template <class Effect>
std::int64_t enqueue(storage::Database& db, const std::string& key, const Effect& effect, UnixSeconds now,
                     const Queue& options = {}) {
  return enqueue_json(db, outbox_kind(effect), key, boost::json::value_from(effect).as_object(), now, options);
}

// Reads an outbox payload back as its effect.
template <class Effect>
Effect effect_from(const boost::json::object& payload) {
  return boost::json::value_to<Effect>(boost::json::value(payload));
}

}  // namespace costbot::messages
