// `costbot sources`: each cloud location of ingest.sources with its last run, watermark, next due
// time and last error; `costbot sources check NAME` authenticates, lists, reads a first page and
// explains a failure in words.
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "bot/sources/remote_sources.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {
namespace {

std::string when_text(UnixSeconds t) { return t == 0 ? std::string("never") : format_instant(t); }

void list_sources(Context& ctx, const std::string& format) {
  auto statuses = ingest::source_statuses(ctx.database(), ctx.config(), default_clock());
  if (format == "json") {
    boost::json::array out;
    for (const auto& s : statuses)
      out.push_back({{"name", s.name}, {"location", s.location}, {"last_run_at", s.last_run_at ? format_instant(s.last_run_at) : ""},
                     {"last_status", s.last_status}, {"last_error", s.last_error}, {"watermark", s.watermark},
                     {"periods_stored", s.periods_stored}, {"pace", s.pace},
                     {"next_due", s.next_due ? format_instant(s.next_due) : ""}});
    print_json(std::cout, out);
    return;
  }
  if (statuses.empty()) {
    std::cout << "no cloud sources in ingest.sources (a source with location: s3://BUCKET/PREFIX/ is one)\n";
    return;
  }
  Table t;
  t.headers = {"source", "location", "last run", "status", "watermark", "periods", "pace", "next due", "last error"};
  t.right_aligned = {false, false, false, false, false, true, false, false, false};
  for (const auto& s : statuses)
    t.rows.push_back({s.name, s.location, when_text(s.last_run_at), s.last_status.empty() ? "-" : s.last_status,
                      s.watermark.empty() ? "-" : s.watermark, std::to_string(s.periods_stored), s.pace,
                      s.next_due ? format_instant(s.next_due) : "-", s.last_error});
  print_table(std::cout, t);
}

void check_source(Context& ctx, const std::string& name) {
  const auto& config = ctx.config();
  std::vector<ingest::RemoteLocation> matching;
  std::vector<std::string> names;
  for (auto& l : ingest::configured_remote_locations(config)) {
    names.push_back(l.source_name);
    if (l.source_name == name || l.base == name) matching.push_back(std::move(l));
  }
  if (matching.empty())
    throw invalid_input("no cloud source named \"" + name + "\" in ingest.sources" +
                        (names.empty() ? std::string(" (it has none)") : " (cloud sources: " + text::join(names, ", ") + ")"));
  sources::RemoteSources remote(config, default_clock());
  bool all_ok = true;
  for (const auto& location : matching) {
    std::cout << location.source_name << ": " << location.base << "\n";
    std::vector<ingest::CheckStep> steps;
    try {
      auto source = remote.registry().open(location);
      steps = source->check();
    } catch (const Error& e) {
      steps.push_back({"set up " + location.base, false, e.what()});
    }
    for (const auto& step : steps) {
      std::cout << "  " << (step.ok ? "ok    " : "FAILED") << " " << step.what << ": " << step.detail << "\n";
      all_ok = all_ok && step.ok;
    }
  }
  if (!all_ok) throw CLI::RuntimeError(1);
}

}  // namespace

void add_sources_command(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("table");
  auto* cmd = app.add_subcommand("sources",
                                 "Cloud billing sources (ingest.sources with a location:): last run, watermark\n"
                                 "(newest billing period stored and its version), pace, next due time, last error");
  cmd->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto name = std::make_shared<std::string>();
  auto* check = cmd->add_subcommand("check", "Authenticate, list, read a first page, and explain any failure");
  check->add_option("name", *name, "The source's name in ingest.sources (or its location)")->required();
  check->callback([&ctx, name] { check_source(ctx, *name); });
  cmd->callback([&ctx, format, cmd] {
    if (cmd->get_subcommands().empty()) list_sources(ctx, *format);
  });
}

}  // namespace costbot::cli
