#pragma once
// The whole configuration, as typed values. Loaded from YAML by load(); every problem is reported
// with its key path. Each section is parsed by its own function (config/*_section.cpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

// The HTTP service (bot/server): where it listens and the limits every request is held to.
struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; `serve --listen` overrides
  std::string public_url;                 // the URL Slack/Teams reach this service at (for docs and links)
  std::int64_t body_limit_bytes = 1 << 20;
  std::int64_t header_limit_bytes = 16 << 10;
  std::int64_t read_timeout = 10;         // seconds for one request's headers + body to arrive
  std::int64_t idle_timeout = 60;         // seconds a keep-alive connection may wait for its next request
  std::int64_t handler_timeout = 30;      // seconds before a request still being worked on gets 503
  std::int64_t shutdown_grace = 10;       // seconds in-flight requests and the outbox get on SIGTERM
  std::int64_t max_connections = 1024;
  int threads = 2;                        // I/O threads; handlers run on them and must be quick
  int work_threads = 2;                   // threads for slow work (queries that miss Slack's 3 s)
  bool access_log = true;
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
  bool enabled() const { return !signing_secret.empty(); }
};

struct CommandsConfig {
  std::int64_t cache_ttl = 60;            // seconds a query reply is reused while the cost data is unchanged
  std::string default_period = "7d";
  int top_default = 10;
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
  ServerConfig server;
  HttpClientConfig http_client;
  OutboxConfig outbox;
  SlackConfig slack;
  CommandsConfig commands;

  const TeamConfig* find_team(const std::string& name) const;
};

// Parses and validates. On any issue, throws costbot::Error(invalid_input) listing all of them.
Config load(const std::string& path);
// Parses and validates; returns every issue found (empty = valid). Never throws for bad content.
Issues check(const std::string& path, Config* out = nullptr);
Issues check_text(const std::string& yaml_text, Config* out = nullptr);

// "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080", ":8080" (all interfaces). False when malformed.
bool parse_listen_address(std::string_view text, std::string& host, unsigned short& port);

// Section parsers (one file each).
void read_foundation_sections(Reader& root, Config& config);
void read_ingest_section(Reader& root, Config& config);
void read_service_sections(Reader& root, Config& config);  // server, http_client, outbox, commands
void read_slack_section(Reader& root, Config& config);

}  // namespace costbot::config
