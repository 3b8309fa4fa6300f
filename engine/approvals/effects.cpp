// Outbox effects of approval transitions. Every payload is rendered from templates/ at the moment
// of the transition and carries "subject" and "version", so a worker can record the posted copy
// (posted_messages) and skip an update older than one it already delivered.
//
// Idempotency keys: approval:<id>:post:<kind>:<channel> (first posts),
// approval:<id>:v<version>:<kind>:<channel> (updates), approval:<id>:esc:<stage>:<step>:<kind>:<channel>
// (reminders), approval:<id>:jira.create_issue, approval:<id>:detect.feedback,
// approval:<id>:detect.incident_status:v<version>.
#include "engine/approvals/internal.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/log.hpp"

namespace costbot::approvals::detail {
namespace {

const std::string kSlackRequest = "slack/approver/approval_request.json";
const std::string kTeamsRequest = "teams/approver/approval_request.json";
const std::string kWebRequest = "web/approver/approval_request.txt";
const std::string kSlackNotice = "slack/approver/approval_escalation.json";
const std::string kTeamsNotice = "teams/approver/approval_escalation.json";
const std::string kWebNotice = "web/approver/approval_escalation.txt";

bool posts_to(const config::Config& config, const std::string& channel) {
  const auto& list = config.approvals.post_to;
  return std::find(list.begin(), list.end(), channel) != list.end();
}

std::string prefix(const RequestRecord& r) { return r.subject() + ":"; }

void enqueue(storage::Database& db, std::string kind, std::string key, boost::json::object payload, UnixSeconds now) {
  outbox::enqueue(db, outbox::Effect{std::move(kind), std::move(key), std::move(payload), 0}, now);
}

// Slack: {"text", "blocks"} from the template, plus where it goes.
boost::json::object slack_message(const Approvals& a, const RequestRecord& r) {
  auto rendered = a.templates().render_json(kSlackRequest, build_view(a.config(), r, slack_style()));
  return rendered.is_object() ? rendered.as_object() : boost::json::object{};
}

boost::json::object teams_activity(const Approvals& a, const std::string& template_path, const boost::json::object& view) {
  auto card = a.templates().render_json(template_path, view);
  return {{"type", "message"},
          {"attachments", boost::json::array{{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                              {"content", card}}}}};
}

// The web channel draws its buttons from "actions" (verb, label, subject) and posts the click
// back as a ChatAction; subjects carry the stage like the chat buttons do.
boost::json::array web_actions(const RequestRecord& r) {
  boost::json::array actions;
  if (r.status == "open" && r.current_stage) {
    std::string staged = r.subject() + ":" + std::to_string(*r.current_stage);
    actions.push_back({{"verb", "approve"}, {"label", "Approve"}, {"subject", staged}});
    actions.push_back({{"verb", "reject"}, {"label", "Reject"}, {"subject", staged}});
  }
  actions.push_back({{"verb", "details"}, {"label", "Details"}, {"subject", r.subject()}});
  return actions;
}

boost::json::object web_payload(const Approvals& a, const RequestRecord& r, const std::string& feed) {
  auto view = build_view(a.config(), r, plain_style());
  return {{"feed", feed},
          {"subject", r.subject()},
          {"version", r.version},
          {"event", "approval_request"},
          {"title", r.title},
          {"text", a.templates().render(kWebRequest, view)},
          {"severity", r.severity},
          {"actions", web_actions(r)},
          {"view", view}};
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

}  // namespace

void queue_initial_posts(const Approvals& a, storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  const auto& c = a.config();
  if (posts_to(c, "web")) {
    enqueue(db, "web.post", prefix(r) + "post:web:" + c.approvals.web_feed, web_payload(a, r, c.approvals.web_feed), now);
  }
  if (posts_to(c, "slack")) {
    std::string channel = slack_channel_for(c, r);
    if (channel.empty()) {
      spdlog::warn("approval {}: no Slack channel for team \"{}\" (set approvals.slack_channel or teams[].slack_channel)",
                   r.id, r.team);
    } else {
      auto payload = slack_message(a, r);
      payload["channel"] = channel;
      payload["subject"] = r.subject();
      payload["version"] = r.version;
      enqueue(db, "slack.post_message", prefix(r) + "post:slack:" + channel, std::move(payload), now);
    }
  }
  if (posts_to(c, "teams")) {
    std::string conversation = teams_conversation_for(c, r);
    if (conversation.empty()) {
      spdlog::warn("approval {}: no Teams conversation for team \"{}\" (set approvals.teams_conversation or "
                   "teams[].teams_conversation)", r.id, r.team);
    } else {
      boost::json::object payload{{"conversation", conversation},
                                  {"activity", teams_activity(a, kTeamsRequest, build_view(c, r, plain_style()))},
                                  {"subject", r.subject()},
                                  {"version", r.version}};
      enqueue(db, "teams.send_activity", prefix(r) + "post:teams:" + conversation, std::move(payload), now);
    }
  }
}

void queue_copy_update(const Approvals& a, storage::Database& db, const RequestRecord& r, const CopyRecord& copy,
                       UnixSeconds now) {
  std::string key = prefix(r) + "v" + std::to_string(r.version) + ":" + copy.channel_kind + ":" + copy.channel;
  if (copy.channel_kind == "slack") {
    auto payload = slack_message(a, r);
    payload["channel"] = copy.channel;
    payload["ts"] = copy.message_id;
    payload["subject"] = r.subject();
    payload["version"] = r.version;
    enqueue(db, "slack.update_message", key, std::move(payload), now);
  } else if (copy.channel_kind == "teams") {
    auto activity = teams_activity(a, kTeamsRequest, build_view(a.config(), r, plain_style()));
    activity["id"] = copy.message_id;
    enqueue(db, "teams.update_activity", key,
            {{"service_url", copy.service_url},
             {"conversation", copy.channel},
             {"activity_id", copy.message_id},
             {"activity", activity},
             {"subject", r.subject()},
             {"version", r.version}},
            now);
  } else if (copy.channel_kind == "web") {
    auto payload = web_payload(a, r, copy.channel);
    payload["message_id"] = copy.message_id;
    enqueue(db, "web.post", key, std::move(payload), now);
  } else {
    spdlog::debug("approval {}: no update for a copy in channel kind {}", r.id, copy.channel_kind);
  }
}

void queue_updates(const Approvals& a, storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  bool web_done = false;
  const std::string& feed = a.config().approvals.web_feed;
  for (const auto& copy : posted_copies(db, r.subject())) {
    queue_copy_update(a, db, r, copy, now);
    web_done = web_done || (copy.channel_kind == "web" && copy.channel == feed);
  }
  // The web feed shows every request even before the web channel records its copy.
  if (!web_done && posts_to(a.config(), "web"))
    queue_copy_update(a, db, r, CopyRecord{"web", feed, r.subject(), ""}, now);
}

void queue_escalation_notice(const Approvals& a, storage::Database& db, const RequestRecord& r, int stage_idx,
                             int step_idx, const std::string& action, const std::vector<std::string>& people,
                             UnixSeconds now) {
  std::string key_base = prefix(r) + "esc:" + std::to_string(stage_idx) + ":" + std::to_string(step_idx) + ":";
  auto context_for = [&](const ChannelStyle& style) {
    boost::json::object ctx;
    ctx["request"] = build_view(a.config(), r, style);
    ctx["is_reminder"] = action == "remind";
    ctx["is_notification"] = action == "notify";
    ctx["stage_label"] = style.escape(stage_label(r, stage_idx));
    boost::json::array list;
    std::string names;
    for (const auto& p : people) {
      list.push_back({{"user", p}, {"name", style.person(p)}});
      names += (names.empty() ? "" : ", ") + style.person(p);
    }
    ctx["people"] = list;
    if (!names.empty()) ctx["people_names"] = names;
    return ctx;
  };
  bool web_done = false;
  const std::string& feed = a.config().approvals.web_feed;
  for (const auto& copy : posted_copies(db, r.subject())) {
    std::string key = key_base + copy.channel_kind + ":" + copy.channel;
    if (copy.channel_kind == "slack") {
      auto rendered = a.templates().render_json(kSlackNotice, context_for(slack_style()));
      auto payload = rendered.is_object() ? rendered.as_object() : boost::json::object{};
      payload["channel"] = copy.channel;
      payload["thread_ts"] = copy.message_id;
      payload["subject"] = r.subject();
      enqueue(db, "slack.post_message", key, std::move(payload), now);
    } else if (copy.channel_kind == "teams") {
      enqueue(db, "teams.send_activity", key,
              {{"service_url", copy.service_url},
               {"conversation", copy.channel},
               {"reply_to_id", copy.message_id},
               {"activity", teams_activity(a, kTeamsNotice, context_for(plain_style()))},
               {"subject", r.subject()}},
              now);
    } else if (copy.channel_kind == "web") {
      web_done = web_done || copy.channel == feed;
      enqueue(db, "web.post", key,
              {{"feed", copy.channel},
               {"subject", r.subject()},
               {"event", "approval_" + action},
               {"text", a.templates().render(kWebNotice, context_for(plain_style()))}},
              now);
    }
  }
  if (!web_done && posts_to(a.config(), "web"))
    enqueue(db, "web.post", key_base + "web:" + feed,
            {{"feed", feed},
             {"subject", r.subject()},
             {"event", "approval_" + action},
             {"text", a.templates().render(kWebNotice, context_for(plain_style()))}},
            now);
}

void queue_ticket_creation(const Approvals& a, storage::Database& db, const RequestRecord& r, UnixSeconds now) {
  if (!r.ticket_settings) return;
  auto body = a.jira_create_body(r);
  std::string label = a.config().approvals.jira_label_prefix + std::to_string(r.id);
  const auto& project = body.at("fields").at("project").at("key").as_string();
  // The adapter looks the label up first, so a crash after Jira created the issue (but before we
  // recorded it) finds that issue instead of creating a second one.
  std::string jql = "project = \"" + std::string(project) + "\" AND labels = \"" + label + "\"";
  enqueue(db, "jira.create_issue", prefix(r) + "jira.create_issue",
          {{"request_id", r.id}, {"subject", r.subject()}, {"idempotency_label", label}, {"jql", jql}, {"body", body}},
          now);
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
