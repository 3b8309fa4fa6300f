#include <fstream>
#include <iostream>

#include "bot/cli/cli.hpp"
#include "engine/render/chart.hpp"
#include "engine/render/chart_csv.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {
namespace {

struct ChartCommandOptions {
  std::string input, output, title, subtitle, highlight, currency;
  int width = 0, height = 0;  // 0 = from the config's charts section
};

void run_chart(Context& ctx, const ChartCommandOptions& o) {
  const auto& config = ctx.config();
  auto options = render::ChartOptions::from_config(config.charts);
  if (o.width) options.width = o.width;
  if (o.height) options.height = o.height;
  if (!o.highlight.empty()) {
    auto color = render::parse_hex_color(o.highlight);
    if (!color) throw invalid_input("--highlight: expected a colour like \"#e03131\", got \"" + o.highlight + "\"");
    options.highlight = *color;
  }

  std::ifstream in(o.input, std::ios::binary);
  if (!in) throw invalid_input("cannot open " + o.input);
  auto csv = render::read_chart_csv(in, o.input);
  for (const auto& problem : csv.problems) std::cerr << "costbot: skipped " << problem << "\n";

  render::ChartData data;
  data.title = o.title;
  data.subtitle = o.subtitle;
  data.currency = o.currency.empty() ? config.currency.base : o.currency;
  data.points = std::move(csv.points);
  std::string png = render::render_cost_chart(data, options);

  if (o.output == "-") {
    std::cout.write(png.data(), static_cast<std::streamsize>(png.size()));
  } else {
    std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
    if (!out.write(png.data(), static_cast<std::streamsize>(png.size())) || !out.flush())
      throw invalid_input("cannot write " + o.output);
    std::cerr << o.output << ": " << options.width << "x" << options.height << " PNG, " << data.points.size()
              << (data.points.size() == 1 ? " day\n" : " days\n");
  }
  // The chart holds every good row; a non-zero exit still tells scripts that rows were left out.
  if (!csv.problems.empty())
    throw invalid_input(o.input + ": " + std::to_string(csv.problems.size()) +
                        (csv.problems.size() == 1 ? " row" : " rows") + " skipped (listed above)");
}

}  // namespace

void add_chart_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ChartCommandOptions>();
  auto* cmd = app.add_subcommand("chart", "Draw a cost-trend PNG from a daily series CSV "
                                          "(day,actual[,expected,lower,upper,anomaly])");
  cmd->add_option("--input", o->input, "Series CSV; a header row may name the columns in any order")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--output", o->output, "PNG file to write, or - for stdout")->required();
  cmd->add_option("--title", o->title, "Chart title")->default_str("Daily cost");
  cmd->add_option("--subtitle", o->subtitle, "Second line under the title");
  cmd->add_option("--width", o->width, "Width in pixels (default: charts.width)")
      ->check(CLI::Range(render::ChartOptions::kMinWidth, render::ChartOptions::kMaxWidth));
  cmd->add_option("--height", o->height, "Height in pixels (default: charts.height)")
      ->check(CLI::Range(render::ChartOptions::kMinHeight, render::ChartOptions::kMaxHeight));
  cmd->add_option("--highlight", o->highlight, "Colour of anomalous days, #rrggbb (default: charts.highlight)");
  cmd->add_option("--currency", o->currency, "Currency of the amounts (default: currency.base)");
  cmd->callback([&ctx, o] { run_chart(ctx, *o); });
}

}  // namespace costbot::cli
