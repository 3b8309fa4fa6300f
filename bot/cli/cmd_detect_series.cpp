#include <fstream>
#include <iostream>

#include "bot/cli/cli.hpp"
#include "engine/detect/series_csv.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {
namespace {

struct DetectSeriesOptions {
  std::string input, output;
  std::string profile = "auto";
  int period = 0;
  double threshold = 0;
  double min_impact = 0;
};

void run_detect_series(const DetectSeriesOptions& o, Context& ctx) {
  std::ifstream in(o.input, std::ios::binary);
  if (!in) throw invalid_input("--input: cannot open " + o.input);
  std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
  if (!out) throw invalid_input("--output: cannot write " + o.output);
  detect::SeriesCsvOptions options;
  options.profile = o.profile == "daily-cost" ? detect::SeriesProfile::daily_cost
                    : o.profile == "generic"  ? detect::SeriesProfile::generic
                                              : detect::SeriesProfile::automatic;
  options.period = o.period;
  options.threshold = o.threshold;
  options.min_impact = o.min_impact;
  // The daily profile is the daily cost detector with the config's settings (as `costbot detect`).
  if (options.profile != detect::SeriesProfile::generic) options.anomaly = ctx.config().detection.anomaly;
  detect::SeriesCsvResult result;
  try {
    result = detect::detect_series_csv(in, out, options);
  } catch (const Error& e) {
    throw Error(e.kind(), o.input + ":" + e.what());
  }
  out.flush();
  if (!out) throw Error(ErrorKind::internal, "--output: write to " + o.output + " failed");
  for (const auto& bad : result.bad_rows) std::cerr << o.input << ":" << bad.line << ": " << bad.reason << " (row kept, not scored)\n";
  std::cerr << o.input << ": " << result.rows << " rows, " << result.anomalies << " anomalies, profile " << result.profile;
  if (result.profile == "generic")
    std::cerr << ", period " << (result.period ? std::to_string(result.period) + " points" : std::string("none"));
  std::cerr << "\n";
  if (!result.bad_rows.empty())
    throw invalid_input(o.input + ": " + std::to_string(result.bad_rows.size()) +
                        " bad rows (every row is still in " + o.output + ")");
}

}  // namespace

void add_detect_series_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DetectSeriesOptions>();
  auto* cmd = app.add_subcommand("detect-series",
                                 "Run the statistical detector over any timestamp,value CSV (online: each row is scored "
                                 "from the rows before it); writes timestamp,value,anomaly_score,is_anomaly");
  cmd->add_option("--input", o->input, "Input CSV with a header naming timestamp and value columns")->required();
  cmd->add_option("--output", o->output, "Output CSV, one row per input row")->required();
  cmd->add_option("--profile", o->profile,
                  "daily-cost: the detector `costbot detect` runs on a scope's daily cost (options from the config's "
                  "detection.anomaly); generic: the seasonal streaming detector for any spacing; auto (default): "
                  "daily-cost when the first rows are a day apart")
      ->check(CLI::IsMember({"auto", "daily-cost", "generic"}));
  cmd->add_option("--period", o->period, "generic: seasonal period in rows (default: found from the data)")->check(CLI::Range(0, 100000));
  cmd->add_option("--threshold", o->threshold,
                  "z at which a row is anomalous (default: generic 5, daily-cost the config's detection.anomaly.threshold)")
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--min-impact", o->min_impact,
                  "daily-cost: a change smaller than this per day (in the series' unit) never alerts (default 0: no floor)")
      ->check(CLI::Range(0.0, 1e12));
  cmd->callback([o, &ctx] { run_detect_series(*o, ctx); });
}

}  // namespace costbot::cli
