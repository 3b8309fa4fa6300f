// `approvals:` (who approves, tiers, triggers, Jira ticket settings) and `workflows:` (named,
// ordered stages). Every reference (group, role, workflow, severity) is checked here, at load
// time, naming the valid choices, so a request never fails later on a typo.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "engine/config/sections.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

const std::vector<std::string>& severity_levels() {
  static const std::vector<std::string> levels{"info", "low", "medium", "high", "critical"};
  return levels;
}

std::string ApproverRef::text() const {
  switch (kind) {
    case Kind::group: return "group:" + name;
    case Kind::role: return "role:" + name;
    case Kind::user: break;
  }
  return name;
}

namespace {

const std::vector<std::string> kEscalationActions{"remind", "notify", "auto_approve", "auto_reject"};
const std::vector<std::string> kPostChannels{"web", "slack", "teams"};

// What an approver reference may name, collected before workflows are read.
struct KnownNames {
  std::vector<std::string> groups;
  std::vector<std::string> roles;
};

std::string valid_list(const std::vector<std::string>& names) {
  return names.empty() ? "none defined" : "valid: " + text::join(names, ", ");
}

std::string unknown_name(const std::string& what, const std::string& name, const std::vector<std::string>& valid) {
  std::string message = "unknown " + what + " \"" + name + "\" (";
  if (auto guess = text::closest(name, valid)) message += "did you mean \"" + *guess + "\"? ";
  return message + valid_list(valid) + ")";
}

// "U0ABC", "group:NAME", "role:NAME" → refs; every problem is reported at its list index.
std::vector<ApproverRef> read_refs(Reader& r, const std::string& key, const KnownNames& known, bool required) {
  std::vector<std::string> texts;
  if (!r.strings(key, texts, required)) return {};
  if (required && texts.empty()) r.error(key, "must name at least one approver");
  std::vector<ApproverRef> refs;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string at = r.path_of(key) + "[" + std::to_string(i) + "]";
    std::string item(text::trim(texts[i]));
    ApproverRef ref;
    auto colon = item.find(':');
    if (colon == std::string::npos) {
      ref.name = item;
    } else {
      std::string prefix = item.substr(0, colon);
      ref.name = item.substr(colon + 1);
      if (prefix == "group") {
        ref.kind = ApproverRef::Kind::group;
        if (std::find(known.groups.begin(), known.groups.end(), ref.name) == known.groups.end())
          r.issues().add(at, unknown_name("group", ref.name, known.groups) + "; groups are defined in approvals.groups");
      } else if (prefix == "role") {
        ref.kind = ApproverRef::Kind::role;
        if (std::find(known.roles.begin(), known.roles.end(), ref.name) == known.roles.end())
          r.issues().add(at, unknown_name("role", ref.name, known.roles) +
                                 "; roles are defined in teams[].roles and approvals.roles");
      } else {
        r.issues().add(at, "expected a user id, group:NAME or role:NAME, got \"" + item + "\"");
        continue;
      }
    }
    if (ref.name.empty() || ref.name.find_first_of(" \t") != std::string::npos) {
      r.issues().add(at, "expected a user id, group:NAME or role:NAME, got \"" + item + "\"");
      continue;
    }
    refs.push_back(ref);
  }
  return refs;
}

void read_quorum(Reader& r, StageConfig& stage) {
  if (!r.has("quorum")) {
    r.raw("quorum");  // mark as read
    return;
  }
  std::string value;
  if (!r.string("quorum", value)) return;
  value = text::to_lower(text::trim(value));
  if (value == "any" || value == "all") {
    stage.quorum = value;
    return;
  }
  auto n = text::parse_int(value);
  if (!n || *n < 1 || *n > 100) {
    r.error("quorum", "expected any, all or a number of approvals such as 2, got \"" + value + "\"");
    return;
  }
  stage.quorum = std::to_string(*n);
  stage.quorum_count = static_cast<int>(*n);
}

void read_escalation(Reader& stage_reader, StageConfig& stage, const KnownNames& known) {
  stage_reader.list("escalation", [&](Reader& r) {
    auto& step = stage.escalation.emplace_back();
    r.number("after_hours", step.after_hours, true);
    if (step.after_hours < 0) r.error("after_hours", "must not be negative (hours past the stage's SLA)");
    r.choice("action", step.action, kEscalationActions, true);
    if (step.action == "notify") step.notify = read_refs(r, "notify", known, true);
    else if (r.has("notify")) r.error("notify", "only a notify step names people to notify");
    else r.raw("notify");
  });
  for (std::size_t i = 0; i < stage.escalation.size(); ++i) {
    std::string at = stage_reader.path_of("escalation") + "[" + std::to_string(i) + "]";
    const auto& step = stage.escalation[i];
    if (i > 0 && step.after_hours < stage.escalation[i - 1].after_hours)
      stage_reader.issues().add(at + ".after_hours", "steps must be in order of after_hours");
    bool terminal = step.action == "auto_approve" || step.action == "auto_reject";
    if (terminal && i + 1 != stage.escalation.size())
      stage_reader.issues().add(at + ".action", step.action + " decides the stage, so it must be the last step");
  }
}

void check_quorum_fits(Reader& r, const StageConfig& stage, const Config& config) {
  if (stage.quorum == "any" || stage.quorum == "all") return;
  // Only a list of plain users and groups has a size known now; roles depend on the team.
  std::set<std::string> people;
  for (const auto& ref : stage.approvers) {
    if (ref.kind == ApproverRef::Kind::role) return;
    if (ref.kind == ApproverRef::Kind::user) people.insert(ref.name);
    else if (auto it = config.approvals.groups.find(ref.name); it != config.approvals.groups.end())
      people.insert(it->second.begin(), it->second.end());
  }
  if (static_cast<std::size_t>(stage.quorum_count) > people.size())
    r.error("quorum", "needs " + std::to_string(stage.quorum_count) + " approvals but only " +
                          std::to_string(people.size()) + " people are listed as approvers");
}

void read_stage(Reader& r, StageConfig& stage, const KnownNames& known, const Config& config) {
  r.string("name", stage.name, true);
  stage.approvers = read_refs(r, "approvers", known, true);
  stage.fallback = read_refs(r, "fallback", known, false);
  read_quorum(r, stage);
  check_quorum_fits(r, stage, config);
  r.number("sla_hours", stage.sla_hours);
  if (stage.sla_hours <= 0) r.error("sla_hours", "must be a positive number of hours");
  read_escalation(r, stage, known);
}

bool valid_label(const std::string& label) {
  return !label.empty() && label.size() <= 255 && label.find_first_of(" \t\r\n") == std::string::npos;
}

// The ticket fields a workflow may override; the global section adds a few more keys.
void read_ticket_fields(Reader& r, JiraTicketConfig& jira) {
  std::string s;
  if (r.string("project", s)) jira.project = s;
  if (r.string("issue_type", s)) jira.issue_type = s;
  if (r.string("summary_prefix", s)) jira.summary_prefix = s;
  std::vector<std::string> list;
  if (r.strings("labels", list)) {
    for (std::size_t i = 0; i < list.size(); ++i)
      if (!valid_label(list[i]))
        r.issues().add(r.path_of("labels") + "[" + std::to_string(i) + "]",
                       "a Jira label may not be empty or contain spaces, got \"" + list[i] + "\"");
    jira.labels = list;
  }
  list.clear();
  if (r.strings("components", list)) jira.components = list;
  std::map<std::string, std::string> priorities;
  if (r.string_map("priority_by_severity", priorities)) {
    for (const auto& [severity, priority] : priorities) {
      const auto& levels = severity_levels();
      if (std::find(levels.begin(), levels.end(), severity) == levels.end())
        r.issues().add(r.path_of("priority_by_severity") + "." + severity,
                       unknown_name("severity", severity, levels));
    }
    jira.priority_by_severity = priorities;
  }
  if (r.string("assignee", s)) {
    bool ok = s == "none" || s == "requester" || s == "final_approver" ||
              ((s.rfind("role:", 0) == 0 || s.rfind("account:", 0) == 0) && s.find(':') + 1 < s.size());
    if (!ok)
      r.error("assignee", "unknown assignee rule \"" + s +
                              "\" (valid: none, requester, final_approver, role:NAME, account:JIRA_ACCOUNT_ID)");
    jira.assignee = s;
  }
  if (r.string("description_template", s)) jira.description_template = s;
}

void read_tiers(Reader& approvals, Config& config) {
  approvals.list("tiers", [&](Reader& r) {
    auto& tier = config.approvals.tiers.emplace_back();
    double below = 0;
    if (r.number("below", below)) {
      if (below <= 0) r.error("below", "must be a positive amount");
      tier.below = below;
    }
    r.strings("kinds", tier.kinds);
    r.string("workflow", tier.workflow, true);
  });
  // Tiers with kinds apply to those kinds first (in order); the tiers without kinds must cover
  // every amount: increasing `below`, the last one without.
  const auto& tiers = config.approvals.tiers;
  std::optional<std::size_t> previous, last_general;
  for (std::size_t i = 0; i < tiers.size(); ++i)
    if (tiers[i].kinds.empty()) last_general = i;
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    std::string at = approvals.path_of("tiers") + "[" + std::to_string(i) + "]";
    if (!tiers[i].workflow.empty() && !config.find_workflow(tiers[i].workflow)) {
      std::vector<std::string> names;
      for (const auto& w : config.workflows) names.push_back(w.name);
      approvals.issues().add(at + ".workflow", unknown_name("workflow", tiers[i].workflow, names));
    }
    if (!tiers[i].kinds.empty()) continue;
    bool last = i == *last_general;
    if (!tiers[i].below && !last)
      approvals.issues().add(at + ".below", "only the last tier may leave out below (it takes every larger amount)");
    if (last && tiers[i].below)
      approvals.issues().add(at, "the last tier must leave out below, so every amount has a workflow");
    if (previous && tiers[i].below && tiers[*previous].below && *tiers[i].below <= *tiers[*previous].below)
      approvals.issues().add(at + ".below", "tiers must be in increasing order of below");
    previous = i;
  }
  if (tiers.empty() && config.workflows.size() > 1)
    approvals.issues().add(approvals.path_of("tiers"),
                           "missing: with several workflows, tiers choose one by dollar amount");
  if (!tiers.empty() && !last_general)
    approvals.issues().add(approvals.path_of("tiers"), "give at least one tier without kinds, so every request has a workflow");
}

void read_triggers(Reader& approvals, Config& config) {
  std::vector<std::string> workflow_names{"tiered"};
  for (const auto& w : config.workflows) workflow_names.push_back(w.name);
  approvals.list("triggers", [&](Reader& r) {
    auto& rule = config.approvals.triggers.emplace_back();
    r.strings("kinds", rule.kinds);
    // The cost dimensions anomaly series use, and the two scopes only rules produce.
    static const std::vector<std::string> kScopes = [] {
      auto v = query::dimension_names();
      v.insert(v.end(), {"resource", "budget"});
      return v;
    }();
    if (r.strings("scopes", rule.scopes))
      for (const auto& s : rule.scopes)
        if (std::find(kScopes.begin(), kScopes.end(), s) == kScopes.end())
          r.error("scopes", unknown_name("scope", s, kScopes));
    r.choice("min_severity", rule.min_severity, severity_levels());
    r.number("min_amount", rule.min_amount);
    if (rule.min_amount < 0) r.error("min_amount", "must not be negative");
    if (r.string("workflow", rule.workflow) &&
        std::find(workflow_names.begin(), workflow_names.end(), rule.workflow) == workflow_names.end())
      r.error("workflow", unknown_name("workflow", rule.workflow, workflow_names));
  });
}

void check_ticket_settings(Reader& root, const Config& config) {
  for (const auto& w : config.workflows) {
    if (!w.create_ticket) continue;
    std::string at = root.path_of("workflows") + "." + w.name + ".jira";
    if (!w.jira.project && !config.approvals.jira.project)
      root.issues().add(at + ".project",
                        "missing: set approvals.jira.project or this workflow's jira.project (or create_ticket: false)");
    if (!w.jira.issue_type && !config.approvals.jira.issue_type)
      root.issues().add(at + ".issue_type", "missing: set approvals.jira.issue_type or this workflow's jira.issue_type");
  }
}

}  // namespace

void read_approvals_section(Reader& root, Config& config) {
  auto approvals = root.section("approvals");
  auto& ac = config.approvals;
  approvals.string_lists("groups", ac.groups);
  approvals.string_lists("roles", ac.roles);

  KnownNames known;
  for (const auto& [name, users] : ac.groups) known.groups.push_back(name);
  std::set<std::string> roles;
  for (const auto& [name, users] : ac.roles) roles.insert(name);
  for (const auto& team : config.teams)
    for (const auto& [name, users] : team.roles) roles.insert(name);
  known.roles.assign(roles.begin(), roles.end());

  // Workflows first: tiers and triggers refer to them by name.
  root.named("workflows", [&](const std::string& name, Reader& r) {
    auto& workflow = config.workflows.emplace_back();
    workflow.name = name;
    r.string("description", workflow.description);
    r.boolean("create_ticket", workflow.create_ticket);
    r.list("stages", [&](Reader& s) { read_stage(s, workflow.stages.emplace_back(), known, config); }, true);
    if (r.has("stages") && workflow.stages.empty()) r.error("stages", "a workflow needs at least one stage");
    auto jira = r.section("jira");
    read_ticket_fields(jira, workflow.jira);
    jira.finish();
  });

  read_tiers(approvals, config);
  read_triggers(approvals, config);

  std::vector<std::string> post_to;
  if (approvals.strings("post_to", post_to)) {
    for (std::size_t i = 0; i < post_to.size(); ++i)
      if (std::find(kPostChannels.begin(), kPostChannels.end(), post_to[i]) == kPostChannels.end())
        approvals.issues().add(approvals.path_of("post_to") + "[" + std::to_string(i) + "]",
                               unknown_name("channel", post_to[i], kPostChannels));
    ac.post_to = post_to;
  }
  approvals.string("slack_channel", ac.slack_channel);
  approvals.string("teams_conversation", ac.teams_conversation);
  approvals.string("web_feed", ac.web_feed);
  // Deprecated alias of server.public_url (one base URL for every link); the server section,
  // read after this one, reports a conflict between the two.
  std::string legacy_url;
  if (approvals.string("public_url", legacy_url)) {
    config.server.public_url = legacy_url;
    config.server.public_url_alias = approvals.path_of("public_url");
    spdlog::warn("{} is deprecated: write it as server.public_url (one base URL for every link)",
                 approvals.path_of("public_url"));
  }

  auto jira = approvals.section("jira");
  read_ticket_fields(jira, ac.jira);
  if (jira.string("label_prefix", ac.jira_label_prefix) && !valid_label(ac.jira_label_prefix + "1"))
    jira.error("label_prefix", "a Jira label may not contain spaces");
  jira.string_map("account_ids", ac.jira_account_ids);
  jira.strings("wont_do_statuses", ac.jira_wont_do_statuses);
  jira.finish();
  approvals.finish();

  check_ticket_settings(root, config);
}

}  // namespace costbot::config
