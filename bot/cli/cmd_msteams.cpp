// `costbot msteams conversations`: the Teams chats and channels the bot has heard from (captured
// from installation, conversationUpdate and message activities), with the ids and service URLs a
// config or persona uses to name them (see bot/teams/conversations.hpp).
#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "bot/teams/conversations.hpp"

namespace costbot::cli {
namespace {

void print_conversations(Context& ctx, const std::string& format, bool all) {
  auto refs = teams_app::list(ctx.database());
  const auto& config = ctx.config().msteams;
  auto name_in_config = [&](const std::string& id) {
    for (const auto& c : config.conversations)
      if (c.id == id) return c.name;
    return std::string();
  };
  if (format == "json") {
    boost::json::array items;
    for (const auto& r : refs) {
      if (!all && !r.installed) continue;
      items.push_back({{"conversation_id", r.conversation_id},
                       {"config_name", name_in_config(r.conversation_id)},
                       {"type", r.conversation_type},
                       {"name", r.name},
                       {"team", r.team_name},
                       {"tenant_id", r.tenant_id},
                       {"service_url", r.service_url},
                       {"installed", r.installed},
                       {"last_user", r.user_name},
                       {"first_seen", format_instant(r.first_seen)},
                       {"last_seen", format_instant(r.last_seen)},
                       {"last_activity", r.last_activity}});
    }
    print_json(std::cout, items);
    return;
  }
  Table t;
  t.headers = {"conversation id", "config name", "type", "name / team", "service url", "installed", "last seen (UTC)"};
  for (const auto& r : refs) {
    if (!all && !r.installed) continue;
    std::string where = r.name;
    if (!r.team_name.empty()) where += (where.empty() ? "" : " · ") + r.team_name;
    if (where.empty() && !r.user_name.empty()) where = "with " + r.user_name;
    t.rows.push_back({r.conversation_id, name_in_config(r.conversation_id), r.conversation_type, where, r.service_url,
                      r.installed ? "yes" : "removed", format_instant(r.last_seen)});
  }
  print_table(std::cout, t);
  if (t.rows.empty())
    std::cout << "(none yet: install the Teams app in a chat or channel, or write to the bot, while `costbot serve` runs)\n";
}

}  // namespace

void add_msteams_command(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("table");
  auto all = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("msteams", "Microsoft Teams: the conversations the bot can post to");
  cmd->require_subcommand(1);
  auto* conversations = cmd->add_subcommand(
      "conversations",
      "Chats and channels the bot was added to or written in, with the id to put in teams[].teams_conversation,\n"
      "approvals.teams_conversation or msteams.conversations.NAME.id.");
  conversations->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  conversations->add_flag("--all", *all, "Also conversations the app was removed from");
  conversations->callback([&ctx, format, all] { print_conversations(ctx, *format, *all); });
}

}  // namespace costbot::cli
