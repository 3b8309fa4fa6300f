#pragma once
// The whole configuration, as typed values. Loaded from YAML by load(); every problem is reported
// with its key path. Each section is parsed by its own function (config/*_section.cpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/issues.hpp"
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
  // Or a cloud location (s3://BUCKET/PREFIX/, ...), read through its adapter. Its settings: the
  // credentials (by reference: profile, role, env var or file names; never a secret inline) and
  // the other options, each checked against location_keys(scheme) with its path named.
  std::string location;
  std::map<std::string, std::string> credentials;
  std::map<std::string, std::string> options;
  // When the scheduler's ingest job pulls it: every this many seconds, or on this cron; neither =
  // at every tick of the ingest job (which bounds both: see schedules.ingest.cron).
  std::int64_t every_seconds = 0;
  std::string schedule;
};

// The settings a cloud location scheme takes under credentials: and options: (ingest_section.cpp),
// used by `config check` and for the URL-query form on the command line (s3://B/P/?profile=x).
struct LocationKeys {
  std::string scheme;  // "s3"
  std::string what;    // "AWS Data Exports / CUR in S3"
  std::vector<std::string> credentials, options;
  // Accepted in a command-line URL's query only, never in the config (a pasted SAS token).
  std::vector<std::string> url_only;
};
// nullptr for a scheme costbot has no table for (its adapter then checks its own settings).
const LocationKeys* location_keys(std::string_view scheme);
// A problem with one setting's value, "" when fine (e.g. a role_arn that is not an IAM role ARN).
std::string check_location_setting(std::string_view scheme, const std::string& key, const std::string& value);

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
  std::vector<std::string> kinds;  // only requests of these finding kinds (globs); empty = any kind
  std::string workflow;
};

// Which findings open an approval request on their own.
struct TriggerRule {
  std::vector<std::string> kinds;  // finding kinds (globs); empty = every kind
  // Scope dimensions (team, service, account, provider, ..., resource, budget); empty = every scope. One
  // spike shows in the team, service, account and provider series at once: `[team]` asks once.
  std::vector<std::string> scopes;
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
  // (The base of links in messages and tickets is server.public_url; `approvals.public_url` is
  // read as its deprecated alias.)
  JiraTicketConfig jira;                             // global ticket settings
  std::string jira_label_prefix = "costbot-req-";    // + request id = the per-request idempotency label
  std::map<std::string, std::string> jira_account_ids;  // chat user id → Jira accountId (assignee rule)
  std::vector<std::string> jira_wont_do_statuses{"Won't Do", "Won't Fix", "Declined", "Cancelled", "Rejected"};
};

// The HTTP service (bot/server): where it listens and the limits every request is held to.
struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; `serve --listen` overrides
  // The URL people and Slack/Teams reach this service at: the base of every link in messages and
  // tickets ({public_url}/charts/F12.png, {public_url}/approvals/42). No trailing slash. When not
  // configured it is derived from `listen` (http://127.0.0.1:8080) and public_url_derived is set.
  std::string public_url;
  std::int64_t body_limit_bytes = 1 << 20;
  std::int64_t header_limit_bytes = 16 << 10;
  std::int64_t read_timeout = 10;         // seconds for one request's headers + body to arrive
  std::int64_t idle_timeout = 60;         // seconds a keep-alive connection may wait for its next request
  std::int64_t handler_timeout = 30;      // seconds before a request still being worked on gets 503
  std::int64_t shutdown_grace = 10;       // seconds in-flight requests and the outbox get on SIGTERM
  std::int64_t max_connections = 1024;
  // Connections one client address may hold at once (0 = no cap); trusted proxies are exempt.
  std::int64_t max_connections_per_client = 64;
  // Reverse proxies whose Forwarded / X-Forwarded-* headers are believed (IP addresses or CIDR
  // ranges: 127.0.0.1, 10.0.0.0/8, ::1). Headers from anyone else are ignored.
  std::vector<std::string> trusted_proxies;
  int threads = 2;                        // I/O threads; handlers run on them and must be quick
  int work_threads = 2;                   // threads for slow work (queries that miss Slack's 3 s)
  bool access_log = true;
  // TLS for deployments without a proxy: both set = serve HTTPS (PEM files, reloaded on SIGHUP).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::int64_t hsts_max_age = 31536000;   // seconds in Strict-Transport-Security when serving TLS (0 = none)
  bool public_url_derived = false;        // public_url was not configured: it follows `listen`
  std::string public_url_alias;           // set when the deprecated approvals.public_url gave it

  // http://HOST:PORT for a listen address (0.0.0.0 and :: become 127.0.0.1).
  static std::string url_for_listen(const std::string& listen);
};

// The one outbound HTTPS client (adapters/http).
struct HttpClientConfig {
  std::string ca_file;                    // extra trusted CA (PEM), besides the system store
  std::int64_t connect_timeout = 5;       // seconds (DNS + TCP + TLS)
  std::int64_t request_timeout = 15;      // seconds for writing the request and reading the answer
  int max_attempts = 3;                   // per call, network errors / 5xx / 429
  int retry_base_delay_ms = 250;
  int retry_max_delay_ms = 8000;
  std::int64_t max_retry_wait = 10;       // a longer Retry-After is handed back to the caller (outbox reschedules)
  std::string plain_http = "loopback";    // loopback (tests only), allow, deny
  std::int64_t max_response_bytes = 16 << 20;
};

struct OutboxConfig {
  std::int64_t poll_interval = 1;         // seconds between looks for due rows (enqueue also wakes it)
  int max_attempts = 8;                   // then the effect is marked failed
  std::int64_t backoff_base = 2;          // seconds; doubles per attempt, with jitter
  std::int64_t backoff_max = 600;
  std::int64_t lease = 60;                // seconds a claimed row is reserved for one worker
};

struct SlackConfig {
  Secret signing_secret;                  // env fallback SLACK_SIGNING_SECRET; empty = Slack routes off
  Secret bot_token;                       // env fallback SLACK_BOT_TOKEN; empty = no Web API calls
  std::string api_url = "https://slack.com/api";  // env fallback SLACK_API_URL
  std::string command = "/cost";
  std::string default_channel;
  std::int64_t ack_budget_ms = 2000;      // longer work acks and follows up through response_url
  std::int64_t event_dedupe_ttl = 7200;   // seconds an event_id is remembered
  Secret app_token;                       // env fallback SLACK_APP_TOKEN: xapp-..., for Socket Mode
  std::string mode = "auto";              // auto (Socket Mode when app_token is set), http, socket
  bool socket_mode() const { return mode == "socket" || (mode == "auto" && !app_token.empty()); }
  bool enabled() const { return !signing_secret.empty() || socket_mode(); }
};

struct CommandsConfig {
  std::int64_t cache_ttl = 60;            // seconds a query reply is reused while the cost data is unchanged
  std::string default_period = "7d";
  int top_default = 10;
};

// ---- detection (engine/config/detection_section.cpp) ----

// Impact per day (base currency) at which a finding becomes critical / high / medium; below
// medium it is low (informational).
struct SeverityThresholds {
  double critical = 1000;
  double high = 500;
  double medium = 100;
};

struct AnomalyConfig {
  std::vector<std::string> scopes{"team", "service", "account", "provider", "resource"};
  int history_days = 120;             // days of history read per series
  int report_days = 14;               // findings are written for days this close to the latest data
  double threshold = 4.0;             // robust z at which a day is anomalous (score 0.5)
  double min_daily_impact = 50;       // |actual - expected| per day below this never alerts
  double min_relative_change = 0.2;   // nor a change smaller than this fraction of expected
  double spike_min_change = 0.5;      // a one-day increase of at least this fraction is a spike
  bool alert_on_decrease = false;     // drops in cost (and a flatline below the level) alert
  int season_weeks = 5;               // weeks per weekday in the seasonal median
  double level_alpha = 0.15;          // how fast the level follows the series (per day)
  int shift_days = 3;                 // days a change must persist to be a level shift (or a drop)
  int idle_days = 5;                  // days of a flatline (no weekly pattern, no noise) that alert; 0 = off
  int resolve_after_days = 2;         // normal days in a row that resolve an incident
  double drift_min_change = 0.25;     // weekly cost up this much over drift_weeks = drift
  int drift_weeks = 4;
  double runaway_weekly_growth = 0.1; // every week up this much for runaway_weeks = runaway growth
  int runaway_weeks = 2;
  int recurrence_months = 3;          // month-end / month-start bumps seen in this many past months ...
  int recurrence_min_matches = 1;     // ... at least this often are a pattern, not an anomaly
};

struct Holiday {
  std::string date;  // YYYY-MM-DD
  std::string name;
};

// A scope: dimension -> value (exact), e.g. {team: payments}; empty = everything.
using ScopeMap = std::map<std::string, std::string>;

struct PlannedEventConfig {
  std::string name;
  std::string from;  // YYYY-MM-DD, inclusive
  std::string to;    // YYYY-MM-DD, inclusive
  ScopeMap scope;
};

// A waste rule: data, interpreted by the kind registered under `kind` (engine/detect/rules.hpp).
struct RuleConfig {
  std::string id;
  std::string kind;
  std::string description;
  std::string severity = "medium";  // critical, high, medium, low: the least it is reported as
  bool enabled = true;
  std::map<std::string, std::string> scope;  // field -> glob (provider, account, service, team, ...)
  std::map<std::string, double> thresholds;  // every threshold of the kind (defaults filled in)
  std::map<std::string, std::vector<std::string>> options;  // every option of the kind
  std::string remediation;          // text; {resource}, {name}, {account}, {region}, ... are filled in
  std::string command;              // optional command that applies the fix
};

struct ScopeBudgetConfig {
  std::string name;
  ScopeMap scope;
  BudgetConfig budget;
};

struct FeedbackConfig {
  int suppress_days = 14;          // "not an anomaly" silences the scope/kind this long
  double retune_factor = 1.25;     // ... and makes its threshold this much stricter
  double noise_floor_margin = 1.1; // "below my noise floor" sets min impact to impact x this
};

// One cost event, one incident (engine/detect/correlation.hpp).
struct CorrelationConfig {
  // Broadest first: a scope later in a chain is narrower than the ones before it.
  std::vector<std::vector<std::string>> hierarchies{{"provider", "account", "service", "resource"},
                                                    {"team", "service", "resource"}};
  double explain_share = 0.6;  // narrower scopes carrying this share of a change explain it
  int lookback_days = 7;       // a narrower open incident seen this recently still explains
};

struct DetectionConfig {
  SeverityThresholds severity;
  std::map<std::string, SeverityThresholds> team_severity;  // per-team overrides
  AnomalyConfig anomaly;
  CorrelationConfig correlation;
  std::vector<Holiday> holidays;
  std::vector<PlannedEventConfig> planned_events;
  std::vector<RuleConfig> rules;
  std::vector<ScopeBudgetConfig> budgets;
  FeedbackConfig feedback;

  const SeverityThresholds& severity_for(const std::string& team) const;
};

// When a scheduled job runs (bot/scheduler). Cron times are UTC.
struct JobSchedule {
  std::string cron;   // 5-field cron expression or @alias; empty = no time trigger
  std::string after;  // also run after each run of this job that changed data; empty = none
  bool enabled = true;
  bool on_start = false;  // also run once when `costbot serve` starts (e.g. ingest at once after a restart)
};

// Every job `schedules:` knows, by name, with its default schedule.
std::map<std::string, JobSchedule> default_job_schedules();

struct SchedulesConfig {
  std::map<std::string, JobSchedule> jobs = default_job_schedules();
  const JobSchedule* find(const std::string& job) const;
};

// ---- Microsoft Teams (engine/config/msteams_section.cpp) ----
// The section is `msteams:` because `teams:` already lists the organisation's teams.

// A Teams conversation known by name, so teams[].teams_conversation, approvals.teams_conversation
// and personas can say "finops" instead of "19:abc...@thread.tacv2".
struct TeamsConversationConfig {
  std::string name;
  std::string id;           // conversation id: 19:...@thread.tacv2 (channel), 19:...@thread.v2 (group), a:... (personal)
  std::string service_url;  // empty: the one captured from Teams' activities, else msteams.default_service_url
  std::string tenant_id;
};

struct TeamsIncomingWebhookConfig {
  std::string name;
  Secret url;  // the Workflows / Incoming Webhook URL: whoever has it can post, so it is a secret
};

struct MsTeamsConfig {
  std::string app_id;                     // env fallback TEAMS_APP_ID; empty = /teams/messages answers 503
  Secret app_password;                    // env fallback TEAMS_APP_PASSWORD; empty = no connector calls
  std::string tenant_id;                  // single-tenant bots: the token URL uses it instead of botframework.com
  std::string openid_metadata_url = "https://login.botframework.com/v1/.well-known/openidconfiguration";
  std::string issuer = "https://api.botframework.com";
  std::string token_url;                  // env fallback TEAMS_TOKEN_URL; empty = login.microsoftonline.com/{tenant}/...
  std::string token_scope = "https://api.botframework.com/.default";
  std::int64_t clock_skew = 300;          // seconds allowed on exp / nbf
  std::vector<std::string> allowed_service_url_hosts{"smba.trafficmanager.net", "*.teams.microsoft.com",
                                                     "*.teams.microsoft.us", "*.botframework.com"};
  std::string default_service_url = "https://smba.trafficmanager.net/teams/";
  Secret outgoing_webhook_secret;         // env fallback TEAMS_OUTGOING_WEBHOOK_SECRET; empty = /teams/webhook 503
  std::vector<TeamsIncomingWebhookConfig> incoming_webhooks;
  std::vector<TeamsConversationConfig> conversations;
  std::int64_t webhook_ack_budget_ms = 4000;  // outgoing webhooks must be answered within 5 s
  std::int64_t activity_dedupe_ttl = 7200;    // seconds an activity id is remembered
  bool welcome = true;                        // post the help card when the app is installed

  bool bot_enabled() const { return !app_id.empty(); }
  bool webhook_enabled() const { return !outgoing_webhook_secret.empty(); }
  std::string effective_token_url() const;
  const TeamsConversationConfig* find_conversation(const std::string& name) const;
  const TeamsIncomingWebhookConfig* find_incoming_webhook(const std::string& name) const;
};

// ---- personas and alert delivery (engine/config/personas_section.cpp, notify_section.cpp) ----

// When a persona does not want to be disturbed, in its own time zone. A window may cross midnight
// (22:00 to 07:00). Alerts found inside it are held and delivered when it ends; digests wait too.
struct QuietHoursConfig {
  bool enabled = false;
  int start_minute = 0;              // minutes after local midnight, 0..1439
  int end_minute = 0;
  std::string timezone = "UTC";      // IANA name (tzdata), e.g. Europe/Berlin
  std::string breakthrough = "critical";  // this severity and above are delivered anyway; "none" = nothing is
  std::string text() const;          // "22:00-07:00 Europe/Berlin"
};

// Where a persona's messages go. Slack entries are channel names or ids (#finops, C0123), user ids
// (U0123: a direct message) or "team" (the finding team's teams[].slack_channel); Teams entries are
// conversation ids or "team" (teams[].teams_conversation).
struct PersonaDelivery {
  std::vector<std::string> slack;
  std::vector<std::string> teams;
  std::vector<std::string> email;  // addresses
  bool pagerduty = false;          // page (Events API v2) for findings at pagerduty.min_severity and above
  bool web = true;                 // the local web channel's feed persona:<name>
};

struct PersonaConfig {
  std::string name;
  std::string description;
  bool enabled = true;
  bool builtin = false;               // one of cfo, engineer, finops_analyst, eng_manager
  std::string templates;              // template set: templates/<channel>/<templates>/<event>.*
  std::vector<std::string> kinds;     // finding kinds or groups (cost_anomaly, waste, budget); empty = all
  std::string min_severity = "medium";
  std::string frequency = "real_time";  // real_time, daily_digest, weekly_digest
  std::vector<std::string> digests;   // extra digests: daily, weekly
  std::vector<std::string> teams;     // scope: empty = all teams
  PersonaDelivery deliver;
  QuietHoursConfig quiet_hours;

  bool wants_digest(const std::string& period) const;  // "daily" or "weekly"
};

struct AlertEscalationConfig {
  bool enabled = true;
  std::string min_severity = "critical";  // alerts at or above this escalate while unacknowledged
  double manager_after_hours = 2;         // then the team's manager is mentioned
  double director_after_hours = 8;        // then the director
  std::string manager_role = "manager";   // teams[].roles.<role>, else approvals.roles.<role>
  std::string director_role = "director";
};

struct AlertsConfig {
  int group_min_items = 3;   // this many new alerts for one persona and target in one run → one message
  int group_top_items = 5;   // items listed in a grouped message; the rest is "N more"
  AlertEscalationConfig escalation;
};

struct PagerDutyConfig {
  Secret routing_key;  // env fallback PAGERDUTY_ROUTING_KEY; empty = paging off
  std::string events_url = "https://events.pagerduty.com/v2/enqueue";  // env fallback PAGERDUTY_EVENTS_URL
  std::string min_severity = "critical";
  std::string source = "costbot";
  bool enabled() const { return !routing_key.empty(); }
};

struct EmailConfig {
  std::string smtp_url;   // smtp://host:587 or smtps://host:465; env fallback SMTP_URL; empty = email off
  std::string tls = "required";  // required (STARTTLS or smtps), opportunistic, none
  std::string username;   // env fallback SMTP_USERNAME
  Secret password;        // env fallback SMTP_PASSWORD
  std::string from = "costbot <costbot@localhost>";
  std::int64_t timeout = 30;  // seconds for one message
  bool enabled() const { return !smtp_url.empty(); }
};

// The four built-in personas with their defaults (config keys override them one by one).
std::vector<PersonaConfig> builtin_personas();

struct PersonasConfig {
  std::vector<PersonaConfig> list = builtin_personas();  // built-ins first (cfo, engineer, finops_analyst, eng_manager), then config order
  const PersonaConfig* find(const std::string& name) const;
  std::vector<std::string> names(bool enabled_only = true) const;
};

// Jira Cloud (adapters/jira, bot/approvals): where tickets go, and what follows them. Without
// base_url + email + api_token the tickets go to the local ticket outbox (engine/tickets).
struct JiraConfig {
  std::string base_url;        // https://your-site.atlassian.net; env fallback JIRA_BASE_URL
  std::string email;           // the API token's account; env fallback JIRA_EMAIL
  Secret api_token;            // env fallback JIRA_API_TOKEN
  Secret webhook_secret;       // env fallback JIRA_WEBHOOK_SECRET; empty = POST /jira/webhook answers 503
  std::string webhook_auth = "either";  // signature (X-Hub-Signature only), token (?token= only), either
  bool comment_on_incident_change = true;   // comment on the ticket when its incident changes
  bool transition_on_resolve = true;        // move the ticket to done when its incident resolves
  std::string done_transition = "Done";     // transition (or target status) name; else any to a done status
  std::int64_t search_settle = 30;          // seconds to wait after a create whose answer was lost before
                                            // trusting a JQL search that finds nothing (search lags)
  std::string local_key_prefix = "LOCAL";   // keys of local tickets: LOCAL-1, LOCAL-2, ...
  bool enabled() const { return !base_url.empty() && !email.empty() && !api_token.empty(); }
};

// The local web channel (GET / and /web/*, bot/web): a page with the alert feeds, incidents,
// approvals with their buttons, and the ticket outbox. Everyone signs in (web.providers: OpenID
// Connect; with none, the local operator through a one-time link `serve` prints); the actor of
// every click is the signed-in person.
struct OidcProviderConfig {
  std::string name;            // in URLs and sessions: /auth/login/NAME
  std::string type = "oidc";   // slack, entra, oidc
  std::string label;           // the button: "Sign in with Slack"
  std::string issuer;          // https://slack.com, https://login.microsoftonline.com/TENANT/v2.0, any issuer URL
  std::string client_id;
  Secret client_secret;
  std::vector<std::string> scopes{"openid", "profile", "email"};
  std::string user_claim = "sub";      // the claim that is the approvals identity (slack: https://slack.com/user_id, entra: oid)
  std::string groups_claim;            // a claim listing the person's groups (idp_group:NAME), "" = none
  std::string discovery_url;           // default {issuer}/.well-known/openid-configuration
};

struct WebConfig {
  std::string access = "local";  // local (loopback clients only), open (anyone who reaches the server), off
  std::int64_t poll_ms = 3000;   // how often the page asks for news
  std::vector<std::string> allowed_hosts;  // Host names besides public_url's (and, always, localhost names)
  std::int64_t session_lifetime = 12 * 3600;  // seconds a sign-in lasts
  std::int64_t session_idle = 2 * 3600;       // seconds without a request that end it
  std::string local_operator = "local-operator";  // who the one-time sign-in link signs in
  std::int64_t sign_in_link_ttl = 3600;       // seconds a one-time link stays valid
  std::vector<OidcProviderConfig> providers;
};

// One REST API bearer token (api.tokens[] or COSTBOT_API_TOKENS). Only the token's SHA-256 is
// kept: the config may give the token (a secret) or just its digest (token_sha256).
struct ApiToken {
  std::string name;                  // who uses it, for logs and the audit trail: "ci", "dashboard"
  std::string sha256;                // lower-case hex SHA-256 of the token
  std::string actor;                 // the person the token acts as (their roles apply); "" = none
  std::string role;                  // a role the token carries (without an actor), or caps the actor's
  std::vector<std::string> act_for;  // explicit grant: people (or "*") it may name as actor / requester
  std::int64_t requests_per_minute = 0;  // 0 = api.requests_per_minute
  std::int64_t burst = 0;                // 0 = api.burst
};

// The REST API under /api/v1 (bot/api). Off (503 with the reason) while no token is configured.
struct ApiConfig {
  std::vector<ApiToken> tokens;
  std::int64_t requests_per_minute = 120;  // per token, sustained
  std::int64_t burst = 30;                 // per token, requests allowed at once above the rate
  bool enabled() const { return !tokens.empty(); }
};

// The audit log's anchors (engine/audit): its head hash written where the database's writer cannot
// rewrite it, so cutting rows off the end and rewinding the head is caught (`audit verify --anchors`).
struct AuditConfig {
  std::string anchor_file;     // each new head is appended here (another volume, append-only); "" = none
  std::string anchor_channel;  // once a day the head is posted here: slack:CHANNEL, teams:CONVERSATION,
                               // web:FEED; "" = none (every new head is also logged)
};

// Who may do what (engine/auth decides; engine/config/access_section.cpp reads it). Members of a
// role: "*" (anyone authenticated), a user id (Slack user id, Entra object id, OIDC subject),
// group:NAME (approvals.groups), role:NAME (approvals.roles and teams[].roles), idp_group:NAME (a
// group the identity provider names at sign-in).
struct AccessConfig {
  std::map<std::string, std::vector<std::string>> roles{{"viewer", {"*"}}, {"requester", {"*"}}};
  // Explicit grants to act for others: actor → the people it may act for ("*" = anyone). Such a
  // decision counts as the other person's and is audited with both names.
  std::map<std::string, std::vector<std::string>> act_for;
};

// The role names, lowest first.
const std::vector<std::string>& role_names();

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
  ServerConfig server;
  HttpClientConfig http_client;
  OutboxConfig outbox;
  SlackConfig slack;
  CommandsConfig commands;
  DetectionConfig detection;
  SchedulesConfig schedules;
  MsTeamsConfig msteams;
  PersonasConfig personas;
  AlertsConfig alerts;
  PagerDutyConfig pagerduty;
  EmailConfig email;
  JiraConfig jira;
  WebConfig web;
  ApiConfig api;
  AccessConfig access;
  AuditConfig audit;

  const TeamConfig* find_team(const std::string& name) const;
  const WorkflowConfig* find_workflow(const std::string& name) const;
  // The base of links in messages: server.public_url (its deprecated alias approvals.public_url is
  // folded into it at load; derived from server.listen when neither is set); no trailing slash.
  std::string public_base_url() const;
};

// Parses and validates. On any issue, throws costbot::Error(invalid_input) listing all of them.
Config load(const std::string& path);
// Parses and validates; returns every issue found (empty = valid). Never throws for bad content.
Issues check(const std::string& path, Config* out = nullptr);
Issues check_text(const std::string& yaml_text, Config* out = nullptr);

// "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080", ":8080" (all interfaces). False when malformed.
bool parse_listen_address(std::string_view text, std::string& host, unsigned short& port);

}  // namespace costbot::config
