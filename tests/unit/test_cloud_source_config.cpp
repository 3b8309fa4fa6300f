// ingest.sources[] for cloud locations: location:, credentials:, options:, every: / schedule:,
// checked with their paths named; and the same checks for a URL's query on the command line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "engine/config/config.hpp"
#include "engine/ingest/remote_source.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {

bool has_issue(const std::vector<std::string>& issues, const std::string& text) {
  return std::any_of(issues.begin(), issues.end(), [&](const std::string& i) { return i.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("a cloud source in three lines: location, credentials, every", "[config][cloud-config]") {
  config::Config c;
  auto issues = config::check_text(R"(
ingest:
  sources:
    - name: aws-cur
      type: cur
      location: s3://my-billing/exports/cur2/
      credentials: {role_arn: "arn:aws:iam::123456789012:role/costbot-billing-read", external_id: acme-costbot}
      options: {region: eu-west-1}
      every: 30m
)",
                                   &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  REQUIRE(c.ingest.sources.size() == 1);
  const auto& s = c.ingest.sources[0];
  CHECK(s.location == "s3://my-billing/exports/cur2/");
  CHECK(s.credentials.at("role_arn") == "arn:aws:iam::123456789012:role/costbot-billing-read");
  CHECK(s.every_seconds == 1800);

  auto locations = ingest::configured_remote_locations(c);
  REQUIRE(locations.size() == 1);
  const auto& l = locations[0];
  CHECK(l.scheme == "s3");
  CHECK(l.base == "s3://my-billing/exports/cur2/");
  CHECK(l.type == ingest::SourceType::cur);
  CHECK(l.setting("external_id") == "acme-costbot");
  CHECK(l.setting("region") == "eu-west-1");
  CHECK(l.where("role_arn") == "ingest.sources[0].credentials.role_arn");
  CHECK(l.where("region") == "ingest.sources[0].options.region");
  CHECK(l.every_seconds == 1800);
}

TEST_CASE("cloud source mistakes are named with their path", "[config][cloud-config]") {
  auto issues = testing::config_issues(R"(
ingest:
  sources:
    - name: a
      type: cur
      location: s3://b/p/
      credentials:
        role_arn: costbot-read
        secret_access_key: wJalrXUtnFEMI
        rolearn: x
      options: {region: Ireland, page_size: "5000", colour: blue}
      every: 10s
    - name: b
      type: focus
      paths: ["s3://b/focus/"]
    - name: c
      type: focus
      paths: ["/exports/*.csv"]
      every: 1h
    - name: d
      type: cur
      location: "s3://b/p/?profile=x"
    - name: e
      type: cur
      location: s3://b/p/
      credentials: {external_id: acme, access_key_id_env: MY_KEY}
      schedule: "every day"
    - name: f
      type: cur
      location: s4://b/p/
    - name: g
      location: aws-cost-explorer://billing
)");
  CHECK(has_issue(issues, "ingest.sources[0].credentials.role_arn: expected an IAM role ARN"));
  CHECK(has_issue(issues, "ingest.sources[0].credentials.secret_access_key: secrets never go in the config: use secret_access_key_env"));
  CHECK(has_issue(issues, "ingest.sources[0].credentials.rolearn: unknown for AWS Data Exports"));
  CHECK(has_issue(issues, "ingest.sources[0].options.region: expected an AWS region such as eu-west-1"));
  CHECK(has_issue(issues, "ingest.sources[0].options.page_size: expected a number from 1 to 1000"));
  CHECK(has_issue(issues, "ingest.sources[0].options.colour: unknown"));
  CHECK(has_issue(issues, "ingest.sources[0].every: at least 1m"));
  CHECK(has_issue(issues, "ingest.sources[1].paths: \"s3://b/focus/\" is a cloud location: write it as location:"));
  CHECK(has_issue(issues, "ingest.sources[2].every: only for a cloud source (location:)"));
  CHECK(has_issue(issues, "ingest.sources[3].location: no ?settings in the location here"));
  CHECK(has_issue(issues, "ingest.sources[4].credentials: access_key_id_env and secret_access_key_env go together"));
  CHECK(has_issue(issues, "ingest.sources[4].credentials.external_id: goes with role_arn"));
  CHECK(has_issue(issues, "ingest.sources[4].schedule: \"every day\" is not a valid cron expression"));
  CHECK(has_issue(issues, "ingest.sources[5].location: no cloud source reads s4:// (known: s3://, aws-cost-explorer://, https://"));
  CHECK(has_issue(issues, "ingest.sources[6].location: expected aws-cost-explorer://ACCOUNT_ID"));
  // The secret's value is never repeated back.
  CHECK_FALSE(has_issue(issues, "wJalrXUtnFEMI"));
}

TEST_CASE("a command-line URL's query gets the same checks as the config", "[config][cloud-config]") {
  auto l = ingest::parse_remote_location("s3://b/p/?profile=billing&region=eu-west-1&path_style=true",
                                         ingest::SourceType::focus);
  REQUIRE(l);
  CHECK(l->base == "s3://b/p/");
  CHECK(l->setting("profile") == "billing");
  CHECK(l->where("profile") == "profile= in the URL");
  CHECK_THROWS_WITH(ingest::parse_remote_location("s3://b/p/?rolearn=x", ingest::SourceType::focus),
                    Catch::Contains("unknown setting rolearn=") && Catch::Contains("role_arn"));
  CHECK_THROWS_WITH(ingest::parse_remote_location("s3://b/p/?role_arn=nope", ingest::SourceType::focus),
                    Catch::Contains("role_arn=: expected an IAM role ARN"));
  CHECK_FALSE(ingest::parse_remote_location("/exports/a.csv", ingest::SourceType::focus));
}

TEST_CASE("the example config's commented sources are valid once uncommented", "[config][cloud-config]") {
  std::ifstream in(testing::source_path("config/costbot.example.yaml"));
  std::string line, yaml = "ingest:\n";
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.starts_with("  #   sources:")) inside = true;
    if (inside && !line.starts_with("  #   ")) break;
    if (inside) yaml += line.substr(4) + "\n";  // "  #   sources:" → "  sources:"
  }
  REQUIRE(yaml.find("location: s3://") != std::string::npos);
  REQUIRE(yaml.find("location: aws-cost-explorer://") != std::string::npos);
  REQUIRE(yaml.find("location: bq://") != std::string::npos);
  config::Config c;
  auto issues = config::check_text(yaml, &c);
  INFO(yaml);
  INFO(issues.to_string());
  CHECK(issues.empty());
  CHECK(ingest::configured_remote_locations(c).size() == 4);
}
