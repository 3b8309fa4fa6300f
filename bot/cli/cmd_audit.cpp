// `costbot audit verify|list`: check the hash chain of the audit log, and read it.
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/audit/audit.hpp"

namespace costbot::cli {

void add_audit_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("audit", "The append-only, hash-chained audit log");
  cmd->require_subcommand(1);
  {
    auto* sub = cmd->add_subcommand(
        "verify", "Check every row's hash chain; report the first edited or deleted row (exit 1 on tampering)");
    sub->callback([&ctx] {
      auto v = audit::verify(ctx.database());
      for (const auto& w : v.warnings) std::cerr << "costbot: warning: " << w << "\n";
      if (v.ok) {
        std::cout << "OK: " << v.rows << " audit rows, hash chain intact\n";
        return;
      }
      std::cout << "TAMPERED: row " << *v.bad_row << ": " << v.problem << "\n";
      std::cerr << "costbot: audit log verification failed at row " << *v.bad_row << "\n";
      throw CLI::RuntimeError(1);  // exit 1 without CLI11's own message
    });
  }
  {
    auto subject = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("table");
    auto limit = std::make_shared<std::size_t>(0);
    auto* sub = cmd->add_subcommand("list", "Print audit rows, oldest first");
    sub->add_option("--subject", *subject, "Only this subject, e.g. approval:42 or delegation:3");
    sub->add_option("--limit", *limit, "Only the newest N rows (0 = all)");
    sub->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
    sub->callback([&ctx, subject, format, limit] {
      auto rows = audit::list(ctx.database(), *subject, *limit);
      if (*format == "json") {
        boost::json::array items;
        for (const auto& r : rows)
          items.push_back({{"id", r.id},
                           {"at", format_instant(r.at)},
                           {"actor", r.actor},
                           {"action", r.action},
                           {"subject", r.subject},
                           {"details", json_or_text(r.details)},
                           {"hash", r.hash}});
        print_json(std::cout, items);
        return;
      }
      Table t;
      t.headers = {"id", "at", "actor", "action", "subject", "details"};
      t.right_aligned = {true};
      for (const auto& r : rows)
        t.rows.push_back({std::to_string(r.id), format_instant(r.at), r.actor, r.action, r.subject, r.details});
      print_table(std::cout, t);
    });
  }
}

}  // namespace costbot::cli
