// `costbot doctor`: checks what a new installation usually gets wrong, from this machine, and says
// how to fix each: the public URL (set, https, reachable), each configured integration (Slack bot
// token and its scopes, Socket Mode's app token, Teams credentials, Jira credentials, PagerDuty,
// e-mail), the clock against the services that sign requests, the database and its data.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>

#include "adapters/http/client.hpp"
#include "adapters/http/remote_error.hpp"
#include "adapters/http/retry_after.hpp"
#include "adapters/http/url.hpp"
#include "adapters/slack/web_api.hpp"
#include "adapters/teams/connector.hpp"
#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "bot/teams/teams_app.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::cli {
namespace {
namespace json = boost::json;

enum class DoctorLevel { ok, warn, fail, skip };

struct DoctorCheck {
  DoctorLevel level;
  std::string what;  // what was checked and what was found
  std::string fix;   // what to do (empty when OK)
};

struct Doctor {
  const config::Config& config;
  http::Client& http;
  const Clock& clock;
  std::vector<DoctorCheck> checks;
  // The time each service said it was (HTTP Date), for the clock check.
  std::vector<std::pair<std::string, UnixSeconds>> remote_times;

  void add(DoctorLevel level, std::string what, std::string fix = {}) { checks.push_back({level, std::move(what), std::move(fix)}); }

  void note_date(const std::string& service, const http::Response& r) {
    if (auto date = r.header("date"))
      if (auto t = http::parse_http_date(*date)) remote_times.emplace_back(service, *t);
  }

  // --- server.public_url: the base of every link and chart image ---
  void public_url() {
    const std::string& url = config.server.public_url;
    const bool chat = config.slack.enabled() || config.msteams.bot_enabled();
    if (config.server.public_url_derived) {
      add(chat ? DoctorLevel::fail : DoctorLevel::warn,
          "server.public_url is not set: links and chart images in messages point at the listen address " + url,
          "set server.public_url to the https address people and Slack/Teams reach (e.g. https://costbot.example.com)");
      return;
    }
    if (!text::starts_with_icase(url, "https://"))
      add(chat ? DoctorLevel::warn : DoctorLevel::ok, "server.public_url " + url + " is not https",
          chat ? "Slack and Teams only show images and open links reliably over https: put TLS in front and use https://"
               : "");
    try {
      auto r = http.send(http::Request::get(http::join_url(url, "healthz")));
      note_date("public_url", r);
      if (r.status == 200) add(DoctorLevel::ok, "public_url " + url + " answers GET /healthz from here");
      else
        add(DoctorLevel::fail, fmt::format("public_url {}/healthz answers {} from here", url, r.status),
            "point the reverse proxy or ingress at costbot serve (it answers /healthz with 200)");
    } catch (const std::exception& e) {
      add(DoctorLevel::fail, "public_url " + url + " cannot be reached from here: " + e.what(),
          "check DNS, the proxy or ingress in front of costbot, and that `costbot serve` runs");
    }
  }

  // --- Slack: the bot token, the scopes the code uses, Socket Mode's app token ---
  void slack() {
    const auto& s = config.slack;
    if (!s.enabled() && s.bot_token.empty()) return add(DoctorLevel::skip, "Slack: not configured");
    if (s.socket_mode()) {
      try {
        slack::WebApi api(http, s.api_url, s.app_token.reveal());
        api.call("apps.connections.open", json::object{});
        add(DoctorLevel::ok, "Slack Socket Mode: the app-level token opens a connection (apps.connections.open)");
      } catch (const http::RemoteError& e) {
        add(DoctorLevel::fail, std::string("Slack Socket Mode: apps.connections.open failed: ") + e.what(),
            e.code() == "not_allowed_token_type"
                ? "slack.app_token must be an app-level token (xapp-...), made under Basic Information > App-DoctorLevel Tokens"
                : "create an app-level token with the connections:write scope and turn Socket Mode on in the app's settings");
      } catch (const std::exception& e) {
        add(DoctorLevel::fail, std::string("Slack Socket Mode: cannot reach ") + s.api_url + ": " + e.what(),
            "check outbound https to slack.com (a proxy? http_client.proxy / HTTPS_PROXY)");
      }
    } else if (s.signing_secret.empty()) {
      add(DoctorLevel::fail, "Slack: no signing secret, so Slack's requests cannot be verified",
          "set slack.signing_secret (Basic Information > Signing Secret), or use Socket Mode with slack.app_token");
    }
    if (s.bot_token.empty())
      return add(DoctorLevel::fail, "Slack: no bot token: costbot cannot post alerts or answers",
                 "set slack.bot_token / SLACK_BOT_TOKEN (OAuth & Permissions > Bot User OAuth Token, xoxb-...)");
    http::Response r;
    try {
      auto req = http::Request::post_json(http::join_url(s.api_url, "auth.test"), "{}");
      req.header("Authorization", "Bearer " + s.bot_token.reveal());
      r = http.send(std::move(req), {http::Idempotency::idempotent, std::nullopt, std::nullopt, std::nullopt});
    } catch (const std::exception& e) {
      return add(DoctorLevel::fail, std::string("Slack: cannot reach ") + s.api_url + ": " + e.what(),
                 "check outbound https to slack.com (a proxy? http_client.proxy / HTTPS_PROXY)");
    }
    note_date("Slack", r);
    boost::system::error_code ec;
    auto answer = json::parse(r.body, ec);
    const auto* o = !ec && answer.is_object() ? &answer.as_object() : nullptr;
    auto field = [&](const char* k) {
      const auto* v = o ? o->if_contains(k) : nullptr;
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    const bool ok = o && o->if_contains("ok") && o->at("ok").is_bool() && o->at("ok").as_bool();
    if (!ok)
      return add(DoctorLevel::fail, "Slack: auth.test refused the bot token: " + (field("error").empty() ? std::to_string(r.status) : field("error")),
                 "copy the Bot User OAuth Token again (reinstalling the app changes it)");
    add(DoctorLevel::ok, fmt::format("Slack: bot token of {} in workspace {}", field("user"), field("team")));
    // The scopes the code uses (deploy/slack/manifest.yaml asks for exactly these).
    std::set<std::string> granted;
    if (auto scopes = r.header("x-oauth-scopes"))
      for (auto& scope : text::split(*scopes, ',')) granted.insert(std::string(text::trim(scope)));
    std::vector<std::pair<std::string, std::string>> needed = {
        {"chat:write", "post alerts and answers, update them after a decision"},
        {"chat:write.public", "post to persona channels costbot was not invited to"},
        {"commands", "the slash command"},
        {"app_mentions:read", "answer @costbot in channels"},
        {"im:history", "answer direct messages"},
        {"im:write", "post to a person directly"},
        {"channels:history", "find a post whose answer was lost instead of posting it twice"},
        {"groups:history", "the same in private channels"}};
    if (granted.empty()) return add(DoctorLevel::warn, "Slack: the answer named no scopes (x-oauth-scopes)", "");
    std::vector<std::string> missing;
    for (const auto& [scope, why] : needed)
      if (!granted.count(scope)) missing.push_back(scope + " (" + why + ")");
    if (missing.empty()) add(DoctorLevel::ok, "Slack: the bot has every scope costbot uses");
    else
      add(DoctorLevel::warn, "Slack: the bot token lacks " + text::join(missing, ", "),
          "add them under OAuth & Permissions > Bot Token Scopes (or from deploy/slack/manifest.yaml) and reinstall the app");
  }

  // --- Microsoft Teams: a Bot Framework token with the configured app id and secret ---
  void teams() {
    const auto& t = config.msteams;
    if (!t.bot_enabled()) return add(DoctorLevel::skip, "Microsoft Teams bot: not configured");
    if (t.tenant_id.empty() && t.token_url.empty())
      add(DoctorLevel::warn, "Teams: msteams.tenant_id is empty, so tokens come from the multi-tenant endpoint (botframework.com)",
          "Azure creates no new multi-tenant bots since July 2025: set msteams.tenant_id to the tenant of the bot's "
          "app registration (a single-tenant bot)");
    if (t.app_password.empty())
      return add(DoctorLevel::fail, "Teams: no app password: costbot cannot post to Teams",
                 "set msteams.app_password / TEAMS_APP_PASSWORD (a client secret of the bot's app registration)");
    try {
      teams::Connector connector(http, teams_app::connector_options(t), clock);
      connector.access_token();
      add(DoctorLevel::ok, "Teams: app " + t.app_id + " gets a Bot Framework token from " + t.effective_token_url());
    } catch (const std::exception& e) {
      add(DoctorLevel::fail, std::string("Teams: no Bot Framework token: ") + e.what(),
          "check msteams.app_id, msteams.tenant_id and msteams.app_password against the Azure Bot's app registration");
    }
  }

  // --- Jira Cloud: the account behind the API token ---
  void jira() {
    const auto& j = config.jira;
    if (!j.enabled()) return add(DoctorLevel::skip, "Jira: not configured (tickets stay in the local ticket outbox)");
    try {
      auto req = http::Request::get(http::join_url(j.base_url, "rest/api/3/myself"));
      req.header("Authorization", "Basic " + hash::base64_encode(j.email + ":" + j.api_token.reveal()));
      req.header("Accept", "application/json");
      auto r = http.send(std::move(req));
      note_date("Jira", r);
      if (r.status == 200) add(DoctorLevel::ok, "Jira: the API token signs in as " + j.email + " at " + j.base_url);
      else
        add(DoctorLevel::fail, fmt::format("Jira: GET /rest/api/3/myself answers {}", r.status),
            r.status == 401 ? "make a new API token at id.atlassian.com (Security > API tokens) for " + j.email
                            : "check jira.base_url (https://your-site.atlassian.net)");
    } catch (const std::exception& e) {
      add(DoctorLevel::fail, std::string("Jira: cannot reach ") + j.base_url + ": " + e.what(), "check jira.base_url and outbound https");
    }
    if (j.webhook_secret.empty())
      add(DoctorLevel::warn, "Jira: no webhook secret: ticket status changes in Jira do not come back",
          "set jira.webhook_secret and register https://YOUR_HOST/jira/webhook in Jira (System > WebHooks)");
  }

  void pagerduty() {
    const auto& p = config.pagerduty;
    if (!p.enabled()) return add(DoctorLevel::skip, "PagerDuty: not configured");
    if (p.routing_key.reveal().size() != 32)
      add(DoctorLevel::warn, "PagerDuty: the routing key is not 32 characters",
          "copy the Integration Key of an Events API v2 integration on the service");
    else add(DoctorLevel::ok, "PagerDuty: routing key set (not sent: a test event would page someone)");
  }

  void email() {
    if (!config.email.enabled()) return add(DoctorLevel::skip, "E-mail: not configured");
    add(config.email.tls == "none" ? DoctorLevel::warn : DoctorLevel::ok, "E-mail: " + config.email.smtp_url + " (tls: " + config.email.tls + ")",
        config.email.tls == "none" ? "use tls: required unless the relay is on this machine" : "");
  }

  // --- the clock: Slack and Teams refuse requests signed more than 5 minutes off ---
  void clock_skew() {
    if (remote_times.empty()) return add(DoctorLevel::skip, "clock: no service answered with a Date header to compare with");
    const UnixSeconds now = clock.now();
    for (const auto& [service, t] : remote_times) {
      const auto skew = std::llabs(static_cast<long long>(now - t));
      if (skew <= 30) add(DoctorLevel::ok, fmt::format("clock: within {} s of {}", skew, service));
      else
        add(skew > 240 ? DoctorLevel::fail : DoctorLevel::warn, fmt::format("clock: {} s off {}'s", skew, service),
            "run NTP (systemd-timesyncd or chrony): Slack signatures and Teams tokens allow 5 minutes");
    }
  }

  void data(Context& ctx) {
    try {
      auto& db = ctx.database();
      auto range = query::CostQuery(db).data_range();
      if (!range)
        return add(DoctorLevel::warn, "database " + ctx.database_path() + ": no cost data yet",
                   "configure ingest.sources and run `costbot ingest` (or `costbot demo` to try it)");
      const auto age = (clock.today() - range->second).count();
      add(age > 3 ? DoctorLevel::warn : DoctorLevel::ok,
          fmt::format("database {}: cost data {} .. {}", ctx.database_path(), format_day(range->first), format_day(range->second)),
          age > 3 ? fmt::format("the newest cost is {} days old: check ingest.sources and `costbot jobs --job ingest`", age) : "");
    } catch (const std::exception& e) {
      add(DoctorLevel::fail, std::string("database: ") + e.what(), "check database.path and its directory's permissions");
    }
  }
};

const char* doctor_label(DoctorLevel l) {
  switch (l) {
    case DoctorLevel::ok: return "OK  ";
    case DoctorLevel::warn: return "WARN";
    case DoctorLevel::fail: return "FAIL";
    case DoctorLevel::skip: return "--  ";
  }
  return "";
}

}  // namespace

void add_doctor_command(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("text");
  auto* cmd = app.add_subcommand("doctor",
                                 "Check the setup from this machine: public_url, each configured integration (tokens, scopes),\n"
                                 "the clock, the database; print what to fix. Exit 1 when something fails.");
  cmd->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&ctx, format] {
    const auto& config = ctx.config();
    http::ClientOptions options = http::ClientOptions::from(config.http_client);
    options.max_attempts = 1;
    http::Client client(options);
    Doctor d{config, client, default_clock(), {}, {}};
    d.data(ctx);
    d.public_url();
    d.slack();
    d.teams();
    d.jira();
    d.pagerduty();
    d.email();
    d.clock_skew();
    int failed = 0, warned = 0;
    for (const auto& c : d.checks) failed += c.level == DoctorLevel::fail, warned += c.level == DoctorLevel::warn;
    if (*format == "json") {
      json::array a;
      for (const auto& c : d.checks) {
        json::object o{{"level", std::string(text::trim(doctor_label(c.level)))}, {"check", c.what}};
        if (!c.fix.empty()) o["fix"] = c.fix;
        a.push_back(std::move(o));
      }
      print_json(std::cout, json::object{{"checks", a}, {"failed", failed}, {"warnings", warned}});
    } else {
      for (const auto& c : d.checks) {
        std::cout << doctor_label(c.level) << "  " << c.what << "\n";
        if (!c.fix.empty()) std::cout << "      fix: " << c.fix << "\n";
      }
      std::cout << fmt::format("{} failed, {} warning(s)\n", failed, warned);
    }
    if (failed) throw Error(ErrorKind::unavailable, fmt::format("costbot doctor: {} check(s) failed", failed));
  });
}

}  // namespace costbot::cli
