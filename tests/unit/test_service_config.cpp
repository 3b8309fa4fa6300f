#include <catch2/catch.hpp>

#include <cstdlib>

#include "bot/server/server.hpp"
#include "engine/config/config.hpp"
#include "engine/util/error.hpp"

using namespace costbot;

TEST_CASE("server, http_client, outbox, commands and slack sections read with defaults", "[config][service]") {
  config::Config c;
  auto issues = config::check_text(R"(
server:
  listen: 0.0.0.0:9090
  read_timeout: 5s
  body_limit_bytes: 2048
  threads: 4
http_client:
  plain_http: deny
  max_retry_wait: 1m
outbox:
  backoff_max: 5m
slack:
  command: /spend
  ack_budget_ms: 1500
)", &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  CHECK(c.server.listen == "0.0.0.0:9090");
  CHECK(c.server.read_timeout == 5);
  CHECK(c.server.idle_timeout == 60);
  CHECK(c.http_client.plain_http == "deny");
  CHECK(c.http_client.max_retry_wait == 60);
  CHECK(c.outbox.backoff_max == 300);
  CHECK(c.slack.command == "/spend");
  auto options = server::ServerOptions::from(c.server, "127.0.0.1:7000");
  CHECK(options.host == "127.0.0.1");
  CHECK(options.port == 7000);
  CHECK(options.read_timeout == std::chrono::seconds(5));
  CHECK(options.body_limit == 2048);
  CHECK_THROWS_AS(server::ServerOptions::from(c.server, "nonsense"), Error);
}

TEST_CASE("bad service settings are named by their key path", "[config][service]") {
  auto [yaml, path] = GENERATE(table<const char*, const char*>({
      {"server: {listen: localhost}", "server.listen"},
      {"server: {lisen: 127.0.0.1:80}", "server.lisen"},
      {"server: {threads: 0}", "server.threads"},
      {"server: {read_timeout: soon}", "server.read_timeout"},
      {"server: {public_url: ftp://x}", "server.public_url"},
      {"http_client: {plain_http: sometimes}", "http_client.plain_http"},
      {"outbox: {lease: 1s}", "outbox.lease"},
      {"slack: {command: cost}", "slack.command"},
      {"slack: {ack_budget_ms: 5000}", "slack.ack_budget_ms"},
      {"slack: {api_url: slack.com}", "slack.api_url"},
      {"slack: {signing_secret: {env: COSTBOT_TEST_UNSET_VARIABLE}}", "slack.signing_secret.env"},
      {"commands: {top_default: 500}", "commands.top_default"},
  }));
  auto issues = config::check_text(yaml);
  INFO(yaml << "\n" << issues.to_string());
  REQUIRE_FALSE(issues.empty());
  CHECK(issues.all().front().path == path);
}

TEST_CASE("Slack secrets and the API URL fall back to the usual environment variables", "[config][service]") {
  ::setenv("SLACK_SIGNING_SECRET", "from-env-secret", 1);
  ::setenv("SLACK_BOT_TOKEN", "xoxb-from-env", 1);
  ::setenv("SLACK_API_URL", "http://127.0.0.1:1234/api", 1);
  config::Config c;
  REQUIRE(config::check_text("database: {path: x.db}", &c).empty());
  ::unsetenv("SLACK_SIGNING_SECRET");
  ::unsetenv("SLACK_BOT_TOKEN");
  ::unsetenv("SLACK_API_URL");
  CHECK(c.slack.enabled());
  CHECK(c.slack.signing_secret.reveal() == "from-env-secret");
  CHECK(c.slack.signing_secret.source() == "env SLACK_SIGNING_SECRET");
  CHECK(c.slack.bot_token.reveal() == "xoxb-from-env");
  CHECK(c.slack.api_url == "http://127.0.0.1:1234/api");
  config::Config none;
  REQUIRE(config::check_text("{}", &none).empty());
  CHECK_FALSE(none.slack.enabled());
  CHECK(none.slack.api_url == "https://slack.com/api");
}

TEST_CASE("server.public_url is the one base of links, approvals.public_url is its deprecated alias", "[config][service]") {
  config::Config derived;
  REQUIRE(config::check_text("server: {listen: 0.0.0.0:9090}", &derived).empty());
  CHECK(derived.server.public_url == "http://127.0.0.1:9090");
  CHECK(derived.server.public_url_derived);

  config::Config own;
  REQUIRE(config::check_text("server: {public_url: https://costbot.example.com/}", &own).empty());
  CHECK(own.server.public_url == "https://costbot.example.com");
  CHECK_FALSE(own.server.public_url_derived);

  config::Config alias;
  REQUIRE(config::check_text("approvals: {public_url: https://old.example.com/}", &alias).empty());
  CHECK(alias.server.public_url == "https://old.example.com");
  CHECK(alias.server.public_url_alias == "approvals.public_url");

  config::Config same;
  CHECK(config::check_text("approvals: {public_url: https://a.example.com}\nserver: {public_url: https://a.example.com}", &same)
            .empty());

  auto conflict = config::check_text("approvals: {public_url: https://a.example.com}\nserver: {public_url: https://b.example.com}");
  REQUIRE(conflict.size() == 1);
  CHECK(conflict.all().front().path == "server.public_url");
  CHECK_THAT(conflict.all().front().message, Catch::Contains("deprecated approvals.public_url"));

  auto bad_alias = config::check_text("approvals: {public_url: costbot.example.com}");
  REQUIRE(bad_alias.size() == 1);
  CHECK(bad_alias.all().front().path == "approvals.public_url");
}
