// Messages and effects of approval transitions. A request is one message (subject approval:<id>,
// template approver/approval_request, the request's facts) posted to every configured channel and
// redrawn in place after each change with the next version (engine/messages); reminders are
// replies in each copy's thread. Channels render and deliver them (bot/).
//
// Idempotency keys: approval:<id>:post:<channel>:<target> (first posts),
// approval:<id>:v<version>:<channel>:<target> (redraws), approval:<id>:esc:<stage>:<step>:<channel>:<target>
// (reminders), approval:<id>:jira.create_issue, approval:<id>:detect.feedback,
// approval:<id>:detect.incident_status:v<version>.
#include "engine/approvals/internal.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/publish.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/log.hpp"

namespace costbot::approvals::detail {
namespace {

const std::string kRequestTemplate = "approver/approval_request";
const std::string kNoticeTemplate = "approver/approval_escalation";

bool posts_to(const config::Config& config, const std::string& channel) {
  const auto& list = config.approvals.post_to;
  return std::find(list.begin(), list.end(), channel) != list.end();
}

std::string prefix(const RequestRecord& r) { return r.subject() + ":"; }

void enqueue(storage::Database& db, std::string kind, std::string key, boost::json::object payload, UnixSeconds now) {
  outbox::enqueue(db, outbox::Effect{std::move(kind), std::move(key), std::move(payload)}, now);
}

// The request as a message, at the subject's next version.
messages::Message request_message(const Approvals& a, storage::Database& db, const RequestRecord& r) {
  return messages::Message{r.subject(), kRequestTemplate, build_view(a.config(), r),
                           messages::CopyStore(db).next_version(r.subject())};
}

std::string slack_channel_for(const config::Config& c, const RequestRecord& r) {
  if (!c.approvals.slack_channel.empty()) return c.approvals.slack_channel;
  const auto* team = c.find_team(r.team);
  return team ? team->slack_channel : "";
}

std::string teams_conversation_for(const config::Config& c, const RequestRecord& r) {
  if (!c.approvals.teams_conversation.empty()) return c.approvals.teams_conversation;
  const auto* team = c.find_team(r.team);
  return team ? team->teams_conversation : "";
}

// Where a request is posted: the web feed, the team's (or the approvals) Slack channel and Teams
// conversation, as approvals.post_to says.
std::vector<messages::Address> request_addresses(const config::Config& c, const RequestRecord& r) {
  std::vector<messages::Address> out;
  if (posts_to(c, "web")) out.push_back({"web", c.approvals.web_feed});
  if (posts_to(c, "slack")) {
    std::string channel = slack_channel_for(c, r);
    if (channel.empty())
      spdlog::warn("approval {}: no Slack channel for team \"{}\" (set approvals.slack_channel or teams[].slack_channel)",
                   r.id, r.team);
    else
      out.push_back({"slack", channel});
  }
  if (posts_to(c, "teams")) {
    std::string conversation = teams_conversation_for(c, r);
    if (conversation.empty())
      spdlog::warn("approval {}: no Teams conversation for team \"{}\" (set approvals.teams_conversation or "
                   "teams[].teams_conversation)", r.id, r.team);
    else
      out.push_back({"teams", conversation});
  }
  return out;
}

}  // namespace

void queue_initial_posts(const Approvals& a, storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  auto addresses = request_addresses(a.config(), r);
  if (addresses.empty()) return;
  auto message = request_message(a, db, r);
  for (const auto& to : addresses) messages::post(db, to, message, prefix(r) + "post:" + to.channel + ":" + to.target, now);
}

void queue_updates(const Approvals& a, storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  auto message = request_message(a, db, r);
  messages::redraw_all(db, message, prefix(r) + "v" + std::to_string(message.version), now);
  // The web feed shows every request, even one posted before the web channel was configured.
  const messages::Address feed{"web", a.config().approvals.web_feed};
  if (posts_to(a.config(), "web") && !messages::CopyStore(db).find(r.subject(), feed))
    messages::post(db, feed, message, prefix(r) + "post:web:" + feed.target, now);
}

void queue_escalation_notice(const Approvals& a, storage::Database& db, const RequestRecord& r, int stage_idx,
                             int step_idx, const std::string& action, const std::vector<std::string>& people,
                             UnixSeconds now) {
  std::string key_base = prefix(r) + "esc:" + std::to_string(stage_idx) + ":" + std::to_string(step_idx) + ":";
  boost::json::object facts;
  facts["request"] = build_view(a.config(), r);
  facts["is_reminder"] = action == "remind";
  facts["is_notification"] = action == "notify";
  facts["stage_label"] = stage_label(r, stage_idx);
  facts["web_event"] = "approval_" + action;
  boost::json::array list, users;
  for (const auto& p : people) {
    list.push_back(boost::json::object{{"user", p}});
    users.push_back(boost::json::value(p));
  }
  facts["people"] = list;
  facts["people_users"] = users;
  const messages::Message notice{r.subject(), kNoticeTemplate, std::move(facts), 0};
  bool web_done = false;
  const messages::Address feed{"web", a.config().approvals.web_feed};
  for (const auto& copy : messages::CopyStore(db).copies_of(r.subject())) {
    if (copy.to.channel != "slack" && copy.to.channel != "teams" && copy.to.channel != "web") continue;
    web_done = web_done || copy.to == feed;
    messages::post_in_thread(db, copy.to, notice, key_base + copy.to.channel + ":" + copy.to.target, now);
  }
  if (!web_done && posts_to(a.config(), "web"))
    messages::post_in_thread(db, feed, notice, key_base + "web:" + feed.target, now);
}

void queue_ticket_creation(const Approvals& a, storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  if (!r.ticket_settings) return;
  auto body = a.jira_create_body(r);
  std::string label = a.config().approvals.jira_label_prefix + std::to_string(r.id);
  const auto& project = body.at("fields").at("project").at("key").as_string();
  // The adapter looks the label up first, so a crash after Jira created the issue (but before we
  // recorded it) finds that issue instead of creating a second one.
  std::string jql = "project = \"" + std::string(project) + "\" AND labels = \"" + label + "\"";
  messages::enqueue(db, prefix(r) + "jira.create_issue", messages::TicketCreate{r.id, r.subject(), label, jql, body}, now);
}

void queue_detection_feedback(storage::Database& db, const RequestRecord& r, const std::string& actor, UnixSeconds now) {
  if (r.finding_id.empty()) return;
  enqueue(db, "detect.feedback", prefix(r) + "detect.feedback",
          {{"finding_id", r.finding_id},
           {"finding_kind", r.finding_kind},
           {"request_id", r.id},
           {"verdict", "rejected"},
           {"reason", r.rejection_reason},
           {"actor", actor},
           {"automatic", actor == "system"},  // an SLA auto-reject says nothing about the finding itself
           {"at", now}},
          now);
}

void queue_incident_status(storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  if (r.finding_id.empty() || !r.ticket) return;
  enqueue(db, "detect.incident_status", prefix(r) + "detect.incident_status:v" + std::to_string(r.version),
          {{"finding_id", r.finding_id},
           {"request_id", r.id},
           {"ticket_key", r.ticket->key},
           {"ticket_status", r.ticket->status},
           {"outcome", r.outcome.empty() ? "open" : r.outcome},
           {"at", now}},
          now);
}

}  // namespace costbot::approvals::detail
