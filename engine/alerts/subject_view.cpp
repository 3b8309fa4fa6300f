#include "engine/alerts/subject_view.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/alerts/facts.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::string when_text(UnixSeconds t) {
  Day d = day_of(t);
  auto secs = t - start_of(d);
  return fmt::format("{} {:02d}:{:02d} UTC", fmtx::day_short(d), secs / 3600, (secs / 60) % 60);
}

SubjectView* SubjectCache::get(const std::string& subject) {
  if (auto it = cache_.find(subject); it != cache_.end()) return it->second.get();
  auto colon = subject.find(':');
  if (colon == std::string::npos) return nullptr;
  const std::string kind = subject.substr(0, colon);
  auto id = text::parse_int(subject.substr(colon + 1));
  if (!id || (kind != "incident" && kind != "finding")) return nullptr;
  detect::FindingStore store(db_);
  auto view = std::make_unique<SubjectView>();
  view->subject = subject;
  if (kind == "incident") {
    view->incident = store.incident(*id);
    if (!view->incident) return nullptr;
    auto f = store.finding(view->incident->latest_finding_id);
    if (!f) return nullptr;
    view->finding = std::move(*f);
    view->open = view->incident->status == "open";
  } else {
    auto f = store.finding(*id);
    if (!f) return nullptr;
    view->finding = std::move(*f);
    view->open = view->finding.status == "open";
  }
  view->severity = effective_severity(view->finding, view->incident);
  view->ack = ack_for(db_, subject);
  view->state = (view->incident ? view->incident->status : view->finding.status) + "|" + view->severity + "|" +
                std::to_string(view->finding.id) + "|" + (view->ack ? "ack" : "");
  view->facts = finding_facts(db_, config_, view->finding, view->incident);
  view->facts["subject"] = subject;
  view->facts["severity"] = view->severity;
  auto* raw = view.get();
  cache_[subject] = std::move(view);
  return raw;
}

namespace {
bool ack_applies(const config::Config& config, const SubjectView& s) {
  return s.open && !s.ack && config.alerts.escalation.enabled &&
         severity_at_least(s.severity, config.alerts.escalation.min_severity);
}
}  // namespace

json::object item_context(const config::Config& config, const SubjectView& s, std::int64_t version) {
  json::object ctx = s.facts;
  ctx["version"] = version;
  ctx["is_update"] = version > 1;
  ctx["show_ack"] = ack_applies(config, s);
  ctx["show_feedback"] = s.open && detect::is_cost_anomaly(s.finding.kind);
  ctx["has_buttons"] = ctx["show_ack"].as_bool() || ctx["show_feedback"].as_bool();
  if (s.ack) ctx["acknowledged"] = json::object{{"by", s.ack->who()}, {"at_text", when_text(s.ack->acked_at)}};
  return ctx;
}

json::object group_context(const config::Config& config, const std::vector<SubjectView*>& items) {
  std::vector<SubjectView*> sorted = items;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const SubjectView* a, const SubjectView* b) { return a->finding.impact_per_day > b->finding.impact_per_day; });
  const std::size_t top = std::min<std::size_t>(sorted.size(), static_cast<std::size_t>(config.alerts.group_top_items));
  const auto& currency = config.currency.base;
  double per_day = 0, per_month = 0;
  int open = 0;
  std::vector<std::string> teams;
  std::string highest = "low";
  for (const auto* s : sorted) {
    if (s->open) {
      per_day += std::max(0.0, s->finding.impact_per_day);
      per_month += std::max(0.0, s->finding.impact_per_month);
      ++open;
    }
    const std::string team = s->finding.team.empty() ? "unallocated" : s->finding.team;
    if (std::find(teams.begin(), teams.end(), team) == teams.end()) teams.push_back(team);
    if (severity_at_least(s->severity, highest)) highest = s->severity;
  }
  json::array list;
  for (std::size_t i = 0; i < top; ++i) {
    json::object item = item_context(config, *sorted[i], 1);
    item["position"] = static_cast<std::int64_t>(i + 1);
    item["_last_top"] = i + 1 == top;
    list.push_back(std::move(item));
  }
  const std::size_t more = sorted.size() - top;
  json::object ctx{{"count", static_cast<std::int64_t>(sorted.size())},
                   {"open_count", open},
                   {"count_text", fmt::format("{} cost alert{}", sorted.size(), sorted.size() == 1 ? "" : "s")},
                   {"items", std::move(list)},
                   {"more_count", static_cast<std::int64_t>(more)},
                   {"has_more", more > 0},
                   {"more_text", fmt::format("and {} more", more)},
                   {"total_impact_day_text", fmtx::money(per_day, 0, currency) + "/day"},
                   {"total_impact_month_text", fmtx::money(per_month, 0, currency) + "/month"},
                   {"teams_text", text::join(teams, ", ")},
                   {"highest_severity", highest},
                   {"all_resolved", open == 0},
                   {"open_url", config.public_base_url() + "/"}};
  return ctx;
}

json::array web_actions(const config::Config& config, const SubjectView& s) {
  json::array actions;
  if (ack_applies(config, s)) actions.push_back({{"verb", "ack"}, {"label", "Acknowledge"}, {"subject", s.subject}});
  if (s.open && detect::is_cost_anomaly(s.finding.kind))
    actions.push_back({{"verb", "not_anomaly"}, {"label", "Not an anomaly"}, {"subject", s.subject}});
  return actions;
}

}  // namespace costbot::alerts
