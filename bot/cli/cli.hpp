#pragma once
// The costbot command line: global flags, one subcommand per file (cmd_*.cpp), one error policy.
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"

namespace costbot::scheduler {
class Scheduler;
}

namespace costbot::cli {

struct GlobalOptions {
  std::string config_path;  // empty = config/costbot.example.yaml (see Context::config)
  std::string db_path;      // overrides database.path
  std::string log_format;   // overrides logging.format
  std::string log_level;    // overrides logging.level
};

// What every subcommand needs, loaded on first use so `--help` works without a config.
class Context {
 public:
  GlobalOptions options;

  const config::Config& config();
  // Opens the database and applies pending migrations.
  storage::Database& database();
  std::string database_path();
  // Resolves a path shipped with the project (templates/, config/, tests/fixtures/) whether the
  // binary runs from the repository root, the build tree or an installed image.
  static std::string project_path(const std::string& relative);

 private:
  std::optional<config::Config> config_;
  std::unique_ptr<storage::Database> database_;
};

// Registration, one per command file.
void add_config_command(CLI::App& app, Context& ctx);
void add_migrate_command(CLI::App& app, Context& ctx);
void add_costs_command(CLI::App& app, Context& ctx);
void add_chart_command(CLI::App& app, Context& ctx);
void add_approvals_command(CLI::App& app, Context& ctx);
void add_audit_command(CLI::App& app, Context& ctx);
void add_ingest_command(CLI::App& app, Context& ctx);
void add_serve_command(CLI::App& app, Context& ctx);
void add_detect_series_command(CLI::App& app, Context& ctx);
void add_detect_command(CLI::App& app, Context& ctx);
void add_findings_command(CLI::App& app, Context& ctx);
void add_feedback_command(CLI::App& app, Context& ctx);
void add_rules_command(CLI::App& app, Context& ctx);
void add_budgets_command(CLI::App& app, Context& ctx);
void add_planned_command(CLI::App& app, Context& ctx);
void add_jobs_command(CLI::App& app, Context& ctx);
void add_msteams_command(CLI::App& app, Context& ctx);
void add_demo_command(CLI::App& app, Context& ctx);
// Persona alerts (cmd_route.cpp, cmd_render.cpp, cmd_alerts.cpp).
void add_route_command(CLI::App& app, Context& ctx);
void add_render_command(CLI::App& app, Context& ctx);
void add_personas_command(CLI::App& app, Context& ctx);
void add_alerts_command(CLI::App& app, Context& ctx);
// `web sign-in-link`, `access`, `api token` (cmd_access.cpp).
void add_access_commands(CLI::App& app, Context& ctx);

// The scheduler with every job of this build, as `costbot jobs` and `costbot demo` run them
// (cmd_jobs.cpp). `unavailable`: configured jobs this build does not have yet.
std::unique_ptr<scheduler::Scheduler> make_scheduler(Context& ctx, std::vector<std::string>* unavailable = nullptr);

int main(int argc, char** argv);

}  // namespace costbot::cli
