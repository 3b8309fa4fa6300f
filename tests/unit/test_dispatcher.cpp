#include <catch2/catch.hpp>

#include "bot/commands/dispatcher.hpp"
#include "bot/commands/replies.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

#include <thread>
#include "tests/support/cost_data.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {

struct DispatcherFixture {
  testing::TempDir dir;
  storage::Database db = storage::open_migrated(dir.file("d.db"));
  Day today = *parse_day("2024-09-18");
  commands::Invocation inv;
  DispatcherFixture() {
    testing::seed_cost_data(db, today, {40, 30, 3});
    inv.actor = {"slack", "U1", "alice"};
    inv.channel = "C1";
    inv.db = &db;
    inv.now = start_of(today) + 100;
  }
  std::string all_text(const chat::Reply& r) {
    std::string out = r.title + "\n";
    for (const auto& b : r.blocks) {
      if (auto* t = std::get_if<chat::TextBlock>(&b)) out += t->text + "\n";
      if (auto* t = std::get_if<chat::ContextBlock>(&b)) out += t->text + "\n";
      if (auto* t = std::get_if<chat::TableBlock>(&b))
        for (const auto& row : t->rows) out += text::join(row, " | ") + "\n";
      if (auto* f = std::get_if<chat::FieldsBlock>(&b))
        for (const auto& field : f->fields) out += field.label + ": " + field.value + "\n";
    }
    return out;
  }
};

}  // namespace

TEST_CASE("top answers from the cost data in the order and amounts the query layer gives", "[commands][dispatcher]") {
  DispatcherFixture f;
  commands::Dispatcher d({});
  auto reply = d.run("top 3 by team last 7d", f.inv);
  auto period = *query::parse_period("7d", f.today);
  auto expected = query::CostQuery(f.db).totals(query::Dimension::team, period, {}, 3);
  REQUIRE(expected.size() == 3);
  auto* table = std::get_if<chat::TableBlock>(&reply.blocks.at(0));
  REQUIRE(table);
  REQUIRE(table->rows.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(table->rows[i][1] == (expected[i].key.empty() ? "(unallocated)" : expected[i].label));
    CHECK(table->rows[i][2] == fmtx::money(expected[i].effective, 2));
  }
  CHECK(reply.title == "Top 3 teams · last 7 days");
  // Cost figures go to whoever asked, with a button that shares them (the same command, canonical).
  CHECK(reply.visibility == chat::Visibility::ephemeral);
  auto* share = std::get_if<chat::ActionsBlock>(&reply.blocks.back());
  REQUIRE(share);
  REQUIRE(share->buttons.size() == 1);
  CHECK(share->buttons[0].verb == chat::ActionVerb::share);
  CHECK(share->buttons[0].subject == "command:top 3 by team 7d");
  CHECK(share->buttons[0].label == "Share to channel");
  // Shared: the same answer for everyone, without the button, saying who shared it.
  auto shared = commands::shared_answer(reply, "Dana");
  CHECK(shared.visibility == chat::Visibility::in_channel);
  CHECK_FALSE(commands::has_share_button(shared));
  CHECK(std::get<chat::ContextBlock>(shared.blocks.back()).text == "Shared by Dana");
  // A refusal or a parse error gets no button.
  CHECK_FALSE(commands::has_share_button(d.run("top 3 last fortnight", f.inv)));
  CHECK_FALSE(commands::has_share_button(d.run("topp", f.inv)));
}

TEST_CASE("a cached query reply is reused until the cost data changes", "[commands][dispatcher]") {
  DispatcherFixture f;
  commands::DispatcherOptions options;
  options.cache_ttl = std::chrono::seconds(60);
  options.cache_recheck = std::chrono::milliseconds(0);
  commands::Dispatcher d(options);
  auto command = *commands::parse("top 5").command;
  CHECK_FALSE(d.cached(command, f.inv));
  auto first = d.dispatch(command, f.inv);
  REQUIRE(d.cached(command, f.inv));
  CHECK(f.all_text(d.cached(command, f.inv)->reply()) == f.all_text(first));
  int renders = 0;
  auto render = [&](const chat::Reply& r) { ++renders; return r.title; };
  auto hit = d.cached(command, f.inv);
  CHECK(hit->rendered("slack", render) == first.title);
  CHECK(d.cached(command, f.inv)->rendered("slack", render) == first.title);
  CHECK(renders == 1);
  // New data: a day's rows for one big service. The cached reply must not be served again.
  f.db.sql().exec("INSERT INTO cost_daily(scope_id, day, key_hash, provider, service_name, effective_cost, billed_cost) "
                  "VALUES (1, '2024-09-18', 999999, 'AWS', 'Brand New Service', 1000000, 1000000)");
  CHECK_FALSE(d.cached(command, f.inv));
  CHECK(f.all_text(d.dispatch(command, f.inv)).find("Brand New Service") != std::string::npos);
}

TEST_CASE("team resolves names and aliases and suggests the closest team", "[commands][dispatcher]") {
  DispatcherFixture f;
  commands::DispatcherOptions options;
  config::TeamConfig payments;
  payments.name = "payments";
  payments.aliases = {"pay-team"};
  payments.budget.monthly = 12000;
  options.teams = {payments};
  commands::Dispatcher d(options);
  auto by_alias = f.all_text(d.run("team PAY-TEAM mtd", f.inv));
  CHECK(by_alias.find("Team payments") != std::string::npos);
  CHECK(by_alias.find("Budget (month): $12,000") != std::string::npos);
  CHECK(f.all_text(d.run("team platform", f.inv)).find("Team platform") != std::string::npos);  // from the data
  CHECK(f.all_text(d.run("team paymnts", f.inv)).find("Did you mean `payments`?") != std::string::npos);
}

TEST_CASE("registered handlers take over a command, unregistered ones say they are not available", "[commands][dispatcher]") {
  DispatcherFixture f;
  commands::Dispatcher d({});
  CHECK(f.all_text(d.run("anomalies", f.inv)).find("not available") != std::string::npos);
  // Subscriptions belong to the alerts engine (bot/alerts installs them): one implementation.
  CHECK(f.all_text(d.run("subscribe cfo", f.inv)).find("no alerts engine") != std::string::npos);
  d.on("anomalies", [](const commands::Command& c, commands::Invocation&) {
    chat::Reply r;
    r.text(std::get<commands::Anomalies>(c).all ? "all of them" : "open ones");
    return r;
  }, commands::Speed::may_be_slow);
  CHECK(f.all_text(d.run("anomalies all", f.inv)).find("all of them") != std::string::npos);
  CHECK(d.speed_of(*commands::parse("anomalies").command) == commands::Speed::may_be_slow);
  CHECK_THROWS(d.on("nonsense", {}));
}
