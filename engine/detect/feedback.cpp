#include "engine/detect/feedback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/audit/audit.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/detect/rules.hpp"
#include "engine/detect/tuning.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::detect {
namespace {

using std::chrono::days;

struct Subject {
  Finding finding;
  std::optional<Incident> incident;
};

Subject resolve_subject(FindingStore& store, const std::string& subject) {
  std::string s(text::trim(subject));
  bool incident = false;
  if (!s.empty() && (s[0] == 'I' || s[0] == 'i')) incident = true, s = s.substr(1);
  else if (!s.empty() && (s[0] == 'F' || s[0] == 'f')) s = s.substr(1);
  if (!s.empty() && s[0] == '-') s = s.substr(1);
  auto id = text::parse_int(s);
  if (!id || *id <= 0)
    throw invalid_input("expected a finding id (42 or F42) or an incident id (I7), got \"" + subject + "\"");
  Subject out;
  if (incident) {
    out.incident = store.incident(*id);
    if (!out.incident) throw not_found("no incident I" + std::to_string(*id));
    auto f = store.finding(out.incident->latest_finding_id);
    if (!f) throw not_found("incident I" + std::to_string(*id) + " has no findings");
    out.finding = *f;
  } else {
    auto f = store.finding(*id);
    if (!f) throw not_found("no finding F" + std::to_string(*id));
    out.finding = *f;
    if (f->incident_id) out.incident = store.incident(f->incident_id);
  }
  return out;
}

// The scope feedback applies to: the finding's own scope for anomalies and budgets; for waste
// rules the resource (silence) and the whole rule (retune).
bool rule_level_retune(const Finding& f) { return find_rule_kind(f.kind) != nullptr; }

std::string threshold_words(const config::Config& config, const Finding& f, double factor_before, double factor_after) {
  if (is_cost_anomaly(f.kind)) {
    double base = config.detection.anomaly.threshold;
    return fmt::format("anomaly threshold {:.3g} -> {:.3g} for {}={}", base * factor_before, base * factor_after,
                       f.scope_dimension, f.scope_value);
  }
  for (const auto& rule : config.detection.rules) {
    if (rule.id != f.rule_id) continue;
    const auto* kind = find_rule_kind(rule.kind);
    if (!kind || !rule.thresholds.count(kind->retune_threshold)) break;
    double v = rule.thresholds.at(kind->retune_threshold);
    auto apply = [&](double factor) { return kind->lower_is_stricter ? v / factor : v * factor; };
    return fmt::format("{} {:.3g} -> {:.3g} for rule {}", kind->retune_threshold, apply(factor_before), apply(factor_after), rule.id);
  }
  return "threshold factor " + fmt::format("{:.3g} -> {:.3g}", factor_before, factor_after);
}

}  // namespace

std::optional<FeedbackKind> parse_feedback_kind(std::string_view s) {
  std::string k = text::replace_all(text::to_lower(s), "-", "_");
  k = text::replace_all(k, " ", "_");
  if (k == "confirmed" || k == "confirm" || k == "true_positive") return FeedbackKind::confirmed;
  if (k == "not_anomaly" || k == "not_an_anomaly" || k == "false_positive" || k == "not_waste") return FeedbackKind::not_anomaly;
  if (k == "planned") return FeedbackKind::planned;
  if (k == "noise_floor" || k == "below_noise_floor" || k == "below_my_noise_floor") return FeedbackKind::noise_floor;
  if (k == "rejected" || k == "reject") return FeedbackKind::rejected;
  return std::nullopt;
}

std::string_view to_string(FeedbackKind k) {
  switch (k) {
    case FeedbackKind::confirmed: return "confirmed";
    case FeedbackKind::not_anomaly: return "not_anomaly";
    case FeedbackKind::planned: return "planned";
    case FeedbackKind::noise_floor: return "noise_floor";
    case FeedbackKind::rejected: break;
  }
  return "rejected";
}

const std::vector<std::string>& feedback_kind_names() {
  static const std::vector<std::string> names = {"confirmed", "not_anomaly", "planned", "noise_floor", "rejected"};
  return names;
}

FeedbackResult record_feedback(storage::Database& db, const config::Config& config, const std::string& subject,
                               FeedbackKind kind, const std::string& actor, const std::string& reason, std::optional<Day> until,
                               UnixSeconds now) {
  if (kind == FeedbackKind::planned && !until) throw invalid_input("planned feedback needs an end date (until)");
  if (actor.empty()) throw invalid_input("feedback needs an actor (who said so)");
  auto tx = db.begin_write();
  FindingStore store(db);
  auto s = resolve_subject(store, subject);
  const Finding& f = s.finding;
  const Day today = day_of(now);
  const auto& fb = config.detection.feedback;
  FeedbackResult result;
  result.finding_id = f.id;
  result.incident_id = s.incident ? s.incident->id : 0;
  result.rule_id = f.rule_id;
  result.scope_dimension = f.scope_dimension;
  result.scope_value = f.scope_value;
  if (kind == FeedbackKind::not_anomaly || kind == FeedbackKind::noise_floor) {
    // The retuning kinds count once per finding, decided inside this transaction: a double click
    // (or two people at once) must not raise a threshold twice.
    SQLite::Statement seen(db.sql(), "SELECT id FROM feedback WHERE finding_id = ? AND kind = ? ORDER BY id LIMIT 1");
    seen.bind(1, static_cast<std::int64_t>(f.id));
    seen.bind(2, std::string(to_string(kind)));
    if (seen.executeStep()) {
      result.feedback_id = seen.getColumn(0).getInt64();
      result.already_recorded = true;
      return result;  // the transaction rolls back: nothing to write
    }
  }

  auto scope_row = [&](const std::string& dim, const std::string& value) {
    Tuning t;
    auto tuning = TuningTable::load(db);  // fresh: an earlier step of this feedback may have changed it
    if (auto* existing = tuning.find(f.rule_id, dim, value)) t = *existing;
    t.rule_id = f.rule_id;
    t.scope_dimension = dim;
    t.scope_value = value;
    t.updated_at = now;
    return t;
  };
  std::vector<std::string> effects;
  auto silence = [&](Day last) {
    auto t = scope_row(f.scope_dimension, f.scope_value);
    if (!t.suppressed_until || *t.suppressed_until < last) t.suppressed_until = last;
    t.reason = std::string(to_string(kind)) + " by " + actor;
    save_tuning(db, t);
    result.suppressed_until = t.suppressed_until;
    effects.push_back(fmt::format("{}={} silenced for {} until {}", f.scope_dimension, f.scope_value, f.rule_id,
                                  format_day(*t.suppressed_until)));
  };
  std::string close_status = "dismissed";
  switch (kind) {
    case FeedbackKind::confirmed:
      effects.push_back("confirmed: counts as a true positive for " + f.rule_id);
      close_status.clear();
      break;
    case FeedbackKind::not_anomaly: {
      silence(today + days{fb.suppress_days});
      const bool rule_level = rule_level_retune(f);
      auto t = rule_level ? scope_row("", "") : scope_row(f.scope_dimension, f.scope_value);
      double before = t.threshold_factor;
      t.threshold_factor = before * fb.retune_factor;
      t.reason = "not_anomaly by " + actor;
      if (!f.kind.starts_with("budget")) {
        save_tuning(db, t);
        effects.push_back(threshold_words(config, f, before, t.threshold_factor));
      }
      break;
    }
    case FeedbackKind::planned: {
      PlannedEvent e;
      e.name = reason.empty() ? "planned (feedback on F" + std::to_string(f.id) + ")" : reason;
      e.scope_dimension = f.scope_dimension;
      e.scope_value = f.scope_value;
      e.from = std::min(f.window_start.value_or(f.day), today);
      e.to = *until;
      e.created_by = actor;
      add_planned_event(db, e, now);
      silence(*until);
      effects.push_back(fmt::format("planned event registered for {}={} {}..{}", e.scope_dimension, e.scope_value,
                                    format_day(e.from), format_day(e.to)));
      close_status = "resolved";
      break;
    }
    case FeedbackKind::noise_floor: {
      silence(today + days{fb.suppress_days});
      const bool rule_level = rule_level_retune(f);
      auto t = rule_level ? scope_row("", "") : scope_row(f.scope_dimension, f.scope_value);
      double before = std::max(t.min_daily_impact, is_cost_anomaly(f.kind) ? config.detection.anomaly.min_daily_impact : 0.0);
      t.min_daily_impact = std::max(before, std::abs(f.impact_per_day) * fb.noise_floor_margin);
      t.reason = "noise_floor by " + actor;
      save_tuning(db, t);
      effects.push_back(fmt::format("minimum impact {} -> {}/day for {}", fmtx::money(before, 0, config.currency.base),
                                    fmtx::money(t.min_daily_impact, 0, config.currency.base),
                                    rule_level ? "rule " + f.rule_id : f.scope_dimension + "=" + f.scope_value));
      break;
    }
    case FeedbackKind::rejected:
      silence(today + days{fb.suppress_days});
      break;
  }
  result.effect = text::join(effects, "; ");

  if (!close_status.empty()) {
    std::string why = std::string(to_string(kind)) + " by " + actor + (reason.empty() ? "" : ": " + reason);
    if (kind == FeedbackKind::planned) why = "planned until " + format_day(*until) + " (" + actor + ")";
    if (s.incident && s.incident->status == "open") store.close_incident(s.incident->id, close_status, why, now);
    store.set_finding_status(f.id, close_status, now);
  }

  SQLite::Statement q(db.sql(),
                      "INSERT INTO feedback(finding_id, incident_id, rule_id, kind, actor, reason, until, effect, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, static_cast<std::int64_t>(f.id));
  if (result.incident_id) q.bind(2, static_cast<std::int64_t>(result.incident_id));
  else q.bind(2);
  q.bind(3, f.rule_id);
  q.bind(4, std::string(to_string(kind)));
  q.bind(5, actor);
  q.bind(6, reason);
  if (until) q.bind(7, format_day(*until));
  else q.bind(7);
  q.bind(8, result.effect);
  q.bind(9, static_cast<std::int64_t>(now));
  q.exec();
  result.feedback_id = db.sql().getLastInsertRowid();
  audit::append(db,
                {actor, "feedback." + std::string(to_string(kind)), "finding:" + std::to_string(f.id),
                 {{"feedback_id", result.feedback_id},
                  {"rule_id", f.rule_id},
                  {"scope", f.scope_dimension + "=" + f.scope_value},
                  {"reason", reason},
                  {"effect", result.effect}}},
                now);
  tx.commit();
  return result;
}

std::vector<RulePrecision> rule_precision(storage::Database& db) {
  SQLite::Statement q(db.sql(),
                      "SELECT rule_id, SUM(kind = 'confirmed'), SUM(kind IN ('not_anomaly', 'noise_floor', 'rejected')), "
                      "SUM(kind = 'planned') FROM feedback GROUP BY rule_id ORDER BY rule_id");
  std::vector<RulePrecision> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt(), q.getColumn(2).getInt(), q.getColumn(3).getInt()});
  return out;
}

std::vector<RuleView> rule_views(storage::Database& db, const config::Config& config, Day today) {
  auto tuning = TuningTable::load(db);
  std::map<std::string, RulePrecision> precision;
  for (auto& p : rule_precision(db)) precision[p.rule_id] = p;
  const std::string& currency = config.currency.base;
  auto overrides_of = [&](const std::string& rule_id, const std::function<std::string(double)>& threshold_text) {
    std::vector<std::string> out;
    for (const auto& t : tuning.all()) {
      if (t.rule_id != rule_id) continue;
      std::vector<std::string> parts;
      if (t.threshold_factor != 1) parts.push_back(threshold_text(t.threshold_factor));
      if (t.min_daily_impact > 0) parts.push_back("min impact " + fmtx::money(t.min_daily_impact, 0, currency) + "/day");
      if (t.suppressed_until && *t.suppressed_until >= today) parts.push_back("silenced until " + format_day(*t.suppressed_until));
      if (parts.empty()) continue;
      std::string scope = t.scope_dimension.empty() ? "whole rule" : t.scope_dimension + "=" + t.scope_value;
      out.push_back(scope + ": " + text::join(parts, ", ") + (t.reason.empty() ? "" : " (" + t.reason + ")"));
    }
    return out;
  };
  std::vector<RuleView> out;
  const auto& a = config.detection.anomaly;
  for (const auto& dim : a.scopes) {
    RuleView v;
    v.rule_id = anomaly_rule_id(dim);
    v.kind = "cost_anomaly";
    v.description = "statistical anomalies on daily cost per " + dim;
    v.signals = "billing: daily effective cost";
    v.severity = "by impact";
    double factor = tuning.threshold_factor(v.rule_id, "", "");
    v.thresholds = {{"threshold", fmt::format("{:.3g}", a.threshold * factor)},
                    {"min_daily_impact", fmtx::money(std::max(a.min_daily_impact, tuning.min_daily_impact(v.rule_id, "", "")), 0, currency)},
                    {"min_relative_change", fmtx::percent(a.min_relative_change)}};
    v.overrides = overrides_of(v.rule_id, [&](double f) { return fmt::format("threshold {:.3g} (x{:.3g})", a.threshold * f, f); });
    v.precision = precision[v.rule_id];
    v.precision.rule_id = v.rule_id;
    out.push_back(std::move(v));
  }
  for (const auto& rule : config.detection.rules) {
    RuleView v;
    v.rule_id = rule.id;
    v.kind = rule.kind;
    v.description = rule.description;
    v.severity = rule.severity;
    v.enabled = rule.enabled;
    const auto* kind = find_rule_kind(rule.kind);
    if (kind) v.signals = kind->signals;
    double factor = tuning.threshold_factor(rule.id, "", "");
    for (const auto& [key, value] : rule.thresholds) {
      double shown = value;
      if (kind && key == kind->retune_threshold) shown = kind->lower_is_stricter ? value / factor : value * factor;
      v.thresholds.emplace_back(key, fmt::format("{:.4g}", shown) + (shown != value ? fmt::format(" (config {:g})", value) : ""));
    }
    if (double m = tuning.min_daily_impact(rule.id, "", ""); m > 0) v.thresholds.emplace_back("min_daily_impact", fmtx::money(m, 0, currency));
    v.overrides = overrides_of(rule.id, [&](double f) {
      return kind ? fmt::format("{} x{:.3g} {}", kind->retune_threshold, f, kind->lower_is_stricter ? "(divided)" : "(multiplied)")
                  : fmt::format("x{:.3g}", f);
    });
    v.precision = precision[v.rule_id];
    v.precision.rule_id = v.rule_id;
    out.push_back(std::move(v));
  }
  auto budget_view = [&](const std::string& name, const config::BudgetConfig& b, const std::string& scope) {
    RuleView v;
    v.rule_id = budget_rule_id(name);
    v.kind = "budget";
    v.description = "monthly budget for " + scope;
    v.signals = "billing: month-to-date effective cost";
    v.severity = "by threshold and overrun";
    v.thresholds.emplace_back("monthly", fmtx::money(b.monthly, 0, currency));
    std::vector<std::string> t;
    for (double x : b.thresholds) t.push_back(fmtx::percent(x));
    v.thresholds.emplace_back("thresholds", text::join(t, ", "));
    v.overrides = overrides_of(v.rule_id, [](double f) { return fmt::format("x{:.3g}", f); });
    v.precision = precision[v.rule_id];
    v.precision.rule_id = v.rule_id;
    out.push_back(std::move(v));
  };
  for (const auto& team : config.teams)
    if (team.budget.monthly > 0) budget_view(team.name, team.budget, "team " + team.name);
  for (const auto& b : config.detection.budgets) {
    std::string scope;
    for (const auto& [k, val] : b.scope) scope += (scope.empty() ? "" : ", ") + k + "=" + val;
    budget_view(b.name, b.budget, scope);
  }
  return out;
}

}  // namespace costbot::detect
