#pragma once
// The whole configuration, as typed values. Loaded from YAML by load(); every problem is reported
// with its key path. Each section is parsed by its own function (config/*_section.cpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/reader.hpp"
#include "engine/config/secret.hpp"

namespace costbot::config {

struct DatabaseConfig {
  std::string path = "costbot.db";
};

struct LoggingConfig {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "text";  // text, json
};

struct CurrencyConfig {
  std::string base = "USD";
  // 1 unit of the key currency = rate units of `base` (e.g. EUR: 1.08 when base is USD).
  std::map<std::string, double> rates;
};

struct TagConfig {
  // canonical key → aliases seen in provider tags; matched case-insensitively after case folding.
  std::map<std::string, std::vector<std::string>> aliases;
};

// One rule of the ordered team attribution list; the first rule that matches a record decides.
struct AttributionRule {
  std::string tag;           // take the team from this (canonical) tag's value
  std::string account;       // or: records of this sub-account id (or glob) ...
  std::string provider;      // ... (optionally of this provider) ...
  std::string name_pattern;  // or: resources whose id or name matches this glob ...
  std::string service;       // or: this service name (glob) ...
  std::string team;          // ... belong to this team
  std::map<std::string, std::string> map;  // optional tag value → team name rewrite for `tag`
};

struct BudgetConfig {
  double monthly = 0;                        // in the base currency; 0 = no budget
  std::vector<double> thresholds{0.8, 1.0};  // fractions of the budget that alert
};

struct TeamConfig {
  std::string name;
  std::vector<std::string> aliases;  // other spellings of the team that tags use
  BudgetConfig budget;
  // Role → chat user ids (e.g. team_lead: [U123], manager: [U456], director: [U789]).
  std::map<std::string, std::vector<std::string>> roles;
  std::string slack_channel;
  std::string teams_conversation;
};

struct IngestSource {
  std::string name;
  std::string type;                // focus, cur, azure, gcp, usage
  std::vector<std::string> paths;  // files or globs
};

struct IngestConfig {
  std::vector<IngestSource> sources;
  std::int64_t batch_rows = 50000;  // rows aggregated in memory before they are written
};

// Cost-trend chart images (engine/render/chart.hpp).
struct ChartsConfig {
  int width = 800;
  int height = 400;
  std::string highlight = "#e03131";  // anomalous days; "#rrggbb" or "#rgb"
};

// Finding severities, lowest first (trigger rules and Jira priorities refer to them).
const std::vector<std::string>& severity_levels();

// One approver reference as written in config: "U0ABC" (a user id), "group:NAME" (approvals.groups),
// or "role:NAME" (the request team's teams[].roles, else approvals.roles).
struct ApproverRef {
  enum class Kind { user, group, role } kind = Kind::user;
  std::string name;
  std::string text() const;  // as written: "U0ABC", "group:finops", "role:team_lead"
};

struct EscalationStep {
  double after_hours = 0;  // hours past the stage's SLA deadline (0 = at the deadline)
  std::string action;      // remind, notify, auto_approve, auto_reject
  std::vector<ApproverRef> notify;  // for notify: who is told
};

struct StageConfig {
  std::string name;
  std::vector<ApproverRef> approvers;
  std::vector<ApproverRef> fallback;  // used when no approver but the requester is left
  std::string quorum = "any";         // any, all, or a count ("2")
  int quorum_count = 1;               // approvals needed when quorum is a count
  double sla_hours = 24;
  std::vector<EscalationStep> escalation;
};

// Jira ticket settings. In a workflow every field is optional and overrides approvals.jira.
struct JiraTicketConfig {
  std::optional<std::string> project;     // project key, e.g. FIN
  std::optional<std::string> issue_type;  // e.g. Task
  std::optional<std::string> summary_prefix;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::vector<std::string>> components;
  std::optional<std::map<std::string, std::string>> priority_by_severity;
  // none, requester, final_approver, role:NAME, account:JIRA_ACCOUNT_ID
  std::optional<std::string> assignee;
  std::optional<std::string> description_template;  // relative to templates/
};

struct WorkflowConfig {
  std::string name;
  std::string description;
  std::vector<StageConfig> stages;
  bool create_ticket = true;  // open a Jira ticket on final approval
  JiraTicketConfig jira;      // overrides of approvals.jira
};

struct TierConfig {
  std::optional<double> below;  // amounts strictly below this (base currency); absent = no upper bound
  std::string workflow;
};

// Which findings open an approval request on their own.
struct TriggerRule {
  std::vector<std::string> kinds;  // finding kinds (globs); empty = every kind
  std::string min_severity = "low";
  double min_amount = 0;
  std::string workflow = "tiered";  // a workflow name, or "tiered" to choose by amount
};

struct ApprovalsConfig {
  std::map<std::string, std::vector<std::string>> groups;  // group name → user ids
  std::map<std::string, std::vector<std::string>> roles;   // global roles (finops, cfo) → user ids
  std::vector<TierConfig> tiers;
  std::vector<TriggerRule> triggers;
  std::vector<std::string> post_to{"web"};  // where new requests are posted: web, slack, teams
  std::string slack_channel;                // default: the request team's slack_channel
  std::string teams_conversation;           // default: the request team's teams_conversation
  std::string web_feed = "approvals";
  std::string public_url = "http://127.0.0.1:8080";  // base of links in messages and tickets
  JiraTicketConfig jira;                             // global ticket settings
  std::string jira_label_prefix = "costbot-req-";    // + request id = the per-request idempotency label
  std::map<std::string, std::string> jira_account_ids;  // chat user id → Jira accountId (assignee rule)
  std::vector<std::string> jira_wont_do_statuses{"Won't Do", "Won't Fix", "Declined", "Cancelled", "Rejected"};
};

// When a scheduled job runs (bot/scheduler). Cron times are UTC.
struct JobSchedule {
  std::string cron;   // 5-field cron expression or @alias; empty = no time trigger
  std::string after;  // also run after each run of this job that changed data; empty = none
  bool enabled = true;
};

// Every job `schedules:` knows, by name, with its default schedule.
std::map<std::string, JobSchedule> default_job_schedules();

struct SchedulesConfig {
  std::map<std::string, JobSchedule> jobs = default_job_schedules();
  const JobSchedule* find(const std::string& job) const;
};

struct Config {
  std::string source_path;  // the file this was loaded from
  DatabaseConfig database;
  LoggingConfig logging;
  CurrencyConfig currency;
  TagConfig tags;
  std::vector<AttributionRule> attribution;
  std::vector<TeamConfig> teams;
  IngestConfig ingest;
  ChartsConfig charts;
  ApprovalsConfig approvals;
  std::vector<WorkflowConfig> workflows;  // in file order
  SchedulesConfig schedules;

  const TeamConfig* find_team(const std::string& name) const;
  const WorkflowConfig* find_workflow(const std::string& name) const;
};

// Parses and validates. On any issue, throws costbot::Error(invalid_input) listing all of them.
Config load(const std::string& path);
// Parses and validates; returns every issue found (empty = valid). Never throws for bad content.
Issues check(const std::string& path, Config* out = nullptr);
Issues check_text(const std::string& yaml_text, Config* out = nullptr);

// Section parsers (one file each).
void read_foundation_sections(Reader& root, Config& config);
void read_ingest_section(Reader& root, Config& config);
void read_charts_section(Reader& root, Config& config);
// `approvals:` and `workflows:` (after teams, whose roles they refer to).
void read_approvals_section(Reader& root, Config& config);
void read_schedules_section(Reader& root, Config& config);

}  // namespace costbot::config
