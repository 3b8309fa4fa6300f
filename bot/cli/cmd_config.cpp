#include <iostream>

#include "bot/cli/cli.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {

void add_config_command(CLI::App& app, Context& ctx) {
  auto* config = app.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "Report every unknown key, wrong type and missing key, with its path");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "Config file (default: --config, or config/costbot.example.yaml)");
  check->callback([&ctx, file] {
    std::string path = !file->empty() ? *file
                       : !ctx.options.config_path.empty() ? ctx.options.config_path
                                                          : Context::project_path("config/costbot.example.yaml");
    auto issues = config::check(path);
    if (issues.empty()) {
      std::cout << path << ": OK\n";
      return;
    }
    for (const auto& issue : issues.all()) std::cout << path << ": " << issue.to_string() << "\n";
    throw Error(ErrorKind::invalid_input,
                path + ": " + std::to_string(issues.size()) + (issues.size() == 1 ? " problem" : " problems"));
  });
}

void add_migrate_command(CLI::App& app, Context& ctx) {
  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations (also done at every start)");
  migrate->callback([&ctx] {
    storage::Database db(ctx.database_path());
    auto applied = db.migrate();
    for (const auto& name : applied) std::cout << "applied " << name << "\n";
    std::cout << ctx.database_path() << ": schema version " << db.schema_version()
              << (applied.empty() ? " (up to date)" : "") << "\n";
  });
}

}  // namespace costbot::cli
