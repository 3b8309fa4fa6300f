#include <catch2/catch.hpp>

#include "engine/config/config.hpp"
#include "engine/ingest/normalizer.hpp"

using namespace costbot;
using ingest::CostRecord;
using ingest::TagFormat;

namespace {

config::Config config_from(const std::string& yaml) {
  config::Config c;
  auto issues = config::check_text(yaml, &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

const char* kConfig = R"(
currency:
  base: USD
  rates: {EUR: 1.10, JPY: 0.0070}
tags:
  aliases:
    team: [owner-team, squad, business_unit]
    environment: [env, stage]
attribution:
  - tag: team
    map: {ViennaAI: data-platform}
  - account: "1111*"
    provider: AWS
    team: core
  - name_pattern: "*Payments*"
    team: payments
  - service: "Amazon Simple*"
    team: platform
  - team: shared
teams:
  - name: payments
    aliases: [pay-team, Payment]
  - name: data-platform
  - name: platform
  - name: core
  - name: shared
)";

CostRecord record(std::string_view tags = {}, TagFormat format = TagFormat::json_object) {
  CostRecord r;
  r.provider = "AWS";
  r.currency = "USD";
  r.billed_cost = 10;
  r.effective_cost = 8;
  r.list_cost = 12;
  r.tags = tags;
  r.tag_format = tags.empty() ? TagFormat::none : format;
  return r;
}

}  // namespace

TEST_CASE("tag keys are case-folded, trimmed and mapped through the configured aliases", "[ingest][normalize]") {
  auto config = config_from(kConfig);
  ingest::Normalizer n(config);
  ingest::Normalized out;
  std::string error;
  auto r = record(R"({" Owner-Team ": "pay-team", "ENV": "Production", "CostCenter": 1234, "flag": true})");
  REQUIRE(n.apply(r, out, error));
  CHECK(out.tags->json == R"({"costcenter":"1234","environment":"Production","flag":"true","team":"pay-team"})");
  CHECK(out.environment == "prod");
  CHECK(out.team == "payments");  // tag value pay-team is an alias of the payments team
}

TEST_CASE("a tag written under its canonical key wins over an alias of it", "[ingest][normalize]") {
  auto config = config_from(kConfig);
  ingest::Normalizer n(config);
  ingest::Normalized out;
  std::string error;
  auto r = record(R"({"squad": "platform", "Team": "payments", "owner-team": "core"})");
  REQUIRE(n.apply(r, out, error));
  CHECK(*out.tags->find("team") == "payments");
  CHECK(out.team == "payments");
}

TEST_CASE("provider tag formats all normalize the same way", "[ingest][normalize]") {
  auto config = config_from(kConfig);
  ingest::Normalizer n(config);
  ingest::Normalized out;
  std::string error;
  SECTION("CUR 2.0 user_ prefix") {
    auto r = record(R"({"user_team":"ViennaAI","user_stage":"staging"})");
    r.tag_key_prefix = "user_";
    REQUIRE(n.apply(r, out, error));
    CHECK(out.team == "data-platform");  // the tag rule's map rewrites ViennaAI
    CHECK(out.environment == "staging");
  }
  SECTION("Azure fragment without braces") {
    auto r = record(R"("owner-team": "Payment","env": "dev")", TagFormat::json_fragment);
    REQUIRE(n.apply(r, out, error));
    CHECK(out.team == "payments");
    CHECK(out.environment == "dev");
  }
  SECTION("GCP key/value list") {
    auto r = record(R"([{"key":"squad","value":"platform"},{"key":"env","value":"prd"}])", TagFormat::key_value_list);
    REQUIRE(n.apply(r, out, error));
    CHECK(out.team == "platform");
    CHECK(out.environment == "prod");
  }
}

TEST_CASE("attribution rules apply in order: tag, account, name pattern, service, default", "[ingest][normalize]") {
  auto config = config_from(kConfig);
  ingest::Normalizer n(config);
  ingest::Normalized out;
  std::string error;
  auto r = record();
  r.sub_account_id = "111122223333";
  r.resource_id = "arn:aws:ec2:i-payments-01";
  r.service_name = "Amazon Simple Queue Service";
  REQUIRE(n.apply(r, out, error));
  CHECK(out.team == "core");  // the account rule comes before the name pattern
  r.provider = "Microsoft";   // the account rule is for AWS only
  REQUIRE(n.apply(r, out, error));
  CHECK(out.team == "payments");  // name pattern, case-insensitive
  r.resource_id = "i-0abc";
  REQUIRE(n.apply(r, out, error));
  CHECK(out.team == "platform");
  r.service_name = "Compute";
  REQUIRE(n.apply(r, out, error));
  CHECK(out.team == "shared");
  auto tagged = record(R"({"team": "someone-else"})");
  REQUIRE(n.apply(tagged, out, error));
  CHECK(out.team == "someone-else");  // a team tag not in the config is still the team
}

TEST_CASE("amounts are converted into the base currency and an unknown currency rejects the row", "[ingest][normalize]") {
  auto config = config_from(kConfig);
  ingest::Normalizer n(config);
  ingest::Normalized out;
  std::string error;
  auto r = record();
  r.currency = "EUR";
  REQUIRE(n.apply(r, out, error));
  CHECK(r.billed_cost == Approx(11.0));
  CHECK(r.effective_cost == Approx(8.8));
  CHECK(r.list_cost == Approx(13.2));
  auto usd = record();
  REQUIRE(n.apply(usd, out, error));
  CHECK(usd.billed_cost == 10);
  auto unknown = record();
  unknown.currency = "CHF";
  CHECK_FALSE(n.apply(unknown, out, error));
  CHECK(error == "currency \"CHF\" has no rate in currency.rates (base currency USD)");
}

TEST_CASE("tags that are not JSON reject the row with a reason", "[ingest][normalize]") {
  auto config = config_from(kConfig);
  ingest::Normalizer n(config);
  ingest::Normalized out;
  std::string error;
  auto r = record("{team: payments");
  CHECK_FALSE(n.apply(r, out, error));
  CHECK_THAT(error, Catch::StartsWith("tags: not a JSON object"));
}

TEST_CASE("environment values are normalized to a few canonical names", "[ingest][normalize]") {
  CHECK(ingest::Normalizer::normalize_environment(" Production ") == "prod");
  CHECK(ingest::Normalizer::normalize_environment("STG") == "staging");
  CHECK(ingest::Normalizer::normalize_environment("development") == "dev");
  CHECK(ingest::Normalizer::normalize_environment("QA") == "test");
  CHECK(ingest::Normalizer::normalize_environment("perf") == "perf");
}
