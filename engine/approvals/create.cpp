// Opening a request: choose the workflow, resolve who approves each stage for the team, snapshot
// it all, and post it — one transaction.
#include <cmath>
#include <set>

#include "engine/approvals/internal.hpp"
#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals {
namespace {

using config::ApproverRef;

// User ids of refs for a team: role:X is the team's role X, else the global approvals.roles X.
std::vector<std::string> resolve(const config::Config& c, const config::TeamConfig* team,
                                 const std::vector<ApproverRef>& refs) {
  std::vector<std::string> out;
  auto add = [&](const std::vector<std::string>& users) {
    for (const auto& u : users)
      if (std::find(out.begin(), out.end(), u) == out.end()) out.push_back(u);
  };
  for (const auto& ref : refs) {
    switch (ref.kind) {
      case ApproverRef::Kind::user: add({ref.name}); break;
      case ApproverRef::Kind::group:
        if (auto it = c.approvals.groups.find(ref.name); it != c.approvals.groups.end()) add(it->second);
        break;
      case ApproverRef::Kind::role: {
        const std::vector<std::string>* users = nullptr;
        if (team)
          if (auto it = team->roles.find(ref.name); it != team->roles.end() && !it->second.empty()) users = &it->second;
        if (!users)
          if (auto it = c.approvals.roles.find(ref.name); it != c.approvals.roles.end()) users = &it->second;
        if (users) add(*users);
        break;
      }
    }
  }
  return out;
}

std::string refs_text(const std::vector<ApproverRef>& refs) {
  std::vector<std::string> parts;
  for (const auto& r : refs) parts.push_back(r.text());
  return text::join(parts, ", ");
}

struct ResolvedStage {
  const config::StageConfig* config = nullptr;
  std::vector<std::string> approvers;
  std::vector<std::string> refs;
  int required = 1;
  boost::json::array escalation;
};

std::vector<ResolvedStage> resolve_stages(const config::Config& c, const config::WorkflowConfig& w,
                                          const config::TeamConfig* team, const std::string& requester,
                                          const std::string& team_name) {
  std::vector<ResolvedStage> stages;
  for (const auto& sc : w.stages) {
    ResolvedStage s;
    s.config = &sc;
    auto without_requester = [&](std::vector<std::string> users) {
      users.erase(std::remove(users.begin(), users.end(), requester), users.end());
      return users;
    };
    s.approvers = without_requester(resolve(c, team, sc.approvers));
    for (const auto& r : sc.approvers) s.refs.push_back(r.text());
    if (s.approvers.empty() && !sc.fallback.empty()) {
      s.approvers = without_requester(resolve(c, team, sc.fallback));
      for (const auto& r : sc.fallback) s.refs.push_back("fallback " + r.text());
    }
    std::string where = "workflow " + w.name + ", stage '" + sc.name + "'";
    std::string for_team = team_name.empty() ? "" : " for team " + team_name;
    if (s.approvers.empty())
      throw invalid_input(where + ": nobody but the requester can approve" + for_team + " (approvers: " +
                          refs_text(sc.approvers) + (sc.fallback.empty() ? "" : "; fallback: " + refs_text(sc.fallback)) +
                          "). Add users to those roles or a fallback to the stage.");
    if (sc.quorum == "any") s.required = 1;
    else if (sc.quorum == "all") s.required = static_cast<int>(s.approvers.size());
    else s.required = sc.quorum_count;
    if (static_cast<std::size_t>(s.required) > s.approvers.size())
      throw invalid_input(where + ": needs " + std::to_string(s.required) + " approvals but only " +
                          std::to_string(s.approvers.size()) + " people can approve" + for_team);
    for (const auto& step : sc.escalation) {
      boost::json::array notify;
      for (const auto& u : resolve(c, team, step.notify)) notify.push_back(boost::json::value(u));
      s.escalation.push_back({{"after_hours", step.after_hours}, {"action", step.action}, {"notify", notify}});
    }
    stages.push_back(std::move(s));
  }
  return stages;
}

bool str_empty(const boost::json::object& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() || !it->value().is_string() || it->value().as_string().empty();
}

// The effective Jira settings (workflow overrides on top of approvals.jira), frozen at creation.
std::optional<boost::json::object> ticket_settings(const config::Config& c, const config::WorkflowConfig& w,
                                                   const config::TeamConfig* team) {
  if (!w.create_ticket) return std::nullopt;
  const auto& g = c.approvals.jira;
  const auto& o = w.jira;
  auto pick = [](const auto& over, const auto& global) { return over ? over : global; };
  boost::json::object s;
  auto put_string = [&](const char* key, const std::optional<std::string>& v) {
    if (v) s[key] = *v;
  };
  auto put_list = [&](const char* key, const std::optional<std::vector<std::string>>& v) {
    boost::json::array a;
    if (v)
      for (const auto& item : *v) a.push_back(boost::json::value(item));
    s[key] = a;
  };
  put_string("project", pick(o.project, g.project));
  put_string("issue_type", pick(o.issue_type, g.issue_type));
  put_string("summary_prefix", pick(o.summary_prefix, g.summary_prefix));
  put_list("labels", pick(o.labels, g.labels));
  put_list("components", pick(o.components, g.components));
  boost::json::object priorities;
  if (auto p = pick(o.priority_by_severity, g.priority_by_severity))
    for (const auto& [severity, name] : *p) priorities[severity] = name;
  s["priority_by_severity"] = priorities;
  auto assignee = pick(o.assignee, g.assignee).value_or("none");
  s["assignee"] = assignee;
  if (assignee.rfind("role:", 0) == 0) {
    auto users = resolve(c, team, {ApproverRef{ApproverRef::Kind::role, assignee.substr(5)}});
    if (!users.empty()) s["assignee_user"] = users.front();
  }
  put_string("description_template", pick(o.description_template, g.description_template));
  if (str_empty(s, "project") || str_empty(s, "issue_type")) return std::nullopt;
  return s;
}

}  // namespace

Approvals::Approvals(const config::Config& config, render::Templates templates)
    : config_(config), templates_(std::move(templates)) {}

const config::WorkflowConfig& Approvals::workflow_for_amount(double amount, const std::string& kind) const {
  const auto& tiers = config_.approvals.tiers;
  for (const auto& tier : tiers) {
    bool kind_ok = tier.kinds.empty();
    for (const auto& k : tier.kinds) kind_ok = kind_ok || (!kind.empty() && text::glob_match(k, kind));
    if (kind_ok && (!tier.below || amount < *tier.below))
      if (const auto* w = config_.find_workflow(tier.workflow)) return *w;
  }
  if (tiers.empty() && config_.workflows.size() == 1) return config_.workflows.front();
  if (config_.workflows.empty())
    throw invalid_input("no approval workflows are configured (add a workflows: section; see config/costbot.example.yaml)");
  throw invalid_input("no approval tier covers " + std::to_string(amount) + " (approvals.tiers)");
}

CreateResult Approvals::create_request(storage::Database& db, const RequestFacts& f, UnixSeconds now) const {
  std::string title(text::trim(f.title));
  if (title.empty()) throw invalid_input("a request needs a title");
  if (text::trim(f.requester).empty()) throw invalid_input("a request needs a requester (user id)");
  if (!std::isfinite(f.amount) || f.amount < 0)
    throw invalid_input("the amount must be a non-negative number, got " + std::to_string(f.amount));
  const config::TeamConfig* team = nullptr;
  if (!f.team.empty()) {
    team = config_.find_team(f.team);
    if (!team) {
      std::vector<std::string> names;
      for (const auto& t : config_.teams) names.push_back(t.name);
      auto guess = text::closest(f.team, names);
      throw invalid_input("unknown team \"" + f.team + "\"" + (guess ? " (did you mean \"" + *guess + "\"?)" : "") +
                          " (valid: " + text::join(names, ", ") + ")");
    }
  }
  if (!f.severity.empty()) {
    const auto& levels = config::severity_levels();
    if (std::find(levels.begin(), levels.end(), f.severity) == levels.end())
      throw invalid_input("unknown severity \"" + f.severity + "\" (valid: " + text::join(levels, ", ") + ")");
  }
  if (auto it = f.facts.find("chart_url"); it != f.facts.end()) {
    std::string url = it->value().is_string() ? std::string(it->value().as_string()) : "";
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
      throw invalid_input("facts.chart_url must be an http(s) URL");
  }
  const config::WorkflowConfig* workflow = nullptr;
  if (!f.workflow.empty()) {
    workflow = config_.find_workflow(f.workflow);
    if (!workflow) {
      std::vector<std::string> names;
      for (const auto& w : config_.workflows) names.push_back(w.name);
      throw invalid_input("unknown workflow \"" + f.workflow + "\" (valid: " + text::join(names, ", ") + ")");
    }
  } else {
    workflow = &workflow_for_amount(f.amount, f.kind);
  }
  auto stages = resolve_stages(config_, *workflow, team, f.requester, f.team);
  auto tickets = ticket_settings(config_, *workflow, team);

  auto tx = db.begin_write();
  if (!f.finding_id.empty()) {
    if (auto existing = request_for_finding(db, f.finding_id))
      throw Error(ErrorKind::conflict, "finding " + f.finding_id + " already has approval request #" +
                                           std::to_string(*existing));
  }
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO approval_requests(finding_id, finding_kind, title, team, amount, severity, requester, "
                        "facts, workflow, ticket_settings, status, current_stage, version, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 0, 1, ?, ?)");
  if (f.finding_id.empty()) ins.bind(1);
  else ins.bind(1, f.finding_id);
  ins.bind(2, f.kind);
  ins.bind(3, title);
  ins.bind(4, f.team);
  ins.bind(5, f.amount);
  ins.bind(6, f.severity);
  ins.bind(7, f.requester);
  ins.bind(8, boost::json::serialize(f.facts));
  ins.bind(9, workflow->name);
  if (tickets) ins.bind(10, boost::json::serialize(*tickets));
  else ins.bind(10);
  ins.bind(11, static_cast<std::int64_t>(now));
  ins.bind(12, static_cast<std::int64_t>(now));
  ins.exec();
  std::int64_t id = db.sql().getLastInsertRowid();

  boost::json::array audit_stages;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const auto& s = stages[i];
    auto sla = static_cast<std::int64_t>(std::llround(s.config->sla_hours * 3600));
    boost::json::array approvers, refs;
    for (const auto& a : s.approvers) approvers.push_back(boost::json::value(a));
    for (const auto& r : s.refs) refs.push_back(boost::json::value(r));
    SQLite::Statement st(db.sql(),
                         "INSERT INTO approval_stages(request_id, idx, name, approvers, approver_refs, quorum, required, "
                         "sla_seconds, escalation, status, started_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, id);
    st.bind(2, static_cast<int>(i));
    st.bind(3, s.config->name);
    st.bind(4, boost::json::serialize(approvers));
    st.bind(5, boost::json::serialize(refs));
    st.bind(6, s.config->quorum);
    st.bind(7, s.required);
    st.bind(8, sla);
    st.bind(9, boost::json::serialize(s.escalation));
    st.bind(10, i == 0 ? "active" : "pending");
    if (i == 0) {
      st.bind(11, static_cast<std::int64_t>(now));
      st.bind(12, static_cast<std::int64_t>(now + sla));
    } else {
      st.bind(11);
      st.bind(12);
    }
    st.exec();
    audit_stages.push_back({{"name", s.config->name}, {"approvers", approvers}, {"required", s.required}});
  }
  auto record = load_request(db, id);
  audit::append(db,
                {f.requester, "request.created", record->subject(),
                 {{"title", title},
                  {"team", f.team},
                  {"amount", f.amount},
                  {"severity", f.severity},
                  {"finding_id", f.finding_id},
                  {"workflow", workflow->name},
                  {"ticket", tickets.has_value()},
                  {"stages", audit_stages}}},
                now);
  detail::queue_initial_posts(*this, db, *record, now);
  tx.commit();
  return {id, workflow->name, true};
}

std::optional<CreateResult> Approvals::maybe_request_for_finding(storage::Database& db, const FindingFacts& finding,
                                                                 UnixSeconds now) const {
  if (finding.id.empty()) throw invalid_input("a finding needs an id");
  const auto& levels = config::severity_levels();
  auto rank = [&](const std::string& s) {
    auto it = std::find(levels.begin(), levels.end(), s);
    return it == levels.end() ? -1 : static_cast<int>(it - levels.begin());
  };
  const config::TriggerRule* match = nullptr;
  for (const auto& rule : config_.approvals.triggers) {
    bool kind_ok = rule.kinds.empty();
    for (const auto& k : rule.kinds) kind_ok = kind_ok || text::glob_match(k, finding.kind);
    const bool scope_ok = rule.scopes.empty() || std::find(rule.scopes.begin(), rule.scopes.end(),
                                                           finding.scope_dimension) != rule.scopes.end();
    if (kind_ok && scope_ok && rank(finding.severity) >= rank(rule.min_severity) && finding.amount >= rule.min_amount) {
      match = &rule;
      break;
    }
  }
  if (!match) return std::nullopt;
  if (auto existing = request_for_finding(db, finding.id)) {
    auto record = load_request(db, *existing);
    return CreateResult{*existing, record ? record->workflow : "", false};
  }
  RequestFacts facts;
  facts.title = finding.title.empty() ? finding.kind + " finding " + finding.id : finding.title;
  facts.team = config_.find_team(finding.team) ? finding.team : "";
  facts.amount = finding.amount;
  facts.severity = finding.severity;
  facts.kind = finding.kind;
  facts.requester = "costbot";
  facts.finding_id = finding.id;
  facts.workflow = match->workflow == "tiered" ? "" : match->workflow;
  facts.facts = finding.facts;
  if (!finding.team.empty() && facts.team.empty()) facts.facts["reported_team"] = finding.team;
  try {
    return create_request(db, facts, now);
  } catch (const Error& e) {
    // Another thread opened it between our look-up and our write: report that request.
    if (e.kind() != ErrorKind::conflict) throw;
    auto existing = request_for_finding(db, finding.id);
    if (!existing) throw;
    return CreateResult{*existing, "", false};
  }
}

}  // namespace costbot::approvals
