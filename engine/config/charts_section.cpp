#include <fmt/format.h>

#include "engine/config/sections.hpp"
#include "engine/render/chart.hpp"

namespace costbot::config {
namespace {

void read_pixels(Reader& r, const std::string& key, int& out, int min, int max) {
  std::int64_t value = out;
  if (!r.integer(key, value)) return;
  if (value < min || value > max)
    r.error(key, fmt::format("must be {}..{} pixels, got {}", min, max, value));
  else
    out = static_cast<int>(value);
}

}  // namespace

void read_charts_section(Reader& root, Config& config) {
  using render::ChartOptions;
  auto r = root.section("charts");
  auto& charts = config.charts;
  read_pixels(r, "width", charts.width, ChartOptions::kMinWidth, ChartOptions::kMaxWidth);
  read_pixels(r, "height", charts.height, ChartOptions::kMinHeight, ChartOptions::kMaxHeight);
  if (r.string("highlight", charts.highlight) && !render::parse_hex_color(charts.highlight))
    r.error("highlight", "expected a colour like \"#e03131\" or \"#e31\", got \"" + charts.highlight + "\"");
  r.finish();
}

}  // namespace costbot::config
