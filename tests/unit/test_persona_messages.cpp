// One fact set per finding, read differently by each persona; every template renders on every
// channel (tests/scripts/persona_messages.cmake then checks the JSON with the shared validators).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "adapters/slack/message_render.hpp"
#include "adapters/teams/adaptive_card.hpp"
#include "adapters/teams/message_render.hpp"
#include "engine/messages/style.hpp"
#include "engine/alerts/digest.hpp"
#include "engine/alerts/facts.hpp"
#include "engine/alerts/kinds.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/json_fields.hpp"
#include "tests/support/alerts_support.hpp"

using namespace costbot;
using Catch::Contains;
namespace json = boost::json;

namespace {


// The spike finding detection made from AlertsWorld::seed_spike.
detect::Finding spike(storage::Database& db) {
  for (const auto& f : detect::FindingStore(db).findings(detect::FindingQuery().with_kind("cost_spike")))
    if (f.team == "payments") return f;
  FAIL("no cost_spike finding for payments");
  return {};
}

// A persona's message rendered the way the channel's renderer does at delivery.
messages::Rendered render_for(testing::AlertsWorld& w, const config::PersonaConfig& persona, alerts::Channel channel,
                              const json::object& ctx, const std::string& event) {
  alerts::MessageRenderer renderer(w.templates(), w.config());
  auto message = renderer.message(persona, channel, event, "incident:1", ctx, 1);
  const auto& style = channel == alerts::Channel::slack   ? slack::text_style()
                      : channel == alerts::Channel::teams ? teams::text_style()
                                                          : messages::plain_style();
  return messages::render_template(w.templates(), alerts::to_string(channel), message, style);
}

std::string render_text(testing::AlertsWorld& w, const std::string& persona, alerts::Channel channel,
                        const json::object& ctx, const std::string& event) {
  auto m = render_for(w, *w.config().personas.find(persona), channel, ctx, event);
  return m.json.is_null() ? m.email_subject + "\n" + m.text : json::serialize(m.json);
}

}  // namespace

TEST_CASE("the fact set of a detected spike: scope, expected vs actual, impact, cause, budget, fix, links", "[alerts][facts]") {
  testing::AlertsWorld w;
  w.seed_spike(9000);
  auto f = spike(w.db());
  auto incident = detect::FindingStore(w.db()).incident(f.incident_id);
  auto facts = alerts::finding_facts(w.db(), w.config(), f, incident);
  INFO(json::serialize(facts));
  CHECK(json_string(facts, "subject") == "incident:" + std::to_string(f.incident_id));
  CHECK(json_string(facts, "event") == "anomaly");
  CHECK(json_string(facts, "scope_label") == "team payments");
  CHECK(json_string(facts, "day_text") == "Sep 18");
  CHECK(std::regex_match(json_string(facts, "impact_day_text"), std::regex(R"(\$\d{1,3}(,\d{3})*/day)")));
  CHECK(std::regex_match(json_string(facts, "impact_month_text"), std::regex(R"(\$\d{1,3}(,\d{3})*/month)")));
  CHECK(std::regex_match(json_string(facts, "percent_change_text"), std::regex(R"(\+\d{1,3}(,\d{3})*%)")));
  CHECK(std::regex_match(json_string(facts, "interval_text"), std::regex(R"(\$[\d,.]+ to \$[\d,.]+)")));
  CHECK_THAT(json_string(facts, "cause_sentence"), Contains("gpu"));
  CHECK_THAT(json_string(facts, "cause_sentence"), Contains("of the change"));
  CHECK(facts.at("has_budget").as_bool());
  const auto& budget = facts.at("budget").as_object();
  CHECK(json_string(budget, "monthly_text") == "$30,000");
  CHECK_THAT(json_string(budget, "pace_text"), Contains("% of pace"));
  CHECK(json_string(facts, "chart_url") == "https://costbot.example.com/charts/" + std::to_string(f.id) + ".png");
  CHECK(json_string(facts, "open_url") == "https://costbot.example.com/#incident:" + std::to_string(f.incident_id));
  CHECK(json_string(facts, "resource") == "payments-gpu-1");
  CHECK(json_string(facts, "sku") == "sku-gpu");
  CHECK_THAT(json_string(facts, "fix_command"), Contains("costbot costs --by resource"));
  CHECK(facts.at("has_team_drivers").as_bool());
  CHECK_THAT(json_string(facts, "allocation_text"), Contains("payments"));
}

TEST_CASE("every finding kind has at least one actionable recommendation", "[alerts][facts]") {
  for (const auto& kind : alerts::known_kinds()) {
    detect::Finding f;
    f.id = 5;
    f.kind = kind;
    f.scope_dimension = "team";
    f.scope_value = "payments";
    f.team = "payments";
    f.day = *parse_day("2024-09-18");
    auto recs = alerts::recommendations_for(f);  // no remediation text: the kind's own advice
    INFO(kind);
    REQUIRE_FALSE(recs.empty());
    CHECK(recs.front().text.size() > 20);
    CHECK(alerts::kind_label(kind).find('_') == std::string::npos);
    CHECK_FALSE(alerts::event_for_kind(kind).empty());
  }
}

TEST_CASE("one anomaly reads differently for the CFO, the engineer, the FinOps analyst and the engineering manager",
          "[alerts][render][personas]") {
  testing::AlertsWorld w;
  w.seed_spike(9000);
  auto f = spike(w.db());
  alerts::SubjectCache cache(w.db(), w.config());
  auto* s = cache.get(alerts::subject_of(f));
  REQUIRE(s);
  auto ctx = alerts::item_context(w.config(), *s, 1);
  const auto& facts = s->facts;
  const auto& budget = facts.at("budget").as_object();
  for (auto channel : {alerts::Channel::web, alerts::Channel::slack, alerts::Channel::email, alerts::Channel::teams}) {
    INFO("channel " << alerts::to_string(channel));
    auto cfo = render_text(w, "cfo", channel, ctx, "anomaly");
    auto engineer = render_text(w, "engineer", channel, ctx, "anomaly");
    auto analyst = render_text(w, "finops_analyst", channel, ctx, "anomaly");
    auto manager = render_text(w, "eng_manager", channel, ctx, "anomaly");
    // CFO: money in business terms — impact per month against budget and forecast, one sentence of cause.
    CHECK_THAT(cfo, Contains(json_string(facts, "impact_month_text")));
    CHECK_THAT(cfo, Contains(json_string(budget, "forecast_text")));
    CHECK_THAT(cfo, Contains(json_string(budget, "monthly_text")));
    CHECK_THAT(cfo, Contains("Why:"));
    CHECK_THAT(cfo, !Contains(json_string(facts, "fix_command")));
    CHECK_THAT(cfo, !Contains("Variance"));
    // Engineer: resource, account, region, SKU, the fix and the command.
    CHECK_THAT(engineer, Contains("payments-gpu-1"));
    CHECK_THAT(engineer, Contains("111111111111"));
    CHECK_THAT(engineer, Contains("us-east-1"));
    CHECK_THAT(engineer, Contains("sku-gpu"));
    CHECK_THAT(engineer, Contains("Fix:"));
    CHECK_THAT(engineer, Contains(json_string(facts, "fix_command")));
    CHECK_THAT(engineer, !Contains(json_string(budget, "forecast_text")));
    // FinOps analyst: variance, allocation, detector confidence.
    CHECK_THAT(analyst, Contains("Variance"));
    CHECK_THAT(analyst, Contains(json_string(facts, "variance_text")));
    CHECK_THAT(analyst, Contains(json_string(facts, "allocation_text")));
    CHECK_THAT(analyst, Contains(json_string(facts, "confidence_text")));
    CHECK_THAT(analyst, Contains("onfidence"));
    // Engineering manager: the team's budget pace and top drivers.
    CHECK_THAT(manager, Contains(json_string(budget, "pace_text")));
    CHECK_THAT(manager, Contains("Top drivers"));
    CHECK_THAT(manager, Contains(json_string(facts.at("team_drivers").as_array()[0].as_object(), "change_text")));
    CHECK_THAT(manager, !Contains(json_string(facts, "fix_command")));
    // Each leads with its own subject: the CFO's first words are money, the engineer's the resource's kind.
    CHECK(cfo != engineer);
    CHECK(analyst != manager);
  }
  // Slack text is escaped for mrkdwn, URLs are not.
  auto slack = render_text(w, "cfo", alerts::Channel::slack, ctx, "anomaly");
  CHECK_THAT(slack, Contains("<https://costbot.example.com/charts/"));
}

TEST_CASE("every persona template renders for every channel and event (written to build/rendered/personas)",
          "[alerts][render][templates]") {
  testing::TempDir scratch;
  const char* env = std::getenv("COSTBOT_RENDER_DIR");
  std::filesystem::path out = env && *env ? std::filesystem::path(env) : scratch.path();

  testing::AlertsWorld w;
  w.seed_spike(9000);
  // Awkward text on purpose: markup, quotes, ampersands and non-ASCII in names.
  testing::FindingSpec waste;
  waste.kind = "idle_compute";
  waste.severity = "medium";
  waste.resource = "i-0idle <prod> & \"legacy\" Zürich";
  waste.impact_per_day = 142.5;
  auto waste_incident = w.add_finding(waste);

  alerts::SubjectCache cache(w.db(), w.config());
  auto* anomaly = cache.get(alerts::subject_of(spike(w.db())));
  auto* idle = cache.get("incident:" + std::to_string(waste_incident));
  alerts::SubjectView* budget = nullptr;
  for (const auto& f : detect::FindingStore(w.db()).findings(detect::FindingQuery::open()))
    if (alerts::kind_group(f.kind) == "budget") budget = cache.get(alerts::subject_of(f));
  REQUIRE(anomaly);
  REQUIRE(idle);
  REQUIRE(budget);

  auto escalation = [&](json::object ctx) {
    ctx["escalation"] = json::object{{"level", "manager"}, {"is_manager", true}, {"role", "manager"}, {"hours_text", "2 hours"},
                                     {"since_text", "Sep 18 12:00 UTC"}, {"people", json::array{json::object{{"user", "U0PAYMGR"}}}},
                                     {"has_people", true}, {"people_users", json::array{json::value("U0PAYMGR")}}};
    return ctx;
  };
  struct Case {
    std::string name, event;
    json::object ctx;
  };
  auto resolved = alerts::item_context(w.config(), *anomaly, 3);
  resolved["is_resolved"] = true;
  resolved["show_ack"] = false;
  resolved["has_buttons"] = false;
  resolved["acknowledged"] = json::object{{"by", "Alice <admin>"}, {"at_text", "Sep 18 14:02 UTC"}};
  std::size_t written = 0, checked = 0;
  for (const auto& persona : {"cfo", "engineer", "finops_analyst", "eng_manager"}) {
    const auto& p = *w.config().personas.find(persona);
    for (const auto& channel_name : alerts::channel_names()) {
      const auto channel = *alerts::parse_channel(channel_name);
      std::vector<Case> cases{
          {"anomaly", "anomaly", alerts::item_context(w.config(), *anomaly, 1)},
          {"anomaly-resolved-acknowledged", "anomaly", resolved},
          {"waste", "waste", alerts::item_context(w.config(), *idle, 1)},
          {"budget", "budget", alerts::item_context(w.config(), *budget, 2)},
          {"group", "group", alerts::group_context(w.config(), {anomaly, idle, budget})},
          {"digest-daily", "digest", alerts::digest_context(w.db(), w.config(), p, "daily", 1726660800)},
          {"digest-weekly", "digest", alerts::digest_context(w.db(), w.config(), p, "weekly", 1726660800)},
          {"escalation", "escalation", escalation(alerts::item_context(w.config(), *anomaly, 1))},
      };
      for (const auto& c : cases) {
        INFO(persona << " " << channel_name << " " << c.name);
        auto m = render_for(w, p, channel, c.ctx, c.event);
        ++checked;
        const std::string base = std::string(persona) + "-" + c.name;
        if (channel == alerts::Channel::email || channel == alerts::Channel::web) {
          CHECK(m.text.size() > 40);
          CHECK(m.text.find("{{") == std::string::npos);
          CHECK(m.text.find("\n\n\n") == std::string::npos);
          if (channel == alerts::Channel::email) CHECK_FALSE(m.email_subject.empty());
          continue;
        }
        json::value file = m.json;
        if (channel == alerts::Channel::slack) {
          auto body = m.json.as_object();
          body["channel"] = "C0PAYMENTS";  // what the Slack delivery handler adds
          file = body;
          CHECK_FALSE(json_string(body, "text").empty());
        } else if (channel == alerts::Channel::teams) {
          file = teams::card_activity(m.json.as_object());
        }
        std::filesystem::create_directories(out / channel_name);
        std::ofstream(out / channel_name / (base + ".json")) << json::serialize(file);
        ++written;
      }
    }
  }
  CHECK(checked == 4 * 5 * 8);
  CHECK(written == 4 * 3 * 8);
}
