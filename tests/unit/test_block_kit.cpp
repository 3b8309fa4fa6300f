#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "adapters/slack/block_kit.hpp"
#include "bot/actions/action_handler.hpp"
#include "bot/actions/buttons.hpp"
#include "bot/commands/dispatcher.hpp"
#include "bot/alerts/subscription_commands.hpp"
#include "bot/commands/replies.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/cost_data.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

void write(const std::string& name, const json::object& body) {
  auto dir = std::filesystem::path(testing::build_path("rendered/slack"));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / (name + ".json")) << json::serialize(body);
}

// What Slack and the validator insist on and is easy to get wrong in code.
void check_message(const json::object& body) {
  REQUIRE(body.contains("text"));
  CHECK(!body.at("text").as_string().empty());
  if (!body.contains("blocks")) return;
  auto& blocks = body.at("blocks").as_array();
  CHECK(blocks.size() <= 50);
  std::set<std::string> action_ids;
  for (const auto& b : blocks) {
    auto& block = b.as_object();
    if (block.at("type") == "section" && block.contains("text")) CHECK(block.at("text").at("text").as_string().size() <= 3000);
    if (block.at("type") == "actions")
      for (const auto& e : block.at("elements").as_array()) CHECK(action_ids.insert(std::string(e.at("action_id").as_string())).second);
  }
}

}  // namespace

TEST_CASE("every Slack message kind renders as valid Block Kit (written to build/rendered/slack)", "[slack][render]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  Day today = *parse_day("2024-09-18");
  testing::seed_cost_data(db, today, {30, 60, 7});
  commands::DispatcherOptions options;
  config::TeamConfig payments;
  payments.name = "payments";
  payments.budget.monthly = 12000;
  options.teams = {payments};
  commands::Dispatcher d(options);
  commands::Invocation inv;
  inv.actor = {"slack", "U1", "alice"};
  inv.channel = "C1";
  inv.db = &db;
  inv.now = start_of(today) + 3600;

  std::map<std::string, chat::Reply> replies;
  replies["help"] = d.run("help", inv);
  replies["help-top"] = d.run("help top", inv);
  replies["unknown-command"] = d.run("tpo 5", inv);
  replies["malformed-command"] = d.run("top 500", inv);
  replies["top"] = d.run("top 5 last 7d", inv);
  replies["top-by-team"] = d.run("top 10 by team 30d", inv);
  replies["top-no-data"] = d.run("top 2019-01", inv);
  replies["team"] = d.run("team payments mtd", inv);
  replies["team-unknown"] = d.run("team paymnts", inv);
  const auto personas = testing::load_config_text("{}\n");  // the built-in personas
  alerts_app::install_subscription_commands(d, personas);  // as the service installs them
  replies["subscribe"] = d.run("subscribe cfo", inv);
  replies["subscribe-unknown"] = d.run("subscribe cfoo", inv);
  replies["unsubscribe"] = d.run("unsubscribe", inv);
  replies["not-available"] = d.run("anomalies", inv);
  replies["working-on-it"] = commands::working_on(*commands::parse("top 5").command);
  replies["failure"] = commands::failure("abc-12");
  for (const auto& [name, reply] : replies) {
    INFO(name);
    auto body = slack::render_response(reply);
    check_message(body);
    write("command-" + name, body);
  }
  // A query answer is for the asker, with a Share button; shared, it is for the channel.
  const auto top = json::serialize(slack::render_response(replies["top"]));
  CHECK(top.find("\"response_type\":\"ephemeral\"") != std::string::npos);
  CHECK(top.find("costbot.share:command:") != std::string::npos);
  const auto shared = commands::shared_answer(replies["top"], "Dana Kim");
  write("command-top-shared", slack::render_response(shared));
  CHECK(json::serialize(slack::render_response(shared)).find("in_channel") != std::string::npos);
  CHECK(json::serialize(slack::render_response(replies["unknown-command"])).find("ephemeral") != std::string::npos);
  CHECK(replies["unknown-command"].summary().find("Did you mean") != std::string::npos);

  // An approval request and an anomaly alert, as chat.postMessage bodies.
  chat::Reply approval;
  approval.title = "Approval needed: stop 14 idle instances";
  approval.text("*payments* asks to stop 14 idle EC2 instances in prod-payments <staging>, saving about $3,100 a month.");
  approval.fields({{"Requested by", "Dana Kim"}, {"Saving", "$3,100 / month"}, {"Stage", "1 of 2 (team lead)"}});
  approval.actions(actions::approval_buttons("approval:42"));
  approval.visibility = chat::Visibility::in_channel;
  auto post = slack::render_message(approval);
  post["channel"] = "C0PAYMENTS";
  check_message(post);
  write("approval-request", post);
  CHECK(json::serialize(post).find("&lt;staging&gt;") != std::string::npos);
  CHECK(json::serialize(post).find("costbot.approve:approval:42") != std::string::npos);
  CHECK(post.at("blocks").as_array().back().at("elements").at(0).as_object().contains("confirm"));

  chat::Reply alert;
  alert.title = "Cost anomaly: Amazon EC2 +38% for payments";
  alert.text("EC2 spend for *payments* was $4,210 yesterday against an expected $3,050.");
  alert.actions(actions::alert_buttons("finding:7"));
  auto alert_post = slack::render_message(alert);
  alert_post["channel"] = "C0PAYMENTS";
  check_message(alert_post);
  write("anomaly-alert", alert_post);

  // The message after a decision (chat.update) and the reason modal.
  chat::ChatAction action;
  action.verb = chat::ActionVerb::reject;
  action.subject = "approval:42";
  action.actor = {"slack", "U9", "dana"};
  action.reason = "the batch job runs until Friday";
  action.message = {"slack", "C0PAYMENTS", "1700000000.100001", false, "Approval needed: stop 14 idle instances"};
  action.response_url = "https://hooks.slack.com/actions/T1/1/x";
  action.trigger_id = "13345224609.738474920.8088930838d88f008e0";
  actions::RecordedDecision decision{1, "approval:42", "reject", "slack", "U9", "dana", action.reason, "C0PAYMENTS", "1", 1726650000};
  auto update = slack::render_message(actions::decided_message(action, decision));
  update["channel"] = "C0PAYMENTS";
  update["ts"] = "1700000000.100001";
  check_message(update);
  write("approval-updated", update);
  write("approval-updated-via-response-url", slack::render_response(actions::decided_message(action, decision), true));
  auto modal = slack::reject_reason_modal(action);
  write("reject-reason-modal", modal);
  CHECK(modal.at("private_metadata").as_string().size() <= 3000);
  CHECK(json::parse(modal.at("private_metadata").as_string()).at("subject") == "approval:42");

  // Too much content is shortened to Slack's limits instead of being refused by Slack.
  chat::Reply huge;
  huge.title = std::string(400, 'T');
  for (int i = 0; i < 70; ++i) huge.text("line " + std::to_string(i) + " " + std::string(100, 'x'));
  std::vector<chat::Field> fields;
  for (int i = 0; i < 23; ++i) fields.push_back({"field " + std::to_string(i), std::string(2500, 'v')});
  huge.fields(fields);
  std::vector<chat::Button> many;
  for (int i = 0; i < 30; ++i) many.push_back(actions::details_button("finding:" + std::to_string(i)));
  huge.actions(many);
  auto shortened = slack::render_message(huge);
  check_message(shortened);
  write("oversized-shortened", shortened);
}
