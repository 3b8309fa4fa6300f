// `costbot web sign-in-link`, `costbot access` and `costbot api token`: sign-in links for the local
// operator, who holds which role, and new API tokens (only their digest goes into the config).
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/auth/authorization.hpp"
#include "engine/auth/sessions.hpp"
#include "engine/util/hash.hpp"

namespace costbot::cli {

void add_access_commands(CLI::App& app, Context& ctx) {
  {
    auto* web = app.add_subcommand("web", "The web channel's sign-in");
    web->require_subcommand(1);
    auto* link = web->add_subcommand("sign-in-link", "Print a one-time sign-in link for the local operator (web.local_operator)");
    link->callback([&ctx] {
      const auto& c = ctx.config();
      auto token = auth::create_sign_in_link(ctx.database(), c.web.sign_in_link_ttl, "cli", default_clock().now());
      std::cout << c.public_base_url() << "/auth/local?token=" << token << "\n";
      std::cerr << "costbot: one use, valid " << c.web.sign_in_link_ttl / 60 << " minutes; it signs in "
                << c.web.local_operator << "\n";
    });
  }
  {
    auto format = std::make_shared<std::string>("table");
    auto* access = app.add_subcommand("access", "Who holds which role (access.roles, workflows) and who may act for whom");
    access->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
    access->callback([&ctx, format] {
      auth::Authorizer authorizer(ctx.config());
      auto rows = authorizer.assignments();
      if (*format == "json") {
        boost::json::array items;
        for (const auto& [role, who] : rows) items.push_back({{"role", role}, {"member", who}});
        print_json(std::cout, items);
        return;
      }
      Table t;
      t.headers = {"role", "member"};
      for (const auto& [role, who] : rows) t.rows.push_back({role, who});
      print_table(std::cout, t);
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto actor = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto* api = app.add_subcommand("api", "The REST API");
    api->require_subcommand(1);
    auto* token = api->add_subcommand("token", "Make a new API token: prints it once, and the config lines with its digest");
    token->add_option("--name", *name, "Who uses it (logs, audit): ci, dashboard")->required();
    token->add_option("--actor", *actor, "The person it acts as (their roles apply)");
    token->add_option("--role", *role, "A role it carries: viewer, requester, approver, finops_admin, admin")
        ->check(CLI::IsMember(config::role_names()));
    token->callback([name, actor, role] {
      if (actor->empty() && role->empty()) {
        std::cerr << "costbot: give --actor or --role: every token acts as someone or carries a role\n";
        throw CLI::RuntimeError(2);
      }
      const std::string value = "cbt_" + hash::random_hex(24);
      std::cout << "token (shown once; give it to the client): " << value << "\n\n"
                << "api:\n  tokens:\n    - name: " << *name << "\n      token_sha256: " << hash::sha256_hex(value) << "\n";
      if (!actor->empty()) std::cout << "      actor: " << *actor << "\n";
      if (!role->empty()) std::cout << "      role: " << *role << "\n";
    });
  }
}

}  // namespace costbot::cli
