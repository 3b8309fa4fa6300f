#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/detect/tuning.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {

void add_planned_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("planned", "Planned events: changes registered ahead of time that must not alert");
  cmd->require_subcommand(1);
  struct Options {
    std::string name, scope, from, to, actor;
  };
  auto o = std::make_shared<Options>();
  auto* add = cmd->add_subcommand("add", "Register a planned event (a launch, a migration, a load test)");
  add->add_option("--name", o->name, "What it is")->required();
  add->add_option("--scope", o->scope, "DIMENSION=VALUE it applies to, e.g. team=payments (default: everything)");
  add->add_option("--from", o->from, "First day, YYYY-MM-DD")->required();
  add->add_option("--to", o->to, "Last day, YYYY-MM-DD")->required();
  add->add_option("--actor", o->actor, "Who registers it (default: $USER)");
  add->callback([&ctx, o] {
    detect::PlannedEvent e;
    e.name = o->name;
    if (!o->scope.empty()) {
      auto eq = o->scope.find('=');
      auto dim = eq == std::string::npos ? std::nullopt : query::parse_dimension(o->scope.substr(0, eq));
      if (!dim) throw invalid_input("--scope: expected DIMENSION=VALUE such as team=payments, got \"" + o->scope + "\"");
      e.scope_dimension = std::string(query::name_of(*dim));
      e.scope_value = o->scope.substr(eq + 1);
    }
    auto from = parse_day(o->from), to = parse_day(o->to);
    if (!from) throw invalid_input("--from: expected a date like 2024-11-25, got \"" + o->from + "\"");
    if (!to) throw invalid_input("--to: expected a date like 2024-12-02, got \"" + o->to + "\"");
    if (*to < *from) throw invalid_input("--to: ends before --from");
    e.from = *from;
    e.to = *to;
    e.created_by = o->actor.empty() ? (std::getenv("USER") ? std::getenv("USER") : "cli") : o->actor;
    auto& db = ctx.database();
    auto tx = db.begin_write();
    auto id = detect::add_planned_event(db, e, default_clock().now());
    tx.commit();
    std::cout << "planned event " << id << " registered: " << e.name << " for "
              << (e.scope_dimension.empty() ? "everything" : e.scope_dimension + "=" + e.scope_value) << " " << o->from << ".."
              << o->to << "\n";
  });
  auto* list = cmd->add_subcommand("list", "List planned events (config and registered)");
  list->callback([&ctx] {
    Table t;
    t.headers = {"id", "name", "scope", "from", "to", "by"};
    for (const auto& e : detect::planned_events(ctx.database(), ctx.config()))
      t.rows.push_back({e.id ? std::to_string(e.id) : "config", e.name,
                        e.scope_dimension.empty() ? "everything" : e.scope_dimension + "=" + e.scope_value, format_day(e.from),
                        format_day(e.to), e.created_by});
    print_table(std::cout, t);
  });
}

}  // namespace costbot::cli
