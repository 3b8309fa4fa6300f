#include <spdlog/spdlog.h>

#include "bot/cli/cli.hpp"
#include "bot/service/service.hpp"
#include "bot/slack/slack_app.hpp"
#include "bot/teams/teams_app.hpp"

namespace costbot::cli {

void add_serve_command(CLI::App& app, Context& ctx) {
  auto listen = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("serve", "Run the HTTP service (Slack routes, health checks) and the outbox worker");
  cmd->add_option("--listen", *listen, "HOST:PORT to listen on (default: server.listen, 127.0.0.1:8080)");
  cmd->callback([&ctx, listen] {
    auto config = ctx.config();
    config.database.path = ctx.database_path();
    service::ServiceOptions options;
    options.listen = *listen;
    service::Service service(std::move(config), options);
    slack_app::install(service);
    teams_app::install(service);
    service.run_until_signal();
  });
}

}  // namespace costbot::cli
