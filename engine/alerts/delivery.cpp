#include "engine/alerts/delivery.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "engine/alerts/alert_effects.hpp"
#include "engine/alerts/alert_store.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/log.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::string DeliveryReport::summary() const {
  if (!queued() && held == 0 && deferred == 0) return "nothing to deliver";
  return fmt::format("{} message(s) posted ({} grouped), {} edited, {} page(s), {} email(s), {} held for quiet hours, "
                     "{} edit(s) waiting for their first post",
                     posted, grouped, updated, pages, emails, held, deferred);
}

struct AlertDelivery::Impl {
  storage::Database& db;
  const config::Config& config;
  MessageRenderer renderer;
  UnixSeconds now;
  SubjectCache subjects;
  DeliveryReport report;

  Impl(storage::Database& d, const config::Config& c, const render::Templates& t, UnixSeconds n)
      : db(d), config(c), renderer(t, c), now(n), subjects(d, c) {}

  const config::PersonaConfig& persona(const std::string& name) {
    if (const auto* p = config.personas.find(name)) return *p;
    // A persona removed from config still owns its earlier messages: edit them with neutral words.
    static thread_local config::PersonaConfig fallback;
    fallback = config::PersonaConfig{};
    fallback.name = name;
    fallback.templates = "finops_analyst";
    return fallback;
  }

  std::optional<UnixSeconds> escalate_from(const SubjectView& s, const std::optional<UnixSeconds>& before) {
    if (before) return before;
    if (s.open && config.alerts.escalation.enabled && severity_at_least(s.severity, config.alerts.escalation.min_severity))
      return now;
    return std::nullopt;
  }

  void save(const MessageRecord& m, const SubjectView& s, const std::optional<ItemRecord>& previous) {
    ItemRecord item;
    item.persona = m.persona;
    item.channel_kind = m.channel_kind;
    item.target = m.target;
    item.subject = s.subject;
    item.message_id = m.id;
    item.finding_id = s.finding.id;
    item.state = s.state;
    item.severity = s.severity;
    item.first_delivered_at = previous ? previous->first_delivered_at : now;
    item.delivered_at = now;
    item.escalate_from =
        m.channel_kind == "email" || m.channel_kind == "pagerduty" ? std::nullopt
                                                                  : escalate_from(s, previous ? previous->escalate_from : std::nullopt);
    save_item(db, item);
  }

  // ---- first posts ----

  void enqueue_render(const MessageRecord& m, const RenderedMessage& r, const std::string& key, const json::object& view,
                      const std::string& title, const std::string& severity, const json::array& actions) {
    if (m.channel_kind == "slack") {
      enqueue_effect(db, "slack.post_message", key, slack_post_payload(r, m.target, m.subject), now);
    } else if (m.channel_kind == "teams") {
      enqueue_effect(db, "teams.send_activity", key, teams_send_payload(r, m.target, m.subject, m.version), now);
    } else if (m.channel_kind == "web") {
      enqueue_effect(db, "web.post", key, web_payload(r, m.target, m.subject, m.version, title, severity, view, actions), now);
    } else if (m.channel_kind == "email") {
      enqueue_effect(db, "email.send", key, email_payload(r, m.target, m.subject), now);
      ++report.emails;
    }
  }

  void post_single(const config::PersonaConfig& p, const Target& t, SubjectView& s) {
    if (t.channel_kind == "pagerduty") {
      MessageRecord m{0, p.name, t.channel_kind, t.address, s.subject, "page", "pagerduty:" + s.subject + ":trigger", 1, now, now};
      insert_message(db, m);
      enqueue_effect(db, "pagerduty.event", m.post_key,
                     pagerduty_trigger(s.facts, config.pagerduty.source, s.subject, config.public_base_url()), now);
      save(m, s, std::nullopt);
      ++report.pages;
      report.lines.push_back(fmt::format("{}: PagerDuty trigger for {} ({})", p.name, s.subject, s.severity));
      return;
    }
    const std::string event = std::string(s.facts.at("event").as_string());
    MessageRecord m{0, p.name, t.channel_kind, t.address, s.subject, event, "", 1, now, now};
    insert_message(db, m);
    auto channel = *parse_channel(t.channel_kind);
    auto ctx = item_context(config, s, 1);
    auto rendered = renderer.render(p, channel, event, ctx);
    enqueue_render(m, rendered, m.post_key, s.facts, s.finding.title, s.severity, web_actions(config, s));
    save(m, s, std::nullopt);
    ++report.posted;
    report.lines.push_back(fmt::format("{}: {} {} -> {} {}", p.name, event, s.subject, t.channel_kind, t.address));
  }

  void post_group(const config::PersonaConfig& p, const Target& t, std::vector<SubjectView*> items) {
    MessageRecord m{0, p.name, t.channel_kind, t.address, "", "group", "", 1, now, now};
    insert_message(db, m);  // subject becomes alerts:<id>
    auto ctx = group_context(config, items);
    ctx["subject"] = m.subject;
    auto rendered = renderer.render(p, *parse_channel(t.channel_kind), "group", ctx);
    enqueue_render(m, rendered, m.post_key, ctx, std::string(ctx.at("count_text").as_string()), "", {});
    for (auto* s : items) save(m, *s, std::nullopt);
    ++report.posted;
    ++report.grouped;
    report.lines.push_back(fmt::format("{}: {} alerts in one message -> {} {}", p.name, items.size(), t.channel_kind, t.address));
  }

  void deliver_new() {
    using Key = std::tuple<std::string, std::string, std::string>;  // channel kind, address, subject
    std::set<Key> taken;
    for (const auto& item : all_items(db)) taken.insert({item.channel_kind, item.target, item.subject});
    struct Pending {
      const config::PersonaConfig* persona;
      Target target;
      std::vector<SubjectView*> items;
    };
    std::vector<Pending> pending;
    auto pending_for = [&](const config::PersonaConfig* p, const Target& t) -> Pending& {
      for (auto& x : pending)
        if (x.persona == p && x.target == t) return x;
      pending.push_back({p, t, {}});
      return pending.back();
    };
    detect::FindingStore store(db);
    for (const auto& incident : store.incidents(detect::FindingQuery::open())) {
      auto* s = subjects.get("incident:" + std::to_string(incident.id));
      if (!s || !s->open) continue;
      for (const auto& d : route(db, config, s->finding, s->incident, now)) {
        if (d.mode == RouteMode::held) {
          bool any_new = false;
          for (const auto& t : d.targets) any_new = any_new || !taken.count({t.channel_kind, t.address, s->subject});
          if (any_new) {
            ++report.held;
            report.lines.push_back(d.persona + ": " + s->subject + " " + d.verdict);
          }
        }
        if (d.mode != RouteMode::real_time) continue;
        const auto* p = config.personas.find(d.persona);
        for (const auto& t : d.targets) {
          // One message per subject per place: the first persona (in config order) writes it.
          if (!taken.insert({t.channel_kind, t.address, s->subject}).second) continue;
          pending_for(p, t).items.push_back(s);
        }
      }
    }
    for (auto& x : pending) {
      const auto& kind = x.target.channel_kind;
      const bool groups = kind == "slack" || kind == "teams" || kind == "email";
      std::vector<SubjectView*> alone, together;
      for (auto* s : x.items) {
        if (groups && s->severity != "critical") together.push_back(s);
        else alone.push_back(s);
      }
      if (together.size() >= static_cast<std::size_t>(config.alerts.group_min_items)) post_group(*x.persona, x.target, together);
      else alone.insert(alone.end(), together.begin(), together.end());
      for (auto* s : alone) post_single(*x.persona, x.target, *s);
    }
  }

  // ---- edits ----

  void edit(const MessageRecord& m) {
    auto items = items_of_message(db, m.id);
    std::vector<SubjectView*> views;
    for (const auto& i : items)
      if (auto* s = subjects.get(i.subject)) views.push_back(s);
    if (views.empty()) return;
    const auto& p = persona(m.persona);

    if (m.channel_kind == "email") {  // a sent email stays as sent; remember what changed
      for (const auto& item : items)
        if (auto* s = subjects.get(item.subject)) save(m, *s, item);
      return;
    }
    if (m.channel_kind == "pagerduty") {
      for (const auto& item : items) {
        auto* view = subjects.get(item.subject);
        if (!view) continue;
        const auto& s = *view;
        const bool was_open = item.state.rfind("open|", 0) == 0;
        const bool was_acked = item.state.ends_with("|ack");
        if (was_open && !s.open) {
          enqueue_effect(db, "pagerduty.event", "pagerduty:" + s.subject + ":resolve", pagerduty_followup("resolve", s.subject), now);
          ++report.pages;
          report.lines.push_back(p.name + ": PagerDuty resolve for " + s.subject);
        } else if (s.open && s.ack && !was_acked) {
          enqueue_effect(db, "pagerduty.event", "pagerduty:" + s.subject + ":acknowledge",
                         pagerduty_followup("acknowledge", s.subject), now);
          ++report.pages;
          report.lines.push_back(p.name + ": PagerDuty acknowledge for " + s.subject);
        }
        save(m, s, item);
      }
      return;
    }

    const std::int64_t version = m.version + 1;
    const auto channel = *parse_channel(m.channel_kind);
    json::object ctx;
    std::string event = m.event, title, severity;
    json::array actions;
    if (m.is_group()) {
      ctx = group_context(config, views);
      ctx["subject"] = m.subject;
      ctx["is_update"] = true;
      title = std::string(ctx.at("count_text").as_string());
    } else {
      ctx = item_context(config, *views.front(), version);
      title = views.front()->finding.title;
      severity = views.front()->severity;
      actions = web_actions(config, *views.front());
      // A finding of another kind may join the incident (a spike that becomes a level shift).
      event = std::string(views.front()->facts.at("event").as_string());
    }
    auto rendered = renderer.render(p, channel, event, ctx);
    const std::string key = "alert:" + std::to_string(m.id) + ":v" + std::to_string(version);
    if (channel == Channel::web) {
      enqueue_effect(db, "web.post", key,
                     web_payload(rendered, m.target, m.subject, version, title, severity, m.is_group() ? ctx : views.front()->facts,
                                 actions),
                     now);
    } else {
      auto ref = find_posted(db, m.channel_kind, m.target, m.subject, m.post_key);
      if (!ref) {
        ++report.deferred;
        report.lines.push_back(fmt::format("{}: edit of {} in {} {} waits until its first post is delivered", p.name, m.subject,
                                           m.channel_kind, m.target));
        return;
      }
      if (channel == Channel::slack) enqueue_effect(db, "slack.update_message", key, slack_update_payload(rendered, *ref, m.subject), now);
      else enqueue_effect(db, "teams.update_activity", key, teams_update_payload(rendered, *ref, m.subject, version), now);
    }
    touch_message(db, m.id, version, now);
    for (std::size_t i = 0; i < items.size(); ++i)
      if (auto* s = subjects.get(items[i].subject)) save(m, *s, items[i]);
    ++report.updated;
    report.lines.push_back(fmt::format("{}: edited {} in {} {} (version {})", p.name, m.subject, m.channel_kind, m.target, version));
  }

  void edit_changed(const std::vector<ItemRecord>& items) {
    std::set<std::int64_t> dirty;
    for (const auto& item : items) {
      auto* s = subjects.get(item.subject);
      if (s && s->state != item.state) dirty.insert(item.message_id);
    }
    for (auto id : dirty)
      if (auto m = load_message(db, id)) edit(*m);
  }
};

AlertDelivery::AlertDelivery(storage::Database& db, const config::Config& config, const render::Templates& templates,
                             UnixSeconds now)
    : impl_(std::make_unique<Impl>(db, config, templates, now)) {}
AlertDelivery::~AlertDelivery() = default;

DeliveryReport AlertDelivery::run() {
  auto tx = impl_->db.begin_write();
  impl_->edit_changed(all_items(impl_->db));
  impl_->deliver_new();
  tx.commit();
  for (const auto& line : impl_->report.lines) spdlog::info("alerts: {}", line);
  return impl_->report;
}

DeliveryReport AlertDelivery::refresh(const std::string& subject) {
  impl_->subjects.forget(subject);
  impl_->edit_changed(items_about(impl_->db, subject));
  return impl_->report;
}

}  // namespace costbot::alerts
