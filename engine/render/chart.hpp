#pragma once
// Cost-trend charts: a PNG drawn with cairo from plain numbers, so any part of the service (the
// /charts route, a digest, the CLI) can draw one without knowing where the numbers came from.
// The chart shows the actual daily cost as a line, the expected baseline as a dashed line inside
// a shaded normal range, and every anomalous day highlighted (a tinted column and a marker in the
// configured highlight colour). Axes are labelled for people: $1.2k, $12k; Sep 18.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/time.hpp"

namespace costbot::config {
struct ChartsConfig;
}

namespace costbot::render {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// "#e03131" or "#e31" (case-insensitive, '#' required); nullopt for anything else.
std::optional<Rgb> parse_hex_color(std::string_view text);
std::string to_hex(Rgb color);  // "#e03131"

struct ChartPoint {
  Day day{};
  double actual = 0;
  // The baseline for the day and its normal range; absent when the detector had no baseline yet.
  std::optional<double> expected, lower, upper;
  bool anomaly = false;
  // A day still to come (a forecast): no actual line or anomaly marker, only expected and range.
  bool projected = false;
};

struct ChartData {
  std::string title;             // e.g. "payments · Amazon EC2"; wrapped to two lines, then cut with "…"
  std::string subtitle;          // optional second line, e.g. "Daily cost, last 30 days"
  std::string currency = "USD";  // USD axes read $1.2k; other codes read 1.2k with the code in the subtitle
  std::vector<ChartPoint> points;  // any order; sorted by day when drawn; non-finite values are skipped
  // Legend words for the three series (a budget chart: spent so far, forecast, 90% interval).
  std::string actual_label = "Actual", expected_label = "Expected", band_label = "Normal range";
  // A horizontal reference line across the plot (a budget), labelled at its right end.
  std::optional<double> reference;
  std::string reference_label;
};

struct ChartOptions {
  int width = 800;   // pixels; kMinWidth..kMaxWidth
  int height = 400;  // pixels; kMinHeight..kMaxHeight
  Rgb highlight{0xe0, 0x31, 0x31};  // anomalous days; keep it distinct from the palette below

  static constexpr int kMinWidth = 240, kMaxWidth = 4000;
  static constexpr int kMinHeight = 160, kMaxHeight = 4000;

  static ChartOptions from_config(const config::ChartsConfig& charts);
};

// The fixed palette, exposed so tests (and a config check) can keep the highlight apart from it.
struct ChartPalette {
  static constexpr Rgb background{0xff, 0xff, 0xff};
  static constexpr Rgb actual{0x1f, 0x5f, 0xbf};
  static constexpr Rgb expected{0x6b, 0x72, 0x80};
  static constexpr Rgb band{0xc7, 0xd2, 0xe0};
  static constexpr Rgb grid{0xe6, 0xe8, 0xec};
  static constexpr Rgb axis{0x9a, 0xa1, 0xac};
  static constexpr Rgb text{0x1f, 0x29, 0x37};
  static constexpr Rgb muted_text{0x5b, 0x63, 0x70};
  static constexpr Rgb reference{0x37, 0x41, 0x51};  // a budget line
};

// Draws the chart and returns the PNG file's bytes. Throws costbot::Error(invalid_input) when the
// size is out of range; any data (empty, one point, zeros, huge or negative values) draws. Text
// is sized from the width so it stays readable when a chat client shows the image at phone width
// (about 360 px): an 800 px chart draws its labels at about 20 px.
std::string render_cost_chart(const ChartData& data, const ChartOptions& options);

// Axis ticks: about `target` round steps (1, 2, 2.5, 5 x 10^k) covering [low, high].
std::vector<double> nice_ticks(double low, double high, int target = 5);

}  // namespace costbot::render
