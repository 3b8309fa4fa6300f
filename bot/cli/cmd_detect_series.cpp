#include <fstream>
#include <iostream>

#include "bot/cli/cli.hpp"
#include "engine/detect/series_csv.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {
namespace {

struct DetectSeriesOptions {
  std::string input, output;
  int period = 0;
  double threshold = 0;
};

void run_detect_series(const DetectSeriesOptions& o) {
  std::ifstream in(o.input, std::ios::binary);
  if (!in) throw invalid_input("--input: cannot open " + o.input);
  std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
  if (!out) throw invalid_input("--output: cannot write " + o.output);
  detect::SeriesCsvOptions options;
  options.period = o.period;
  options.threshold = o.threshold;
  detect::SeriesCsvResult result;
  try {
    result = detect::detect_series_csv(in, out, options);
  } catch (const Error& e) {
    throw Error(e.kind(), o.input + ":" + e.what());
  }
  out.flush();
  if (!out) throw Error(ErrorKind::internal, "--output: write to " + o.output + " failed");
  for (const auto& bad : result.bad_rows) std::cerr << o.input << ":" << bad.line << ": " << bad.reason << " (row kept, not scored)\n";
  std::cerr << o.input << ": " << result.rows << " rows, " << result.anomalies << " anomalies, period "
            << (result.period ? std::to_string(result.period) + " points" : std::string("none")) << "\n";
  if (!result.bad_rows.empty())
    throw invalid_input(o.input + ": " + std::to_string(result.bad_rows.size()) +
                        " bad rows (every row is still in " + o.output + ")");
}

}  // namespace

void add_detect_series_command(CLI::App& app, Context&) {
  auto o = std::make_shared<DetectSeriesOptions>();
  auto* cmd = app.add_subcommand("detect-series",
                                 "Run the statistical detector over any timestamp,value CSV (online: each row is scored "
                                 "from the rows before it); writes timestamp,value,anomaly_score,is_anomaly");
  cmd->add_option("--input", o->input, "Input CSV with a header naming timestamp and value columns")->required();
  cmd->add_option("--output", o->output, "Output CSV, one row per input row")->required();
  cmd->add_option("--period", o->period, "Seasonal period in rows (default: found from the data)")->check(CLI::Range(0, 100000));
  cmd->add_option("--threshold", o->threshold, "Robust z at which a row is anomalous (default 5)")->check(CLI::Range(0.0, 1000.0));
  cmd->callback([o] { run_detect_series(*o); });
}

}  // namespace costbot::cli
