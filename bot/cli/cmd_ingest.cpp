#include <fmt/format.h>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "bot/sources/remote_sources.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::cli {
namespace {

struct IngestCliOptions {
  std::string source;
  std::vector<std::string> paths;
  bool force = false;
  bool history = false;
  std::string history_span;  // --history 12m: backfill remote sources this far back
  std::string from;          // --from DATE: backfill from this month
  std::size_t history_limit = 20;
  std::size_t show_rejections = 20;
};

void print_result(const ingest::FileResult& r, std::size_t show_rejections) {
  std::string where = r.path.empty() ? "source " + r.source_name : r.path;
  switch (r.status) {
    case ingest::RunStatus::unchanged:
      std::cout << where << ": skipped, " << r.error << "\n";
      return;
    case ingest::RunStatus::failed:
      std::cout << where << ": FAILED after " << fmt::format("{:.2f}", r.seconds) << " s, nothing changed\n";
      std::cerr << "costbot: error: " << r.error << "\n";
      break;
    case ingest::RunStatus::succeeded: {
      std::string scopes = r.type == ingest::SourceType::usage
                               ? std::string()
                               : fmt::format(", {} billing scope{} replaced", r.scopes_replaced,
                                             r.scopes_replaced == 1 ? "" : "s");
      std::string rate = r.rows_read >= 10000 && r.seconds > 0
                             ? fmt::format(" ({:.0f} rows/s)", static_cast<double>(r.rows_read) / r.seconds)
                             : std::string();
      std::cout << fmt::format("{}: {} rows read, {} accepted, {} rejected{}, {:.2f} s{}\n", where, r.rows_read,
                               r.rows_accepted, r.rows_rejected, scopes, r.seconds, rate);
      break;
    }
  }
  const bool stored = r.status != ingest::RunStatus::failed;
  std::int64_t printed = 0;
  for (const auto& rejection : r.rejections) {
    if (printed == static_cast<std::int64_t>(show_rejections)) break;
    std::cout << "  " << (stored ? "quarantined " : "rejected ") << rejection.to_string() << "\n";
    ++printed;
  }
  if (r.rows_rejected > printed)
    std::cout << "  ... and " << r.rows_rejected - printed << " more rejected row(s)"
              << (stored ? "; all are in the quarantine table, run " + std::to_string(r.run_id) : std::string()) << "\n";
}

void print_history(Context& ctx, std::size_t limit) {
  Table t;
  t.headers = {"run", "started", "source", "path", "status", "read", "accepted", "rejected", "ms", "sha256"};
  t.right_aligned = {true, false, false, false, false, true, true, true, true, false};
  for (const auto& r : ingest::recent_runs(ctx.database(), limit)) {
    std::string source = r.source_type + (r.source_name.empty() ? "" : "/" + r.source_name);
    t.rows.push_back({std::to_string(r.id), format_instant(r.started_at), source, r.path, r.status,
                      std::to_string(r.rows_read), std::to_string(r.rows_accepted), std::to_string(r.rows_rejected),
                      std::to_string(r.duration_ms), r.digest.substr(0, 12)});
  }
  print_table(std::cout, t);
}

// "12m" → the month 11 months before this one (12 billing periods including the current one);
// "90d" → the month 90 days ago.
std::string backfill_from_period(const std::string& span, UnixSeconds now) {
  auto number = text::parse_int(span.substr(0, span.empty() ? 0 : span.size() - 1));
  if (span.size() < 2 || !number || *number < 1 || (span.back() != 'm' && span.back() != 'd'))
    throw invalid_input("--history: expected a span such as 12m (months) or 90d (days), got \"" + span + "\"");
  if (span.back() == 'd') return format_month(day_of(now - *number * 86400));
  using namespace std::chrono;
  year_month_day today{day_of(now)};
  auto first = year_month{today.year(), today.month()} - months(*number - 1);
  return format_month(sys_days{first / 1});
}

// A progress bar on a terminal, a line per delivery in logs.
void show_progress(const ingest::SyncProgress& p, bool terminal) {
  if (terminal) {
    double fraction = p.bytes_total ? std::min(1.0, static_cast<double>(p.bytes_read) / static_cast<double>(p.bytes_total))
                                    : (p.finished ? 1.0 : 0.0);
    int filled = static_cast<int>(fraction * 30);
    std::cerr << fmt::format("\r{} [{}/{}] {} [{}{}] {:5.1f} MB{}", p.source_name, p.delivery_index, p.delivery_count,
                             p.period, std::string(static_cast<std::size_t>(filled), '#'),
                             std::string(static_cast<std::size_t>(30 - filled), '.'), static_cast<double>(p.bytes_read) / 1e6,
                             p.finished ? "\n" : "")
              << std::flush;
  } else if (p.finished || p.bytes_read == 0) {
    spdlog::info("{}: billing period {} ({} of {}){}", p.source_name, p.period, p.delivery_index, p.delivery_count,
                 p.finished ? " done" : "");
  } else {
    spdlog::info("{}: billing period {} ({} of {}): {:.1f} of {:.1f} MB", p.source_name, p.period, p.delivery_index,
                 p.delivery_count, static_cast<double>(p.bytes_read) / 1e6, static_cast<double>(p.bytes_total) / 1e6);
  }
}

void run_ingest(Context& ctx, const IngestCliOptions& o) {
  if (o.history && o.history_span.empty() && o.from.empty()) {
    print_history(ctx, o.history_limit);
    return;
  }
  const auto& config = ctx.config();
  auto& db = ctx.database();
  std::vector<ingest::FileResult> results;
  ingest::SyncOptions sync;
  sync.force = o.force;
  if (!o.history_span.empty()) sync.from_period = backfill_from_period(o.history_span, default_clock().now());
  if (!o.from.empty()) {
    auto day = parse_day(o.from);
    if (!day) throw invalid_input("--from: expected a date YYYY-MM-DD, got \"" + o.from + "\"");
    sync.from_period = format_month(*day);
  }
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  sync.on_progress = [terminal](const ingest::SyncProgress& p) { show_progress(p, terminal); };
  std::unique_ptr<sources::RemoteSources> remote;
  auto remote_sources = [&]() -> sources::RemoteSources& {
    if (!remote) remote = std::make_unique<sources::RemoteSources>(config, default_clock());
    return *remote;
  };
  if (o.paths.empty()) {
    if (!o.source.empty())
      throw invalid_input("--source " + o.source + " needs one or more PATHs or URLs (without them, ingest.sources from the config run)");
    if (config.ingest.sources.empty())
      throw invalid_input("no PATH given and ingest.sources in " + config.source_path + " is empty");
    ingest::SourcesRunOptions run;
    run.remote = &remote_sources().registry();
    run.sync = &sync;
    results = ingest::run_configured_sources(db, config, default_clock(), run);
  } else {
    if (o.source.empty()) throw invalid_input(std::string("--source is required with paths (") + ingest::valid_source_types() + ")");
    auto type = ingest::parse_source_type(o.source);
    if (!type) throw invalid_input("--source: unknown type \"" + o.source + "\" (valid: " + ingest::valid_source_types() + ")");
    ingest::IngestOptions options;
    options.force = o.force;
    for (const auto& path : o.paths) {
      if (auto location = ingest::parse_remote_location(path, *type)) {
        for (auto& r : ingest::sync_remote_location(db, config, *location, remote_sources().registry(), default_clock(), sync)) {
          results.push_back(std::move(r));
          print_result(results.back(), o.show_rejections);
        }
        continue;
      }
      results.push_back(ingest::ingest_file(db, config, *type, path, default_clock(), options));
      print_result(results.back(), o.show_rejections);
    }
  }
  if (o.paths.empty())
    for (const auto& r : results) print_result(r, o.show_rejections);
  for (const auto& r : results)
    if (r.status == ingest::RunStatus::failed) throw CLI::RuntimeError(1);
}

}  // namespace

void add_ingest_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<IngestCliOptions>();
  auto* cmd = app.add_subcommand(
      "ingest",
      "Load billing exports (FOCUS 1.0, AWS CUR 2.0, Azure cost details, GCP billing export) or usage metrics.\n"
      "Each file runs in one transaction and replaces what was ingested before for the billing periods it\n"
      "contains; bad rows are quarantined with file:line. Without PATHs, the config's ingest.sources run.");
  cmd->add_option("--source", o->source, "focus, cur, azure, gcp or usage")
      ->check(CLI::IsMember({"focus", "cur", "azure", "gcp", "usage"}));
  cmd->add_option("paths", o->paths, "Files to ingest (plain or .gz), or cloud locations: s3://BUCKET/PREFIX/");
  cmd->add_flag("--force", o->force, "Ingest even a file whose identical bytes were ingested before");
  auto* history = cmd->add_option("--history", o->history_span,
                  "With a span (12m, 90d): backfill cloud sources that far back, oldest period first.\n"
                  "Alone: list recent ingest runs instead of ingesting")
      ->expected(0, 1);
  cmd->add_option("--from", o->from, "Backfill cloud sources from the billing period of this date (YYYY-MM-DD)");
  cmd->add_option("--limit", o->history_limit, "With --history: how many runs (default 20)");
  cmd->add_option("--show-rejected", o->show_rejections, "How many rejected rows to print per file (default 20)");
  cmd->callback([&ctx, o, history] {
    o->history = history->count() > 0;
    run_ingest(ctx, *o);
  });
}

}  // namespace costbot::cli
