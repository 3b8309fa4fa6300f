#include <spdlog/spdlog.h>

#include "bot/alerts/alerts_app.hpp"
#include "bot/approvals/approvals_app.hpp"
#include "bot/cli/cli.hpp"
#include "bot/detection/detection_commands.hpp"
#include "bot/service/operations.hpp"
#include "bot/service/service.hpp"
#include "bot/slack/slack_app.hpp"
#include "bot/teams/teams_app.hpp"

namespace costbot::cli {

void add_serve_command(CLI::App& app, Context& ctx) {
  auto listen = std::make_shared<std::string>();
  auto web_access = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("serve", "Run the service: HTTP routes (web channel, REST API, Slack, charts, metrics, health), the\n"
                                              "scheduler (ingest, detect, approval SLAs, digests) and the outbox worker");
  cmd->add_option("--listen", *listen, "HOST:PORT to listen on (default: server.listen, 127.0.0.1:8080)");
  cmd->add_option("--web-access", *web_access,
                  "Who may use the local web channel: local (this machine), open (anyone who reaches the\n"
                  "server, e.g. inside a container whose port is published on the host's loopback), off\n"
                  "(default: web.access)")
      ->check(CLI::IsMember({"local", "open", "off"}));
  cmd->callback([&ctx, listen, web_access] {
    auto config = ctx.config();
    config.database.path = ctx.database_path();
    if (!web_access->empty()) config.web.access = *web_access;
    service::ServiceOptions options;
    options.listen = *listen;
    options.templates_root = Context::project_path("templates");
    service::Service service(std::move(config), options);
    slack_app::install(service);
    teams_app::install(service);
    approvals_app::install(service, Context::project_path("templates"));
    detection_chat::install(service);
    service::install_operations(service, Context::project_path("templates"));
    alerts_app::install(service, Context::project_path("templates"));  // after the parts that set the action handler
    service.run_until_signal();
  });
}

}  // namespace costbot::cli
