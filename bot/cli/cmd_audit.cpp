// `costbot audit verify|list`: check the hash chain of the audit log, and read it.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/audit/audit.hpp"

namespace costbot::cli {

void add_audit_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("audit", "The append-only, hash-chained audit log");
  cmd->require_subcommand(1);
  {
    auto anchor_files = std::make_shared<std::vector<std::string>>();
    auto* sub = cmd->add_subcommand(
        "verify", "Check every row's hash chain, the anchors, and the approvals against the chain; report the "
                  "first problem (exit 1 on tampering)");
    sub->add_option("--anchors", *anchor_files,
                    "Files holding anchored heads (audit.anchor_file, a copy of the log, the channel's messages); "
                    "audit.anchor_file is read by default")
        ->check(CLI::ExistingFile);
    sub->callback([&ctx, anchor_files] {
      std::vector<std::string> files = *anchor_files;
      const auto& configured = ctx.config().audit.anchor_file;
      if (files.empty() && !configured.empty() && std::filesystem::exists(configured)) files.push_back(configured);
      std::vector<audit::Head> anchors;
      for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        auto found = audit::parse_anchors(text.str());
        anchors.insert(anchors.end(), found.begin(), found.end());
      }
      auto v = audit::verify_with(ctx.database(), anchors);
      for (const auto& w : v.warnings) std::cerr << "costbot: warning: " << w << "\n";
      if (v.ok) {
        std::cout << "OK: " << v.rows << " audit rows, hash chain intact, " << anchors.size()
                  << " anchor(s) match, approvals agree with the chain\n";
        return;
      }
      std::cout << "TAMPERED: " << (v.bad_row ? "row " + std::to_string(*v.bad_row) + ": " : std::string()) << v.problem
                << "\n";
      std::cerr << "costbot: audit log verification failed\n";
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
