#include <spdlog/spdlog.h>

#include "bot/actions/action_handler.hpp"
#include "bot/actions/message_updates.hpp"
#include "engine/util/error.hpp"

namespace costbot::actions {
namespace {

const char* past_tense(std::string_view verb) {
  if (verb == "approve") return "Approved";
  if (verb == "reject") return "Rejected";
  if (verb == "not_anomaly") return "Marked as not an anomaly";
  if (verb == "ack") return "Acknowledged";
  return "Handled";
}

const char* mark(std::string_view verb) {
  if (verb == "approve") return "\xE2\x9C\x85 ";      // ✅
  if (verb == "reject") return "\xE2\x9D\x8C ";       // ❌
  if (verb == "not_anomaly") return "\xF0\x9F\x94\x95 ";  // 🔕
  return "\xF0\x9F\x91\x80 ";                          // 👀
}

std::string who(const RecordedDecision& d) { return d.actor_name.empty() ? d.actor_id : d.actor_name; }

std::int64_t record(storage::Database& db, const chat::ChatAction& a, UnixSeconds now) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO chat_decisions(subject, verb, actor_platform, actor_id, actor_name, reason, channel, "
                        "message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, a.subject);
  ins.bind(2, chat::to_string(a.verb));
  ins.bind(3, a.actor.platform);
  ins.bind(4, a.actor.user_id);
  ins.bind(5, a.actor.name);
  ins.bind(6, a.reason);
  ins.bind(7, a.message.channel);
  ins.bind(8, a.message.message_id);
  ins.bind(9, static_cast<std::int64_t>(now));
  ins.exec();
  return db.sql().getLastInsertRowid();
}

}  // namespace

chat::Reply decided_message(const chat::ChatAction& a, const RecordedDecision& d) {
  chat::Reply r;
  if (!a.message.text.empty()) r.text(a.message.text);
  std::string line = std::string(mark(d.verb)) + "*" + past_tense(d.verb) + "* by " + who(d);
  if (!d.reason.empty()) line += ": " + d.reason;
  r.text(line);
  r.context(a.subject + " · " + format_instant(d.created_at));
  r.fallback = std::string(past_tense(d.verb)) + " by " + who(d) + (a.message.text.empty() ? "" : ": " + a.message.text);
  r.visibility = chat::Visibility::in_channel;
  return r;
}

std::vector<RecordedDecision> decisions_for(storage::Database& db, const std::string& subject) {
  SQLite::Statement q(db.sql(),
                      "SELECT id, subject, verb, actor_platform, actor_id, actor_name, reason, channel, message_id, "
                      "created_at FROM chat_decisions WHERE subject = ? ORDER BY id");
  q.bind(1, subject);
  std::vector<RecordedDecision> out;
  while (q.executeStep()) {
    RecordedDecision d;
    d.id = q.getColumn(0).getInt64();
    d.subject = q.getColumn(1).getString();
    d.verb = q.getColumn(2).getString();
    d.actor_platform = q.getColumn(3).getString();
    d.actor_id = q.getColumn(4).getString();
    d.actor_name = q.getColumn(5).getString();
    d.reason = q.getColumn(6).getString();
    d.channel = q.getColumn(7).getString();
    d.message_id = q.getColumn(8).getString();
    d.created_at = q.getColumn(9).getInt64();
    out.push_back(std::move(d));
  }
  return out;
}

ActionOutcome RecordingActionHandler::handle(const chat::ChatAction& a, storage::Database& db, UnixSeconds now) {
  if (a.subject.empty()) throw invalid_input("the action has no subject");
  ActionOutcome outcome;
  if (a.verb == chat::ActionVerb::details) {
    auto decisions = decisions_for(db, a.subject);
    chat::Reply r;
    r.title = "Details: " + a.subject;
    if (!a.message.text.empty()) r.text(a.message.text);
    if (decisions.empty()) {
      r.context("No decision recorded yet.");
    } else {
      chat::TableBlock t;
      t.columns = {"when", "who", "what", "reason"};
      for (const auto& d : decisions) t.rows.push_back({format_instant(d.created_at), who(d), d.verb, d.reason});
      r.table(std::move(t));
    }
    r.fallback = "Details for " + a.subject;
    outcome.reply_to_actor = std::move(r);
    return outcome;
  }

  auto tx = db.begin_write();
  bool decisive = a.verb == chat::ActionVerb::approve || a.verb == chat::ActionVerb::reject;
  if (decisive) {
    for (const auto& d : decisions_for(db, a.subject)) {
      if (d.verb != "approve" && d.verb != "reject") continue;
      chat::Reply r;
      r.text(std::string("This was already ") + (d.verb == "approve" ? "approved" : "rejected") + " by " + who(d) +
             " at " + format_instant(d.created_at) + ".");
      r.fallback = r.summary();
      outcome.reply_to_actor = std::move(r);
      return outcome;  // nothing recorded; the transaction rolls back
    }
  }
  RecordedDecision d;
  d.id = record(db, a, now);
  d.subject = a.subject;
  d.verb = chat::to_string(a.verb);
  d.actor_id = a.actor.user_id;
  d.actor_name = a.actor.name;
  d.reason = a.reason;
  d.created_at = now;
  auto count = enqueue_message_update(db, a.subject, decided_message(a, d), a.message, a.response_url,
                                      "decision:" + std::to_string(d.id), now);
  tx.commit();
  spdlog::info("{} {} by {}:{} (decision #{}, {} message update(s) queued)", a.subject, d.verb, a.actor.platform,
               a.actor.user_id, d.id, count.queued);
  outcome.queued_effects = count.queued > 0;
  return outcome;
}

}  // namespace costbot::actions
