#include "engine/alerts/alert_effects.hpp"

#include "engine/outbox/outbox.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::optional<PostedRef> find_posted(storage::Database& db, const std::string& channel_kind, const std::string& target,
                                     const std::string& subject, const std::string& post_key) {
  if (channel_kind == "slack") {
    // Slack answers a post with the channel id (a #name or a user id resolves to one) and the ts.
    if (auto result = outbox::result_of(db, post_key); result && result->is_object()) {
      PostedRef ref{json_string(result->as_object(), "channel"), json_string(result->as_object(), "ts"), ""};
      if (!ref.channel.empty() && !ref.message_id.empty()) return ref;
    }
  } else if (channel_kind == "teams") {
    // The same for Teams: a target may be a msteams.conversations name; the delivery's result holds
    // the conversation id it resolved to, the activity id and the service URL.
    if (auto result = outbox::result_of(db, post_key); result && result->is_object()) {
      const auto& o = result->as_object();
      PostedRef ref{json_string(o, "conversation"), json_string(o, "activity_id"), json_string(o, "service_url")};
      if (!ref.channel.empty() && !ref.message_id.empty()) return ref;
    }
  }
  SQLite::Statement q(db.sql(),
                      "SELECT channel, message_id, service_url FROM posted_messages WHERE subject = ? AND channel_kind = ? "
                      "AND channel = ?");
  q.bind(1, subject);
  q.bind(2, channel_kind);
  q.bind(3, target);
  if (!q.executeStep()) return std::nullopt;
  return PostedRef{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()};
}

json::object slack_post_payload(const RenderedMessage& m, const std::string& channel, const std::string& subject) {
  json::object payload = m.json.is_object() ? m.json.as_object() : json::object{};
  payload["channel"] = channel;
  payload["subject"] = subject;
  return payload;
}

json::object slack_update_payload(const RenderedMessage& m, const PostedRef& ref, const std::string& subject) {
  json::object payload = m.json.is_object() ? m.json.as_object() : json::object{};
  payload["channel"] = ref.channel;
  payload["ts"] = ref.message_id;
  payload["subject"] = subject;
  return payload;
}

json::object slack_reply_payload(const RenderedMessage& m, const std::string& channel, const std::string& thread_ts,
                                 const std::string& subject) {
  json::object payload = m.json.is_object() ? m.json.as_object() : json::object{};
  payload["channel"] = channel;
  if (!thread_ts.empty()) {
    payload["thread_ts"] = thread_ts;
    payload["reply_broadcast"] = true;  // an escalation should be seen in the channel too
  }
  payload["subject"] = subject;
  return payload;
}

json::object teams_send_payload(const RenderedMessage& m, const std::string& conversation, const std::string& subject,
                                std::int64_t version, const std::string& reply_to, const std::string& service_url) {
  json::object payload{{"conversation", conversation},
                       {"activity", teams_activity(m.json, m.text)},
                       {"subject", subject},
                       {"version", version}};
  if (!reply_to.empty()) payload["reply_to_id"] = reply_to;
  if (!service_url.empty()) payload["service_url"] = service_url;
  return payload;
}

json::object teams_update_payload(const RenderedMessage& m, const PostedRef& ref, const std::string& subject,
                                  std::int64_t version) {
  auto activity = teams_activity(m.json, m.text);
  activity["id"] = ref.message_id;
  return {{"service_url", ref.service_url},
          {"conversation", ref.channel},
          {"activity_id", ref.message_id},
          {"activity", activity},
          {"subject", subject},
          {"version", version}};
}

json::object web_payload(const RenderedMessage& m, const std::string& feed, const std::string& subject, std::int64_t version,
                         const std::string& title, const std::string& severity, const json::object& view,
                         const json::array& actions) {
  return {{"feed", feed},       {"subject", subject}, {"version", version}, {"event", m.event},
          {"title", title},     {"text", m.text},     {"severity", severity}, {"view", view},
          {"actions", actions}, {"persona", m.persona}};
}

json::object email_payload(const RenderedMessage& m, const std::string& to, const std::string& ref) {
  return {{"to", json::array{json::value(to)}}, {"subject", m.email_subject}, {"text", m.text}, {"persona", m.persona}, {"ref", ref}};
}

std::string pagerduty_severity(const std::string& s) {
  if (s == "critical") return "critical";
  if (s == "high") return "error";
  if (s == "medium") return "warning";
  return "info";
}

json::object pagerduty_trigger(const json::object& f, const std::string& source, const std::string& dedup_key,
                               const std::string& public_url) {
  std::string summary = json_string(f, "title");
  if (summary.size() > 1024) summary = summary.substr(0, 1021) + "...";
  json::object details{{"impact_per_day", json_string(f, "impact_day_text")},
                       {"impact_per_month", json_string(f, "impact_month_text")},
                       {"change", json_string(f, "percent_change_text")},
                       {"expected", json_string(f, "expected_text")},
                       {"actual", json_string(f, "actual_text")},
                       {"scope", json_string(f, "scope_label")},
                       {"finding", json_string(f, "ref")},
                       {"cause", json_string(f, "cause_sentence")},
                       {"recommendation", json_string(f, "first_recommendation")}};
  if (auto cmd = json_string(f, "fix_command"); !cmd.empty()) details["command"] = cmd;
  json::object payload{{"summary", summary},
                       {"source", source},
                       {"severity", pagerduty_severity(json_string(f, "severity"))},
                       {"class", json_string(f, "kind")},
                       {"custom_details", details}};
  if (auto team = json_string(f, "team"); !team.empty()) payload["group"] = team;
  std::string component = json_string(f, "resource");
  if (component.empty()) component = json_string(f, "service");
  if (!component.empty()) payload["component"] = component;
  json::object event{{"event_action", "trigger"}, {"dedup_key", dedup_key}, {"payload", payload}, {"client", "costbot"}};
  if (!public_url.empty()) event["client_url"] = public_url;
  json::array links;
  if (auto open = json_string(f, "open_url"); !open.empty()) links.push_back({{"href", open}, {"text", "Open in costbot"}});
  event["links"] = links;
  if (auto chart = json_string(f, "chart_url"); !chart.empty())
    event["images"] = json::array{{{"src", chart}, {"href", chart}, {"alt", "Cost trend"}}};
  return event;
}

json::object pagerduty_followup(const std::string& action, const std::string& dedup_key) {
  return {{"event_action", action}, {"dedup_key", dedup_key}};
}

void enqueue_effect(storage::Database& db, const std::string& kind, const std::string& key, json::object payload,
                    UnixSeconds now, UnixSeconds not_before) {
  outbox::enqueue(db, outbox::Effect{kind, key, std::move(payload), not_before}, now);
}

}  // namespace costbot::alerts
