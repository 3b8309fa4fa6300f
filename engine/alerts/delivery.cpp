#include "engine/alerts/delivery.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "engine/alerts/alert_store.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/publish.hpp"
#include "engine/util/log.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::string DeliveryReport::summary() const {
  if (!queued() && held == 0) return "nothing to deliver";
  return fmt::format("{} message(s) posted ({} grouped), {} edited, {} page(s), {} email(s), {} held for quiet hours",
                     posted, grouped, updated, pages, emails, held);
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

  // The persona's message at the subject's next version (the one counter every redraw takes).
  messages::Message message_for(const config::PersonaConfig& p, const std::string& channel_kind, const std::string& event,
                                const std::string& subject, const json::object& ctx) {
    return renderer.message(p, *parse_channel(channel_kind), event, subject, ctx,
                            messages::CopyStore(db).next_version(subject));
  }

  void send_first(const MessageRecord& m, const messages::Message& message) {
    if (m.channel_kind == "email") {
      messages::enqueue(db, m.post_key, messages::Email{{m.target}, message}, now);
      ++report.emails;
      return;
    }
    messages::post(db, {m.channel_kind, m.target}, message, m.post_key, now);
  }

  void post_single(const config::PersonaConfig& p, const Target& t, SubjectView& s) {
    if (t.channel_kind == "pagerduty") {
      MessageRecord m{0, p.name, t.channel_kind, t.address, s.subject, "page", "pagerduty:" + s.subject + ":trigger", 1, now, now};
      insert_message(db, m);
      messages::enqueue(db, m.post_key, messages::Page{"trigger", s.subject, s.facts}, now);
      save(m, s, std::nullopt);
      ++report.pages;
      report.lines.push_back(fmt::format("{}: PagerDuty trigger for {} ({})", p.name, s.subject, s.severity));
      return;
    }
    const std::string event = std::string(s.facts.at("event").as_string());
    MessageRecord m{0, p.name, t.channel_kind, t.address, s.subject, event, "", 1, now, now};
    insert_message(db, m);
    auto ctx = item_context(config, s, 1);
    ctx["actions"] = web_actions(config, s);
    send_first(m, message_for(p, t.channel_kind, event, s.subject, ctx));
    save(m, s, std::nullopt);
    ++report.posted;
    report.lines.push_back(fmt::format("{}: {} {} -> {} {}", p.name, event, s.subject, t.channel_kind, t.address));
  }

  void post_group(const config::PersonaConfig& p, const Target& t, std::vector<SubjectView*> items) {
    MessageRecord m{0, p.name, t.channel_kind, t.address, "", "group", "", 1, now, now};
    insert_message(db, m);  // subject becomes alerts:<id>
    auto ctx = group_context(config, items);
    ctx["subject"] = m.subject;
    ctx["web_title"] = ctx.at("count_text");
    send_first(m, message_for(p, t.channel_kind, "group", m.subject, ctx));
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
          messages::enqueue(db, "pagerduty:" + s.subject + ":resolve", messages::Page{"resolve", s.subject, {}}, now);
          ++report.pages;
          report.lines.push_back(p.name + ": PagerDuty resolve for " + s.subject);
        } else if (s.open && s.ack && !was_acked) {
          messages::enqueue(db, "pagerduty:" + s.subject + ":acknowledge", messages::Page{"acknowledge", s.subject, {}}, now);
          ++report.pages;
          report.lines.push_back(p.name + ": PagerDuty acknowledge for " + s.subject);
        }
        save(m, s, item);
      }
      return;
    }

    const std::int64_t version = m.version + 1;  // this message's edit count (its ordering: the subject's version)
    const auto channel = *parse_channel(m.channel_kind);
    json::object ctx;
    std::string event = m.event;
    if (m.is_group()) {
      ctx = group_context(config, views);
      ctx["subject"] = m.subject;
      ctx["is_update"] = true;
      ctx["web_title"] = ctx.at("count_text");
    } else {
      ctx = item_context(config, *views.front(), version);
      ctx["actions"] = web_actions(config, *views.front());
      // A finding of another kind may join the incident (a spike that becomes a level shift).
      event = std::string(views.front()->facts.at("event").as_string());
    }
    auto copy = messages::CopyStore(db).find(m.subject, {m.channel_kind, m.target});
    if (!copy) {  // nothing records where it landed (a message older than the copy store): never post it again
      report.lines.push_back(fmt::format("{}: {} in {} {} has no recorded copy to edit", p.name, m.subject, m.channel_kind,
                                         m.target));
      return;
    }
    auto message = renderer.message(p, channel, event, m.subject, ctx, messages::CopyStore(db).next_version(m.subject));
    messages::redraw(db, *copy, message, "alert:" + std::to_string(m.id) + ":v" + std::to_string(version), now);
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
