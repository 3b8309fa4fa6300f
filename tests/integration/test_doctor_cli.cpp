// `costbot doctor` against loopback stand-ins: what it finds wrong and what it says to do.
#include <catch2/catch.hpp>

#include "adapters/http/retry_after.hpp"
#include "tests/support/fake_http_server.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("costbot doctor checks public_url, Slack's token and scopes, Jira, the clock, and says what to fix", "[doctor][cli]") {
  testing::TempDir dir;
  testing::FakeHttpServer slack, jira, proxy;
  // Slack: a valid bot token that lacks chat:write.public, answering with a clock 10 minutes ahead.
  slack.on("POST", "/api/auth.test", [](const testing::RecordedRequest& r) {
    if (r.header("authorization") != "Bearer xoxb-doctor-test") return testing::ScriptedResponse::json(200, R"({"ok":false,"error":"invalid_auth"})");
    return testing::ScriptedResponse::json(200, R"({"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"costbot","team_id":"T1","user_id":"U1"})")
        .header("x-oauth-scopes", "app_mentions:read,chat:write,commands,im:history")
        .header("Date", http::format_http_date(default_clock().now() + 600));
  });
  jira.on("GET", "/rest/api/3/myself", testing::ScriptedResponse::json(401, R"({"message":"Client must be authenticated"})"));
  proxy.on("GET", "/healthz", testing::ScriptedResponse::text(502, "Bad Gateway"));
  auto config = dir.write("costbot.yaml", "server:\n  public_url: " + proxy.url() +
                                              "\nslack:\n  signing_secret: doctor-signing-secret\n  bot_token: xoxb-doctor-test\n"
                                              "  api_url: " + slack.url() + "/api\n"
                                              "jira:\n  base_url: " + jira.url() + "\n  email: bot@example.com\n  api_token: doctor-jira-token\n");
  auto r = testing::run_costbot({"--config", config, "--db", dir.file("d.db"), "doctor"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("FAIL  public_url " + proxy.url() + "/healthz answers 502"));
  CHECK_THAT(r.out, Catch::Contains("WARN  server.public_url " + proxy.url() + " is not https"));
  CHECK_THAT(r.out, Catch::Contains("OK    Slack: bot token of costbot in workspace Acme"));
  CHECK_THAT(r.out, Catch::Contains("WARN  Slack: the bot token lacks chat:write.public"));
  CHECK_THAT(r.out, Catch::Contains("fix: add them under OAuth & Permissions"));
  CHECK_THAT(r.out, Catch::Contains("FAIL  Jira: GET /rest/api/3/myself answers 401"));
  CHECK_THAT(r.out, Catch::Contains("FAIL  clock: 600 s off Slack's") || Catch::Contains("FAIL  clock: 599 s off Slack's") ||
                        Catch::Contains("FAIL  clock: 601 s off Slack's"));
  CHECK_THAT(r.out, Catch::Contains("fix: run NTP"));
  CHECK_THAT(r.out, Catch::Contains("--    Microsoft Teams bot: not configured"));
  // No secret in what it prints.
  CHECK_THAT(r.out + r.err, !Catch::Contains("xoxb-doctor-test") && !Catch::Contains("doctor-jira-token"));
}

TEST_CASE("costbot doctor gets a Teams token with the configured app and says when the bot is multi-tenant", "[doctor][cli]") {
  testing::TempDir dir;
  testing::FakeHttpServer entra;
  entra.on("POST", "/token", [](const testing::RecordedRequest& r) {
    if (r.body.find("client_secret=right-secret") == std::string::npos)
      return testing::ScriptedResponse::json(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
    return testing::ScriptedResponse::json(200, R"({"token_type":"Bearer","expires_in":3600,"access_token":"teams-doctor-token"})");
  });
  auto config_with = [&](const std::string& secret) {
    return dir.write("costbot-" + secret + ".yaml", "server:\n  public_url: https://costbot.example.com\n"
                                                    "msteams:\n  app_id: 00000000-0000-0000-0000-000000000001\n"
                                                    "  app_password: " + secret + "\n  token_url: " + entra.url() + "/token\n");
  };
  auto good = testing::run_costbot({"--config", config_with("right-secret"), "--db", dir.file("d.db"), "doctor"});
  INFO(good.out << good.err);
  CHECK_THAT(good.out, Catch::Contains("OK    Teams: app 00000000-0000-0000-0000-000000000001 gets a Bot Framework token from " +
                                        entra.url() + "/token"));
  auto bad = testing::run_costbot({"--config", config_with("wrong-secret"), "--db", dir.file("d.db"), "doctor"});
  INFO(bad.out << bad.err);
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Catch::Contains("FAIL  Teams: no Bot Framework token"));
  CHECK_THAT(bad.out + bad.err, !Catch::Contains("wrong-secret") && !Catch::Contains("teams-doctor-token"));

  // No tenant and no token URL: the multi-tenant endpoint, which new bots cannot use. (No secret
  // either, so nothing is sent to the real endpoint.)
  auto multi = dir.write("multi.yaml", "msteams:\n  app_id: 00000000-0000-0000-0000-000000000001\n");
  auto m = testing::run_costbot({"--config", multi, "--db", dir.file("d.db"), "doctor"}, {"TEAMS_TOKEN_URL=", "TEAMS_APP_PASSWORD="});
  INFO(m.out << m.err);
  CHECK_THAT(m.out, Catch::Contains("WARN  Teams: msteams.tenant_id is empty"));
  CHECK_THAT(m.out, Catch::Contains("FAIL  Teams: no app password"));
  CHECK_THAT(m.out, Catch::Contains("FAIL  server.public_url is not set"));
}
