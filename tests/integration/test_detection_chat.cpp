// The detection commands in chat (anomalies, budget, forecast) over HTTP: signed slash commands to
// the real server, answers compared with the detection engine's own figures.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cmath>

#include "bot/detection/detection_commands.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/format.hpp"
#include "tests/support/cost_fixtures.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;
using std::chrono::days;

namespace {

const Day kFirst = Day(std::chrono::year(2024) / 5 / 1);
const Day kToday = Day(std::chrono::year(2024) / 8 / 21);  // the clock's day; data ends the day before

struct ChatFixture {
  testing::TempDir dir;
  testing::FakeSlack slack;
  testing::TestClock clock{start_of(kToday) + 10 * 3600};
  std::unique_ptr<testing::ServiceHarness> harness;

  ChatFixture() {
    testing::HarnessOptions options;
    options.database_path = dir.file("chat.db");
    options.slack_api_url = slack.api_url();
    options.bot_token = slack.bot_token();
    options.clock = &clock;
    options.install = [](service::Service& service) { detection_chat::install(service); };  // as `costbot serve` does
    options.configure = [](config::Config& c) {
      config::Config parsed;  // teams and detection from YAML; the harness keeps the rest
      auto issues = config::check_text(R"(
teams:
  - name: payments
    aliases: [pay-team]
    budget: {monthly: 25000, thresholds: [0.8, 1.0]}
  - name: search
detection:
  anomaly:
    scopes: [team]
  budgets:
    - name: search-compute
      scope: {team: search, service: Compute}
      monthly: 20000
)",
                                       &parsed);
      INFO(issues.to_string());
      REQUIRE(issues.empty());
      c.teams = parsed.teams;
      c.detection = parsed.detection;
    };
    harness = std::make_unique<testing::ServiceHarness>(options);
    harness->start();
    seed();
    // Two daily runs: one before yesterday's spike (the earlier one has passed by then) and today's.
    detect::run_detection(harness->db(), config(), clock.now() - 5 * 86400, kToday - days{5});
    detect::run_detection(harness->db(), config(), clock.now());
  }
  ~ChatFixture() {
    harness.reset();
    CHECK(slack.violations().empty());
  }

  const config::Config& config() { return harness->service().config(); }

  // payments: about $1,000 a day (weekends $700), a $5,000 spike eight days ago (back to normal
  // since: a resolved incident) and a $4,000 spike yesterday (open); search: a steady $400 a day.
  void seed() {
    testing::CostFixture fx(harness->db());
    const int n = (kToday - kFirst).count();
    for (int i = 0; i < n; ++i) {
      const Day d = kFirst + days{i};
      const bool weekend = weekday(d) == 0 || weekday(d) == 6;
      double pay = (weekend ? 700 : 1000) * (1 + 0.02 * std::sin(i * 1.7));
      if (i == n - 8) pay += 5000;
      if (i == n - 1) pay += 4000;
      testing::CostRow p{format_day(d), pay, "payments"};
      p.sku = "sku-compute";
      fx.add(p);
      testing::CostRow s{format_day(d), 400 * (1 + 0.01 * std::cos(i * 0.9)), "search"};
      s.sku = "sku-search";
      fx.add(s);
    }
  }

  // The text a person sees: every block's text, joined.
  std::string ask(const std::string& command, bool shared = true) {
    auto started = std::chrono::steady_clock::now();
    auto r = harness->post_slack("/slack/commands", testing::slash_command_body(command));
    auto took = std::chrono::steady_clock::now() - started;
    INFO(command << ": " << r.body);
    REQUIRE(r.status == 200);
    CHECK(took < std::chrono::seconds(3));  // inside Slack's window, answered inline
    auto body = json::parse(r.body).as_object();
    // Answers are for the asker with a Share button; errors for the asker without one.
    CHECK(body.at("response_type") == "ephemeral");
    CHECK((json::serialize(body).find("costbot.share:") != std::string::npos) == shared);
    return json::serialize(body);
  }
};

std::string money(double amount) { return fmtx::money(amount, 0, "USD"); }

}  // namespace

TEST_CASE("`anomalies` lists the open incidents with the engine's ids, severities and dollars", "[slack][detect][chat]") {
  ChatFixture f;
  auto open = detect::FindingStore(f.harness->db()).incidents(detect::FindingQuery::open());
  REQUIRE_FALSE(open.empty());
  const auto* payments = [&]() -> const detect::Incident* {
    for (const auto& i : open)
      if (i.scope_value == "payments" && i.family == "cost_anomaly") return &i;
    return nullptr;
  }();
  REQUIRE(payments);

  auto text = f.ask("anomalies");
  CHECK(text.find("Open anomalies and waste") != std::string::npos);
  CHECK(text.find("F" + std::to_string(payments->latest_finding_id)) != std::string::npos);
  CHECK(text.find(money(payments->peak_impact_per_day)) != std::string::npos);
  CHECK(text.find(payments->severity) != std::string::npos);
  double at_stake = 0;  // one team scope here: nothing nests; budget overruns are not added
  for (const auto& i : open)
    if (i.family.rfind("budget", 0) != 0) at_stake += i.peak_impact_per_day;
  CHECK(text.find(money(at_stake) + "/day") != std::string::npos);

  SECTION("one team, by alias, any case") {
    auto mine = f.ask("anomalies open Pay-Team");
    CHECK(mine.find("Open anomalies and waste · payments") != std::string::npos);
    CHECK(mine.find("F" + std::to_string(payments->latest_finding_id)) != std::string::npos);
  }
  SECTION("a team with nothing open says so") {
    auto quiet = f.ask("anomalies search");
    CHECK(quiet.find("Nothing is open for team search") != std::string::npos);
    CHECK(quiet.find("/cost anomalies all search") != std::string::npos);
  }
  SECTION("all includes closed incidents with their status") {
    detect::FindingQuery every;
    every.team = "payments";
    auto incidents = detect::FindingStore(f.harness->db()).incidents(every);
    const detect::Incident* resolved = nullptr;
    for (const auto& i : incidents)
      if (i.status == "resolved") resolved = &i;
    REQUIRE(resolved);  // the spike eight days ago, back to normal since
    auto all = f.ask("anomalies all payments");
    CHECK(all.find("F" + std::to_string(resolved->latest_finding_id)) != std::string::npos);
    CHECK(all.find("resolved") != std::string::npos);
    CHECK(f.ask("anomalies payments").find("F" + std::to_string(resolved->latest_finding_id) + " ") == std::string::npos);
  }
  SECTION("an unknown team gets the closest name") {
    auto typo = f.ask("anomalies paymnts", false);
    CHECK(typo.find("I know no team \\\"paymnts\\\"") != std::string::npos);
    CHECK(typo.find("Did you mean `payments`?") != std::string::npos);
  }
}

TEST_CASE("`budget` shows month to date, pace and status as the budget engine computes them", "[slack][detect][chat]") {
  ChatFixture f;
  const Day as_of = kToday - days{1};
  auto status = detect::team_budget_status(f.harness->db(), f.config(), "payments", as_of);
  REQUIRE(status);
  REQUIRE(status->month_to_date > 0);

  auto one = f.ask("budget payments");
  CHECK(one.find("Budget · payments · August 2024") != std::string::npos);
  CHECK(one.find(money(status->budget)) != std::string::npos);
  CHECK(one.find(money(status->month_to_date) + " · " + fmtx::percent(status->used) + " used") != std::string::npos);
  CHECK(one.find(fmtx::percent(status->pace) + " of the budget's daily share (day 20 of 31)") != std::string::npos);
  CHECK(one.find(money(status->forecast)) != std::string::npos);
  CHECK(one.find("As of Aug 20, 2024") != std::string::npos);

  auto all = f.ask("budget");
  auto statuses = detect::budget_statuses(f.harness->db(), f.config(), as_of);
  REQUIRE(statuses.size() == 2);
  for (const auto& s : statuses) {
    CHECK(all.find(s.name) != std::string::npos);
    CHECK(all.find(money(s.month_to_date)) != std::string::npos);
    CHECK(all.find(fmtx::percent(s.used)) != std::string::npos);
  }

  auto none = f.ask("budget nosuchteam", false);
  CHECK(none.find("I know no team") != std::string::npos);
  CHECK(none.find("Teams: payments, search.") != std::string::npos);  // each team once
}

TEST_CASE("`forecast` gives the month-end forecast and its 90% interval from the engine", "[slack][detect][chat]") {
  ChatFixture f;
  const Day as_of = kToday - days{1};
  auto team = detect::team_budget_status(f.harness->db(), f.config(), "payments", as_of);
  REQUIRE(team);
  auto text = f.ask("forecast payments");
  CHECK(text.find("Month-end forecast · payments · August 2024") != std::string::npos);
  CHECK(text.find(money(team->forecast)) != std::string::npos);
  CHECK(text.find(money(team->forecast_lower) + " – " + money(team->forecast_upper)) != std::string::npos);
  CHECK(text.find("forecast " + fmtx::percent(team->forecast_used) + " of it") != std::string::npos);

  // All spend: the engine's forecast over every team, and each budget's line.
  auto everything = detect::budget_status(f.harness->db(), "all spend", "", "", {}, config::BudgetConfig{0, {}}, as_of);
  auto all = f.ask("forecast");
  CHECK(all.find("Month-end forecast · all spend") != std::string::npos);
  CHECK(all.find(money(everything.forecast)) != std::string::npos);
  CHECK(all.find(money(everything.month_to_date)) != std::string::npos);
  for (const auto& s : detect::budget_statuses(f.harness->db(), f.config(), as_of))
    CHECK(all.find(money(s.forecast)) != std::string::npos);

  auto search = f.ask("forecast search");
  auto search_spend = detect::budget_status(f.harness->db(), "search", "team", "search", {{query::Dimension::team, "search"}},
                                            config::BudgetConfig{0, {}}, as_of);
  CHECK(search.find(money(search_spend.forecast)) != std::string::npos);
  CHECK(search.find("search-compute") != std::string::npos);  // the scope budget that names the team
}
