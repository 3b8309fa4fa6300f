#include "engine/audit/audit.hpp"
#include "engine/alerts/escalation.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/alerts/alert_store.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/messages/publish.hpp"
#include "engine/util/error.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::vector<std::string> escalation_people(const config::Config& config, const std::string& team, const std::string& role) {
  if (const auto* t = config.find_team(team))
    if (auto it = t->roles.find(role); it != t->roles.end() && !it->second.empty()) return it->second;
  if (auto it = config.approvals.roles.find(role); it != config.approvals.roles.end()) return it->second;
  return {};
}

namespace {

std::string hours_text(double hours) {
  if (hours == static_cast<int>(hours)) return fmt::format("{} hour{}", static_cast<int>(hours), hours == 1 ? "" : "s");
  return fmt::format("{:g} hours", hours);
}

struct Level {
  std::string name;
  double after_hours;
  std::string role;
};

class Escalator {
 public:
  Escalator(storage::Database& db, const config::Config& config, const render::Templates& templates, UnixSeconds now)
      : db_(db), config_(config), renderer_(templates, config), now_(now), subjects_(db, config) {}

  EscalationReport run() {
    const auto& e = config_.alerts.escalation;
    if (!e.enabled) return report_;
    const std::vector<Level> levels{{"manager", e.manager_after_hours, e.manager_role},
                                    {"director", e.director_after_hours, e.director_role}};
    SQLite::Statement q(db_.sql(),
                        "SELECT subject, MIN(escalate_from) FROM alert_items WHERE escalate_from IS NOT NULL GROUP BY subject "
                        "ORDER BY MIN(escalate_from)");
    std::vector<std::pair<std::string, UnixSeconds>> due;
    while (q.executeStep()) due.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
    for (const auto& [subject, since] : due) {
      auto* s = subjects_.get(subject);
      if (!s || !s->open || s->ack) continue;
      for (const auto& level : levels) {
        if (now_ < since + static_cast<UnixSeconds>(level.after_hours * 3600)) break;
        if (escalation_done(db_, subject, level.name)) continue;
        notify(*s, level, since);
      }
    }
    return report_;
  }

 private:
  void notify(SubjectView& s, const Level& level, UnixSeconds since) {
    auto people = escalation_people(config_, s.finding.team, level.role);
    const std::string hours = hours_text(level.after_hours);
    if (people.empty()) {
      report_.lines.push_back(fmt::format("{}: unacknowledged for {}, but nobody has the role {} for team {} (teams[].roles.{} or "
                                          "approvals.roles.{})",
                                          s.subject, hours, level.role, s.finding.team.empty() ? "(none)" : s.finding.team,
                                          level.role, level.role));
    }
    ++report_.steps;
    for (const auto& m : messages_about(db_, s.subject)) {
      if (m.channel_kind != "slack" && m.channel_kind != "teams" && m.channel_kind != "web") continue;
      const auto* persona = config_.personas.find(m.persona);
      if (!persona) continue;
      auto ctx = item_context(config_, s, m.version);
      json::array list, users;
      for (const auto& user : people) {
        list.push_back(json::object{{"user", user}});
        users.push_back(json::value(user));
      }
      // The channel names and mentions the people (people_names, people_mentions: messages/style.hpp).
      json::object esc{{"level", level.name},
                       {"is_manager", level.name == "manager"},
                       {"is_director", level.name == "director"},
                       {"role", level.role},
                       {"hours_text", hours},
                       {"since_text", when_text(since)},
                       {"people", list},
                       {"people_users", users},
                       {"has_people", !people.empty()}};
      ctx["escalation"] = std::move(esc);
      ctx["actions"] = web_actions(config_, s);
      auto channel = *parse_channel(m.channel_kind);
      const std::string key = "escalation:" + s.subject + ":" + level.name + ":" + std::to_string(m.id);
      if (channel == Channel::web) {
        // The web feed shows it as its own post beside the alert (version: manager 1, director 2).
        ctx["web_title"] = "Escalated: " + s.finding.title;
        auto message = renderer_.message(*persona, channel, "escalation", s.subject + ":escalation", ctx,
                                         level.name == "manager" ? 1 : 2);
        messages::enqueue(db_, key, messages::ChatPost{{m.channel_kind, m.target}, message, false, false}, now_);
      } else {
        auto message = renderer_.message(*persona, channel, "escalation", s.subject, ctx, 0);
        messages::post_in_thread(db_, {m.channel_kind, m.target}, message, key, now_, /*broadcast=*/true);
      }
      ++report_.notices;
    }
    record_escalation(db_, s.subject, level.name, people, now_);
    report_.lines.push_back(fmt::format("{}: unacknowledged for {}: {} ({}) notified", s.subject, hours, level.name,
                                        people.empty() ? "nobody configured" : text::join(people, ", ")));
  }

  storage::Database& db_;
  const config::Config& config_;
  MessageRenderer renderer_;
  UnixSeconds now_;
  SubjectCache subjects_;
  EscalationReport report_;
};

}  // namespace

EscalationReport run_escalation(storage::Database& db, const config::Config& config, const render::Templates& templates,
                                UnixSeconds now) {
  auto tx = db.begin_write();
  auto report = Escalator(db, config, templates, now).run();
  tx.commit();
  for (const auto& line : report.lines) spdlog::info("escalation: {}", line);
  return report;
}

AckOutcome acknowledge(storage::Database& db, const config::Config& config, const render::Templates& templates,
                       const std::string& subject, const std::string& platform, const std::string& user_id,
                       const std::string& user_name, UnixSeconds now) {
  AckOutcome out;
  SubjectCache cache(db, config);
  auto* s = cache.get(subject);
  if (!s) throw not_found("nothing to acknowledge: no incident or finding " + subject);
  if (s->ack) {
    out.message = "Already acknowledged by " + s->ack->who() + " at " + when_text(s->ack->acked_at) + ".";
    return out;
  }
  record_ack(db, AckRecord{subject, platform, user_id, user_name, now});
  audit::append(db, {user_id, "alert.acknowledged", subject, {{"platform", platform}, {"name", user_name}}}, now);
  out.acknowledged = true;
  out.report = AlertDelivery(db, config, templates, now).refresh(subject);
  std::string ref = s->incident ? "I" + std::to_string(s->incident->id) : "F" + std::to_string(s->finding.id);
  out.message = "Acknowledged " + ref + " (" + s->finding.title + "): escalation stopped; " +
                std::to_string(out.report.updated) + " message(s) updated.";
  return out;
}

}  // namespace costbot::alerts
