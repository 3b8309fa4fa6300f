#include "bot/cli/cli.hpp"

#include <filesystem>
#include <iostream>

#include "engine/util/error.hpp"
#include "engine/util/log.hpp"

namespace costbot::cli {

// cmd_sources.cpp (declared here rather than in cli.hpp, which every command includes)
void add_sources_command(CLI::App& app, Context& ctx);

namespace fs = std::filesystem;

std::string Context::project_path(const std::string& relative) {
  if (fs::exists(relative)) return relative;
  if (const char* home = std::getenv("COSTBOT_HOME")) {
    auto p = fs::path(home) / relative;
    if (fs::exists(p)) return p.string();
  }
#ifdef COSTBOT_SOURCE_DIR
  auto p = fs::path(COSTBOT_SOURCE_DIR) / relative;
  if (fs::exists(p)) return p.string();
#endif
  return relative;
}

const config::Config& Context::config() {
  if (!config_) {
    std::string path = options.config_path.empty() ? project_path("config/costbot.example.yaml") : options.config_path;
    config_ = config::load(path);
    if (!options.db_path.empty()) config_->database.path = options.db_path;
    if (!options.log_format.empty()) config_->logging.format = options.log_format;
    if (!options.log_level.empty()) config_->logging.level = options.log_level;
    // The config may ask for another log format or level than the command line default.
    log::init(log::parse_format(config_->logging.format), spdlog::level::from_str(config_->logging.level));
  }
  return *config_;
}

std::string Context::database_path() {
  return options.db_path.empty() ? config().database.path : options.db_path;
}

storage::Database& Context::database() {
  if (!database_) {
    auto path = database_path();
    if (auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent);
    database_ = std::make_unique<storage::Database>(path);
    for (const auto& name : database_->migrate()) spdlog::debug("migration {} applied", name);
  }
  return *database_;
}

int main(int argc, char** argv) {
  Context ctx;
  CLI::App app{"costbot: cloud cost chat-ops — ingest billing data, detect anomalies and waste, alert and approve in chat"};
  app.set_version_flag("--version", std::string("costbot ") + COSTBOT_VERSION);
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--config", ctx.options.config_path, "Config file (default config/costbot.example.yaml)");
  app.add_option("--db", ctx.options.db_path, "Database file (overrides database.path)");
  app.add_option("--log-format", ctx.options.log_format, "Log format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", ctx.options.log_level, "Log level: trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  add_config_command(app, ctx);
  add_migrate_command(app, ctx);
  add_costs_command(app, ctx);
  add_chart_command(app, ctx);
  add_approvals_command(app, ctx);
  add_audit_command(app, ctx);
  add_ingest_command(app, ctx);
  add_sources_command(app, ctx);
  add_serve_command(app, ctx);
  add_detect_series_command(app, ctx);
  add_detect_command(app, ctx);
  add_findings_command(app, ctx);
  add_feedback_command(app, ctx);
  add_rules_command(app, ctx);
  add_budgets_command(app, ctx);
  add_planned_command(app, ctx);
  add_jobs_command(app, ctx);
  add_msteams_command(app, ctx);
  add_demo_command(app, ctx);
  add_route_command(app, ctx);
  add_render_command(app, ctx);
  add_personas_command(app, ctx);
  add_alerts_command(app, ctx);
  add_access_commands(app, ctx);
  app.parse_complete_callback([&] {
    if (!ctx.options.log_format.empty() || !ctx.options.log_level.empty())
      log::init(log::parse_format(ctx.options.log_format.empty() ? "text" : ctx.options.log_format),
                spdlog::level::from_str(ctx.options.log_level.empty() ? "info" : ctx.options.log_level));
  });

  try {
    // Logs go to stderr as text until the config says otherwise; --log-format applies at once.
    log::init(log::Format::text, spdlog::level::info);
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const Error& e) {
    std::cerr << "costbot: error: " << log::redact(e.what()) << "\n";
    return e.kind() == ErrorKind::invalid_input || e.kind() == ErrorKind::not_found ? 2 : 1;
  } catch (const SQLite::Exception& e) {
    std::cerr << "costbot: database error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "costbot: error: " << log::redact(e.what()) << "\n";
    return 1;
  }
}

}  // namespace costbot::cli
