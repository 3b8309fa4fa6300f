#include "engine/detect/detection_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "engine/detect/budgets.hpp"
#include "engine/detect/contributors.hpp"
#include "engine/detect/correlation.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/detect/rule_support.hpp"
#include "engine/detect/rules.hpp"
#include "engine/detect/scope_analysis.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/format.hpp"
#include "engine/util/log.hpp"

namespace costbot::detect {
namespace {

using std::chrono::days;

std::string scope_label(const std::string& dim, const std::string& value) {
  return dim + " " + (value.empty() ? "(unallocated)" : value);
}

std::string kind_words(const std::string& kind, double change) {
  if (kind == kCostSpike) return change >= 0 ? "Cost spike" : "Cost drop";
  if (kind == kLevelShift) return change >= 0 ? "Cost level shift up" : "Cost level shift down";
  if (kind == kDrift) return change >= 0 ? "Cost drift" : "Cost drift down";
  if (kind == kCostDrop) return "Cost drop";
  if (kind == kCostFlatline) return "Cost gone flat";
  return "Runaway cost growth";
}

std::string anomaly_fingerprint(const CostDetection& d, const std::string& rule_id, const std::string& value) {
  return d.kind + "|" + rule_id + "|" + value + "|" + format_day(d.day);
}

// "Also seen in team payments (+$1,390/day), account 1111 (+$1,402/day)": context, not added up.
std::string related_sentence(const std::vector<RelatedScope>& related) {
  std::string out = "The same change shows in ";
  for (std::size_t i = 0; i < related.size(); ++i)
    out += fmt::format("{}{} {}", i == 0 ? "" : i + 1 == related.size() ? " and " : ", ", related[i].dimension,
                       related[i].value.empty() ? "(unallocated)" : related[i].value);
  return out + " (one event: not alerted again, not added up).";
}

Finding anomaly_finding(storage::Database& db, const config::Config& config, const ScopeSeries& s, const CostDetection& d) {
  const std::string& currency = config.currency.base;
  Finding f;
  f.kind = d.kind;
  f.rule_id = anomaly_rule_id(s.dimension);
  f.fingerprint = anomaly_fingerprint(d, f.rule_id, s.value);
  f.scope_dimension = s.dimension;
  f.scope_value = s.value;
  f.day = d.day;
  f.window_start = d.window_start;
  f.window_end = d.window_end;
  f.expected = d.expected;
  f.lower = d.lower;
  f.upper = d.upper;
  f.actual = d.actual;
  f.impact_per_day = d.impact_per_day;
  f.impact_per_month = d.impact_per_day * 30.4;
  f.percent_change = d.percent_change;
  f.score = d.score;

  auto dim = query::parse_dimension(s.dimension);
  query::Filters scope{{*dim, s.value}};
  const Day change_to = d.kind == kCostSpike ? d.day : d.window_end;
  const Day change_from = d.kind == kCostSpike ? d.day : std::max(d.window_start, d.window_end - days{6});
  query::CostQuery q(db);
  const query::Period period{change_from, change_to + days{1}, ""};
  if (s.dimension == "team") f.team = s.value;
  else if (auto top = q.totals(query::Dimension::team, period, scope, 1); !top.empty()) f.team = top[0].key;
  if (s.dimension == "provider") f.provider = s.value;
  if (s.dimension == "service") f.service = s.value;
  if (s.dimension == "account") f.account = s.value;
  if (s.dimension == "region") f.region = s.value;
  f.contributors = top_contributors(db, scope, change_from, change_to, baseline_days_for(change_from, change_to));
  for (const auto& c : f.contributors) {
    if (c.dimension == "sku" && f.sku.empty()) f.sku = c.value;
    if (c.dimension == "resource" && f.resource.empty()) f.resource = c.value;
    if (c.dimension == "region" && f.region.empty()) f.region = c.value;
    if (c.dimension == "account" && f.account.empty()) f.account = c.value;
  }
  f.severity = severity_for(config, f.team, std::abs(f.impact_per_day));

  const std::string who = scope_label(s.dimension, s.value);
  if (d.kind == kCostSpike) {
    f.title = fmt::format("{}: {} {} on {} ({}, expected {})", kind_words(d.kind, d.impact_per_day), who,
                          fmtx::money(d.actual, 0, currency), fmtx::day_short(d.day), fmtx::percent_change(d.percent_change),
                          fmtx::money(d.expected, 0, currency));
  } else {
    f.title = fmt::format("{}: {} at {}/day since {} ({}, was {}/day)", kind_words(d.kind, d.impact_per_day), who,
                          fmtx::money(d.actual, 0, currency), fmtx::day_short(d.window_start),
                          fmtx::percent_change(d.percent_change), fmtx::money(d.expected, 0, currency));
  }
  std::string cause;
  for (std::size_t i = 0; i < f.contributors.size() && i < 3; ++i) {
    const auto& c = f.contributors[i];
    cause += fmt::format("{}{} {} ({}{}/day, {} of the change)", i ? "; " : "", c.dimension, c.value, c.delta >= 0 ? "+" : "",
                         fmtx::money(c.delta, 0, currency), fmtx::percent(c.share));
  }
  f.summary = fmt::format("{} cost {} per day against an expected {} (normal range {} to {}): {} a day, about {} a month.{}{}",
                          who, fmtx::money(d.actual, 0, currency), fmtx::money(d.expected, 0, currency),
                          fmtx::money(std::max(0.0, d.lower), 0, currency), fmtx::money(d.upper, 0, currency),
                          fmtx::money(d.impact_per_day, 0, currency), fmtx::money(f.impact_per_month, 0, currency),
                          d.note.empty() ? "" : " " + d.note + ".", cause.empty() ? "" : " Likely cause: " + cause + ".");
  const std::string top = f.contributors.empty() ? who : f.contributors[0].dimension + " " + f.contributors[0].value;
  f.remediation.text = d.impact_per_day >= 0
                           ? fmt::format("Check {} first: what started or scaled up on {}? If it is intended, mark it planned "
                                         "(costbot feedback F<id> planned --until DATE) so it does not alert again; if not, "
                                         "stop or scale it back.",
                                         top, fmtx::day_short(d.window_start))
                           : fmt::format("Cost fell: check that {} still runs as intended and that billing data is complete.", top);
  f.remediation.command = fmt::format("costbot costs --by resource --from {} --to {} --where {}={}",
                                      format_day(change_from), format_day(change_to), s.dimension, s.value);
  return f;
}

// Applies the rule-level retune to the kind's retune threshold.
std::map<std::string, double> effective_thresholds(const config::RuleConfig& rule, const RuleKind& kind, double factor) {
  auto t = rule.thresholds;
  if (factor != 1 && t.count(kind.retune_threshold)) {
    double& v = t[kind.retune_threshold];
    v = kind.lower_is_stricter ? v / factor : v * factor;
    for (const auto& spec : kind.thresholds)
      if (spec.key == kind.retune_threshold) v = std::clamp(v, spec.min, spec.max);
  }
  return t;
}

class Run {
 public:
  Run(storage::Database& db, const config::Config& config, UnixSeconds now, Day as_of)
      : db_(db), config_(config), store_(db), now_(now), tuning_(TuningTable::load(db)), events_(planned_events(db, config)) {
    summary_.as_of = as_of;
  }

  void record(Finding& f) {
    auto result = store_.upsert(f, now_);
    if (result == FindingStore::Upsert::inserted) {
      ++summary_.findings_new;
      if (f.status == "open") summary_.new_finding_ids.push_back(f.id);
    } else {
      ++summary_.findings_updated;
    }
    if (f.status == "suppressed") ++summary_.findings_suppressed;
    if (store_.attach_to_incident(f, now_)) {
      ++summary_.incidents_opened;
      summary_.opened_incident_ids.push_back(f.incident_id);
    }
  }

  void cost_anomalies() {
    const auto& a = config_.detection.anomaly;
    const Day from = summary_.as_of - days{a.history_days - 1};
    const Day report_from = summary_.as_of - days{a.report_days - 1};
    // Every scope's series on its own first ...
    std::vector<ScopeDetection> detections;
    for (const auto& dim : a.scopes) {
      std::set<std::string> seen;
      const auto series = load_scope_series(db_, dim, from, summary_.as_of);
      // Eight series at a time through the batch detector, a bounded chunk of analyses in memory.
      constexpr std::size_t kChunk = 512;
      for (std::size_t begin = 0; begin < series.size(); begin += kChunk) {
        const auto chunk = std::span<const ScopeSeries>(series).subspan(begin, std::min(kChunk, series.size() - begin));
        auto analyses = analyze_scopes(config_, chunk, events_, tuning_);
        for (std::size_t i = 0; i < chunk.size(); ++i) {
          const auto& s = chunk[i];
          seen.insert(s.value);
          for (auto& d : analyses[i].detections)
            if (d.window_end >= report_from) detections.push_back({dim, s.value, std::move(d)});
          resolve_if_back_to_baseline(dim, s, analyses[i]);
        }
      }
      for (const auto& incident : store_.incidents(FindingQuery::open().with_kind("cost_anomaly")))
        if (incident.scope_dimension == dim && !seen.count(incident.scope_value)) close(incident.id, "no cost in the window any more");
    }
    // ... then one event, one incident: what a narrower scope explains is its context.
    std::vector<OpenScope> open;
    for (const auto& incident : store_.incidents(FindingQuery::open().with_kind("cost_anomaly")))
      open.push_back({incident.id, incident.latest_finding_id, incident.scope_dimension, incident.scope_value, incident.first_day,
                      incident.last_day});
    const auto correlation = correlate(db_, config_.detection.correlation, detections, open);
    std::vector<std::vector<RelatedScope>> context(detections.size());
    std::map<std::size_t, std::vector<RelatedScope>> incident_context;
    for (std::size_t i = 0; i < detections.size(); ++i) {
      for (const auto& e : correlation.explained_by[i]) {
        const auto& d = detections[i];
        RelatedScope r{d.dimension, d.value, d.detection.kind, d.detection.day, d.detection.impact_per_day, d.detection.percent_change,
                       e.share};
        if (e.incident) incident_context[e.index].push_back(r);
        else context[e.index].push_back(r);
      }
    }
    for (std::size_t i = 0; i < detections.size(); ++i) {
      const auto& [dim, value, d] = detections[i];
      const auto rule = anomaly_rule_id(dim);
      if (!correlation.explained_by[i].empty()) {
        merge_into_root(anomaly_fingerprint(d, rule, value));
        continue;
      }
      ScopeSeries s{dim, value, {}, {}};
      auto f = anomaly_finding(db_, config_, s, d);
      f.related = context[i];
      if (!f.related.empty()) f.summary += " " + related_sentence(f.related);
      if (tuning_.suppressed(rule, dim, value, d.window_end)) f.status = "suppressed";
      // Drops are found and kept as their own kind; alerting on them is a config choice.
      if (d.decrease && !a.alert_on_decrease) {
        f.status = "suppressed";
        f.summary += " Not alerted: detection.anomaly.alert_on_decrease is false.";
      }
      record(f);
    }
    for (const auto& [k, scopes] : incident_context)
      if (open[k].finding_id) store_.add_related_scopes(open[k].finding_id, scopes, now_);
  }

  // A finding recorded on its own by an earlier run, now explained by a narrower scope: it is
  // context now, and its incident closes when nothing else is open in it.
  void merge_into_root(const std::string& fingerprint) {
    auto existing = store_.finding_by_fingerprint(fingerprint);
    if (!existing || existing->status != "open") return;
    store_.set_finding_status(existing->id, "resolved", now_);
    if (!existing->incident_id) return;
    auto incident = store_.incident(existing->incident_id);
    if (incident && incident->status == "open" && store_.findings(FindingQuery::open().in_incident(incident->id)).empty())
      close(incident->id, "explained by a narrower scope as of " + format_day(summary_.as_of));
  }

  void resolve_if_back_to_baseline(const std::string& dim, const ScopeSeries& s, const CostAnalysis& analysis) {
    auto incident = store_.open_incident("cost_anomaly", dim, s.value);
    if (!incident) return;
    const auto& a = config_.detection.anomaly;
    if (!analysis.recent_days_normal(a.resolve_after_days)) return;
    // A level shift, drift or runaway growth is over when a week of cost is back near the week
    // before it started (whole weeks, so the weekday pattern cancels out).
    if (incident->kind != kCostSpike) {
      const auto start = (incident->first_day - s.first_day).count();
      const auto n = static_cast<std::ptrdiff_t>(s.values.size());
      if (start < 7 || n < 7) return;
      double before = 0, recent = 0;
      for (std::ptrdiff_t i = start - 7; i < start; ++i) before += s.values[static_cast<std::size_t>(i)];
      for (std::ptrdiff_t i = n - 7; i < n; ++i) recent += s.values[static_cast<std::size_t>(i)];
      if (std::abs(recent - before) > a.min_relative_change * std::max(before, 7.0)) return;
    }
    close(incident->id, fmt::format("back to baseline for {} days as of {}", a.resolve_after_days, format_day(summary_.as_of)));
  }

  void close(std::int64_t incident_id, const std::string& why) {
    store_.close_incident(incident_id, "resolved", why, now_);
    ++summary_.incidents_resolved;
  }

  // Waste and budget findings describe a current state: the ones of `rule_id` not found this run
  // are resolved, and so are incidents left with nothing open.
  void resolve_missing(const std::string& rule_id, const std::set<std::string>& produced) {
    SQLite::Statement q(db_.sql(), "SELECT id, fingerprint, incident_id FROM findings WHERE rule_id = ? AND status IN ('open', 'suppressed')");
    q.bind(1, rule_id);
    std::vector<std::pair<std::int64_t, std::int64_t>> gone;
    while (q.executeStep())
      if (!produced.count(q.getColumn(1).getString()))
        gone.emplace_back(q.getColumn(0).getInt64(), q.getColumn(2).isNull() ? 0 : q.getColumn(2).getInt64());
    for (const auto& [finding_id, incident_id] : gone) {
      store_.set_finding_status(finding_id, "resolved", now_);
      if (!incident_id) continue;
      auto open = store_.findings(FindingQuery::open().in_incident(incident_id));
      auto incident = store_.incident(incident_id);
      if (open.empty() && incident && incident->status == "open") close(incident_id, "no longer detected as of " + format_day(summary_.as_of));
    }
  }

  void waste_rules() {
    for (const auto& rule : config_.detection.rules) {
      if (!rule.enabled) continue;
      const RuleKind* kind = find_rule_kind(rule.kind);
      if (!kind) continue;
      RuleContext ctx{db_, config_, summary_.as_of, effective_thresholds(rule, *kind, tuning_.threshold_factor(rule.id, "", "")),
                      tuning_.min_daily_impact(rule.id, "", "")};
      std::set<std::string> produced;
      for (auto& f : kind->evaluate(rule, ctx)) {
        if (f.impact_per_day < tuning_.min_daily_impact(rule.id, f.scope_dimension, f.scope_value)) continue;
        if (tuning_.suppressed(rule.id, f.scope_dimension, f.scope_value, summary_.as_of)) f.status = "suppressed";
        produced.insert(f.fingerprint);
        record(f);
      }
      resolve_missing(rule.id, produced);
    }
  }

  void budgets() {
    for (const auto& status : budget_statuses(db_, config_, summary_.as_of)) {
      const auto rule = budget_rule_id(status.name);
      std::set<std::string> produced;
      for (auto& f : budget_findings(status, config_)) {
        if (tuning_.suppressed(rule, f.scope_dimension, f.scope_value, summary_.as_of)) f.status = "suppressed";
        produced.insert(f.fingerprint);
        record(f);
      }
      resolve_missing(rule, produced);
    }
  }

  DetectionSummary finish(UnixSeconds started) {
    summary_.open_incidents = static_cast<int>(store_.incidents(FindingQuery::open()).size());
    SQLite::Statement q(db_.sql(),
                        "INSERT INTO detection_runs(as_of, started_at, finished_at, findings_new, findings_updated, "
                        "incidents_opened, incidents_resolved) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, format_day(summary_.as_of));
    q.bind(2, static_cast<std::int64_t>(started));
    q.bind(3, static_cast<std::int64_t>(now_));
    q.bind(4, summary_.findings_new);
    q.bind(5, summary_.findings_updated);
    q.bind(6, summary_.incidents_opened);
    q.bind(7, summary_.incidents_resolved);
    q.exec();
    return summary_;
  }

 private:
  storage::Database& db_;
  const config::Config& config_;
  FindingStore store_;
  UnixSeconds now_;
  TuningTable tuning_;
  std::vector<PlannedEvent> events_;
  DetectionSummary summary_;
};

}  // namespace

DetectionSummary run_detection(storage::Database& db, const config::Config& config, UnixSeconds now, std::optional<Day> as_of) {
  if (!as_of) {
    auto range = query::CostQuery(db).data_range();
    if (!range) {
      DetectionSummary empty;
      empty.as_of = day_of(now);
      return empty;
    }
    as_of = range->second;
  }
  auto tx = db.begin_write();
  Run run(db, config, now, *as_of);
  run.cost_anomalies();
  run.waste_rules();
  run.budgets();
  auto summary = run.finish(now);
  summary.had_data = true;
  tx.commit();
  spdlog::info("detection as of {}: {} new findings, {} updated, {} incidents opened, {} resolved, {} open", format_day(*as_of),
               summary.findings_new, summary.findings_updated, summary.incidents_opened, summary.incidents_resolved,
               summary.open_incidents);
  return summary;
}

}  // namespace costbot::detect
