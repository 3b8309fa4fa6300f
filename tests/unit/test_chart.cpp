#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "engine/config/config.hpp"
#include "engine/render/chart.hpp"
#include "engine/render/chart_csv.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "tests/support/png_image.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using render::ChartData;
using render::ChartOptions;
using render::ChartPoint;

namespace {

Day day(int offset) { return *parse_day("2024-09-01") + std::chrono::days{offset}; }

// 30 days around $12k/day with a baseline band; `anomalies` marks the given offsets (and makes them spike).
ChartData sample_series(std::vector<int> anomalies = {}) {
  ChartData data;
  data.title = "payments · Amazon EC2";
  for (int i = 0; i < 30; ++i) {
    ChartPoint p;
    p.day = day(i);
    double expected = 12000 + 150 * std::sin(i);
    p.expected = expected;
    p.lower = expected * 0.85;
    p.upper = expected * 1.15;
    p.actual = expected * (1 + 0.03 * std::cos(i * 1.7));
    for (int a : anomalies)
      if (a == i) p.actual = expected * 2.5, p.anomaly = true;
    data.points.push_back(p);
  }
  return data;
}

std::size_t highlight_pixels(const testing::PngImage& image, render::Rgb c, int tolerance = 0) {
  return image.count_near(c.r, c.g, c.b, tolerance);
}

}  // namespace

TEST_CASE("a chart is a valid PNG of the configured size", "[chart]") {
  auto [width, height] = GENERATE(table<int, int>({{800, 400}, {640, 320}, {1200, 500}, {240, 160}}));
  ChartOptions options;
  options.width = width;
  options.height = height;
  auto png = render::render_cost_chart(sample_series({20}), options);

  auto header = testing::read_png_header(png);
  CHECK(header.width == static_cast<std::uint32_t>(width));
  CHECK(header.height == static_cast<std::uint32_t>(height));
  auto image = testing::decode_png(png);
  CHECK(image.width == width);
  CHECK(image.height == height);
  // The corners are the white background and the actual line's blue is there.
  CHECK(image.count_near(255, 255, 255) > image.pixels.size() / 2);
  auto blue = render::ChartPalette::actual;
  CHECK(image.count_near(blue.r, blue.g, blue.b, 8) > 50);
}

TEST_CASE("anomalous days are drawn in the highlight colour and normal days are not", "[chart]") {
  ChartOptions options;
  auto highlight = GENERATE(as<std::string>{}, "#e03131", "#ff8800", "#8a2be2");
  options.highlight = *render::parse_hex_color(highlight);
  INFO("highlight " << highlight);

  auto with_anomaly = testing::decode_png(render::render_cost_chart(sample_series({12, 25, 26}), options));
  auto without = testing::decode_png(render::render_cost_chart(sample_series(), options));

  // Three markers plus the legend dot: each a solid disc of exactly the highlight colour.
  CHECK(highlight_pixels(with_anomaly, options.highlight) >= 4 * 20);
  // Nothing even close to it when no day is anomalous.
  CHECK(highlight_pixels(without, options.highlight, 24) == 0);
}

TEST_CASE("the highlight marks the anomalous day's column, not another", "[chart]") {
  ChartOptions options;
  auto image = testing::decode_png(render::render_cost_chart(sample_series({0}), options));
  // Day 0 of 30 sits in the left part of the plot: every exact highlight pixel outside the legend
  // row must be in the leftmost tenth of the image.
  int right_of_first_slot = 0;
  for (int y = 140; y < image.height; ++y)  // below the header and its legend
    for (int x = image.width / 10; x < image.width; ++x) {
      const auto& p = image.at(x, y);
      if (p.r == options.highlight.r && p.g == options.highlight.g && p.b == options.highlight.b) ++right_of_first_slot;
    }
  CHECK(right_of_first_slot == 0);
  CHECK(highlight_pixels(image, options.highlight) > 20);
}

TEST_CASE("odd data draws a chart instead of failing", "[chart]") {
  ChartOptions options;
  ChartData data;
  SECTION("an empty series") {}
  SECTION("one point") { data.points.push_back({day(0), 42.5, 40.0, 30.0, 50.0, true}); }
  SECTION("all zeros") {
    for (int i = 0; i < 10; ++i) data.points.push_back({day(i), 0, 0.0, 0.0, 0.0, false});
  }
  SECTION("huge values") {
    for (int i = 0; i < 10; ++i) data.points.push_back({day(i), 1e300 * (i + 1), 1e18, 0.0, 1e30, i == 3});
  }
  SECTION("negative values (credits)") {
    for (int i = 0; i < 10; ++i) data.points.push_back({day(i), i % 2 ? -500.0 : 800.0, {}, {}, {}, false});
  }
  SECTION("non-finite values and swapped bounds") {
    double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    data.points.push_back({day(0), nan, 1.0, 2.0, 1.0, true});
    data.points.push_back({day(1), 10, inf, 12.0, 8.0, false});
    data.points.push_back({day(2), 12, 11.0, nan, 13.0, true});
  }
  SECTION("days out of order, with a gap of months") {
    data.points.push_back({day(200), 30, {}, {}, {}, false});
    data.points.push_back({day(0), 10, {}, {}, {}, true});
    data.points.push_back({day(1), 20, {}, {}, {}, false});
  }
  auto image = testing::decode_png(render::render_cost_chart(data, options));
  CHECK(image.width == options.width);
  CHECK(image.height == options.height);
}

TEST_CASE("a chart size outside the supported range is refused", "[chart]") {
  ChartOptions options;
  options.width = GENERATE(0, -5, 100000);
  CHECK_THROWS_AS(render::render_cost_chart(sample_series(), options), Error);
}

TEST_CASE("axis ticks are round numbers that cover the data", "[chart]") {
  using V = std::vector<double>;
  CHECK(render::nice_ticks(0, 12340, 5) == V{0, 2500, 5000, 7500, 10000, 12500});
  CHECK(render::nice_ticks(0, 1, 5) == V{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  CHECK(render::nice_ticks(-500, 800, 4) == V{-500, 0, 500, 1000});
  auto huge = render::nice_ticks(0, 1e15, 5);
  CHECK(huge.front() == 0);
  CHECK(huge.back() >= 1e15);
  CHECK(huge.size() <= 12);
}

TEST_CASE("axis money labels are short and have no trailing zeros", "[chart][format]") {
  auto [amount, text] = GENERATE(table<double, std::string>({{0, "$0"},
                                                             {0.25, "$0.25"},
                                                             {250, "$250"},
                                                             {1200, "$1.2k"},
                                                             {1250, "$1.25k"},
                                                             {12000, "$12k"},
                                                             {999.99, "$1k"},
                                                             {1500000, "$1.5M"},
                                                             {3e9, "$3B"},
                                                             {-500, "-$500"}}));
  CHECK(fmtx::money_compact(amount) == text);
  CHECK(fmtx::money_compact(12000, "EUR") == "12k EUR");
}

TEST_CASE("chart colours are read from hex", "[chart]") {
  CHECK(render::parse_hex_color("#e03131") == render::Rgb{0xe0, 0x31, 0x31});
  CHECK(render::parse_hex_color("#E31") == render::Rgb{0xee, 0x33, 0x11});
  CHECK_FALSE(render::parse_hex_color("e03131"));
  CHECK_FALSE(render::parse_hex_color("#e0313"));
  CHECK_FALSE(render::parse_hex_color("#ggg"));
  CHECK(render::to_hex({0xe0, 0x31, 0x31}) == "#e03131");
}

TEST_CASE("the charts config section is validated with key paths", "[chart][config]") {
  config::Config config;
  auto ok = config::check_text("charts:\n  width: 1024\n  height: 300\n  highlight: \"#f80\"\n", &config);
  INFO(ok.to_string());
  REQUIRE(ok.empty());
  CHECK(config.charts.width == 1024);
  auto options = ChartOptions::from_config(config.charts);
  CHECK(options.height == 300);
  CHECK(options.highlight == render::Rgb{0xff, 0x88, 0x00});

  auto bad = config::check_text("charts:\n  width: 10\n  height: tall\n  highlight: red\n  colour: x\n");
  auto text = bad.to_string();
  CHECK(text.find("charts.width: must be 240..4000 pixels, got 10") != std::string::npos);
  CHECK(text.find("charts.height: expected an integer") != std::string::npos);
  CHECK(text.find("charts.highlight: expected a colour") != std::string::npos);
  CHECK(text.find("charts.colour: unknown key") != std::string::npos);
}

TEST_CASE("a chart series CSV keeps good rows and names bad ones with file and line", "[chart][csv]") {
  SECTION("positional columns") {
    std::istringstream in("2024-09-01,100,90,80,110,0\n2024-09-02,abc\n\n2024-09-03,300,,,,1\n2024-13-01,5\n");
    auto csv = render::read_chart_csv(in, "s.csv");
    REQUIRE(csv.points.size() == 2);
    CHECK(csv.points[0].expected == 90.0);
    CHECK_FALSE(csv.points[1].expected);
    CHECK(csv.points[1].anomaly);
    REQUIRE(csv.problems.size() == 2);
    CHECK(csv.problems[0] == "s.csv:2: expected a number for actual, got \"abc\"");
    CHECK(csv.problems[1] == "s.csv:5: expected a day like 2024-09-18, got \"2024-13-01\"");
  }
  SECTION("a header names the columns, as detect-series writes them") {
    std::istringstream in("timestamp,value,anomaly_score,is_anomaly\n2024-09-01 00:00:00,10,0.1,0\n"
                          "2024-09-02 00:00:00,99,7.5,1\n2024-09-03 00:00:00,11,0.2,maybe\n");
    auto csv = render::read_chart_csv(in, "d.csv");
    REQUIRE(csv.points.size() == 2);
    CHECK(csv.points[1].anomaly);
    CHECK(csv.points[1].actual == 99);
    REQUIRE(csv.problems.size() == 1);
    CHECK(csv.problems[0] == "d.csv:4: expected 1/0, true/false or yes/no for anomaly, got \"maybe\"");
  }
  SECTION("a header without a value column") {
    std::istringstream in("day,budget\n2024-09-01,1\n");
    auto csv = render::read_chart_csv(in, "h.csv");
    CHECK(csv.points.empty());
    REQUIRE(csv.problems.size() == 1);
    CHECK(csv.problems[0].rfind("h.csv:1: the header needs", 0) == 0);
  }
}

TEST_CASE("costbot chart writes the PNG and reports skipped rows", "[chart][cli]") {
  testing::TempDir dir;
  auto input = dir.write("series.csv", "day,actual,expected,lower,upper,anomaly\n2024-09-01,100,100,90,110,0\n"
                                       "2024-09-02,400,100,90,110,1\n2024-09-03,x,100,90,110,0\n"
                                       "2024-09-04,105,100,90,110,0\n");
  auto output = dir.file("out.png");
  auto r = testing::run_costbot({"chart", "--input", input, "--output", output, "--width", "500", "--height", "250",
                                 "--highlight", "#00aa55"});
  INFO(r.err);
  CHECK(r.exit_code == 2);  // the chart is written, and the exit code says a row was skipped
  CHECK(r.err.find("series.csv:4: expected a number for actual") != std::string::npos);
  auto image = testing::decode_png(testing::read_file(output));
  CHECK(image.width == 500);
  CHECK(image.height == 250);
  CHECK(image.count_near(0x00, 0xaa, 0x55) > 20);

  auto good = dir.write("good.csv", "2024-09-01,100\n2024-09-02,120\n");
  auto ok = testing::run_costbot({"chart", "--input", good, "--output", output});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(testing::read_png_header(testing::read_file(output)).width == 800);

  auto bad_colour = testing::run_costbot({"chart", "--input", good, "--output", output, "--highlight", "red"});
  CHECK(bad_colour.exit_code != 0);
  CHECK(bad_colour.err.find("--highlight") != std::string::npos);
}

namespace {

// A month's budget chart as the service draws it: cumulative spend for the days so far, then the
// forecast (projected days) to month end, and the budget line.
ChartData budget_month(int days_so_far) {
  ChartData data;
  data.title = "payments: September 2024 budget";
  data.actual_label = "Spent this month";
  data.expected_label = "Forecast";
  data.band_label = "90% interval";
  data.reference = 12000;
  data.reference_label = "Budget $12k";
  double total = 0;
  for (int i = 0; i < 30; ++i) {
    ChartPoint p;
    p.day = day(i);
    if (i < days_so_far) {
      total += 400;
      p.actual = total;
      if (i == days_so_far - 1) p.expected = p.lower = p.upper = total;
    } else {
      const double t = static_cast<double>(i - days_so_far + 1) / (30 - days_so_far);
      p.projected = true;
      p.expected = total + t * 400 * (30 - days_so_far);
      p.lower = total + t * 300 * (30 - days_so_far);
      p.upper = total + t * 550 * (30 - days_so_far);
      p.anomaly = true;  // nothing can be anomalous on a day to come: must not be drawn
    }
    data.points.push_back(p);
  }
  return data;
}

int rightmost(const testing::PngImage& image, render::Rgb c, int tolerance, int from_y) {
  int right = -1;
  for (int y = from_y; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const auto& p = image.at(x, y);
      if (std::abs(p.r - c.r) <= tolerance && std::abs(p.g - c.g) <= tolerance && std::abs(p.b - c.b) <= tolerance)
        right = std::max(right, x);
    }
  return right;
}

std::size_t near_right_of(const testing::PngImage& image, render::Rgb c, int tolerance, int x0, int from_y) {
  std::size_t n = 0;
  for (int y = from_y; y < image.height; ++y)
    for (int x = x0; x < image.width; ++x) {
      const auto& p = image.at(x, y);
      n += std::abs(p.r - c.r) <= tolerance && std::abs(p.g - c.g) <= tolerance && std::abs(p.b - c.b) <= tolerance;
    }
  return n;
}

}  // namespace

TEST_CASE("a budget chart draws the days to come as a forecast, never as $0 spend or anomalies", "[chart][budget]") {
  ChartOptions options;
  auto image = testing::decode_png(render::render_cost_chart(budget_month(14), options));
  // The spend line ends on day 14 of 30: its blue never reaches the right half of the plot, where
  // a month drawn with $0 future days would run along the bottom.
  const int actual_right = rightmost(image, render::ChartPalette::actual, 8, 140);
  INFO("the spend line's rightmost pixel is at x = " << actual_right);
  REQUIRE(actual_right > 0);
  CHECK(actual_right < image.width * 0.6);
  // The forecast (dashed expected line) and its band carry on to the month's end.
  CHECK(near_right_of(image, render::ChartPalette::expected, 10, actual_right + 10, 140) > 30);
  // The band is filled at 70% opacity over the white plot: 0.7 * #c7d2e0 + 0.3 * white.
  const render::Rgb band_on_white{216, 224, 233};
  CHECK(near_right_of(image, band_on_white, 6, image.width * 3 / 4, 140) > 200);
  // No anomaly marker anywhere (the projected days were flagged, and must be ignored).
  CHECK(highlight_pixels(image, options.highlight, 24) == 0);
  // The budget line spans the plot.
  CHECK(near_right_of(image, render::ChartPalette::reference, 6, 0, 140) > 400);
}

TEST_CASE("an expected line below $0 is drawn at $0 when the costs never are", "[chart]") {
  ChartOptions options;
  ChartData negative = sample_series();
  ChartData clamped = negative;
  for (std::size_t i = 0; i < negative.points.size(); ++i) {
    negative.points[i].expected = -500.0 * static_cast<double>(i % 3);
    negative.points[i].lower = -900.0;
    clamped.points[i].expected = 0.0;
    clamped.points[i].lower = 0.0;
  }
  CHECK(render::render_cost_chart(negative, options) == render::render_cost_chart(clamped, options));
}

TEST_CASE("a long title wraps inside the image instead of being cut at its edge", "[chart]") {
  ChartOptions options;
  ChartData data = sample_series();
  data.title = "compute (service=Amazon Elastic Compute Cloud) is forecast to reach 199% of its $15,000 "
               "December 2026 budget, with the largest increase in account 43883916739";
  auto image = testing::decode_png(render::render_cost_chart(data, options));
  const auto text = render::ChartPalette::text;
  // Nothing of the title's dark text in the right margin ...
  std::size_t in_margin = 0;
  for (int y = 0; y < 90; ++y)
    for (int x = image.width - 8; x < image.width; ++x) {
      const auto& p = image.at(x, y);
      in_margin += std::abs(p.r - text.r) < 40 && std::abs(p.g - text.g) < 40 && std::abs(p.b - text.b) < 40;
    }
  CHECK(in_margin == 0);
  // ... and a second line of it below the first.
  std::size_t second_line = 0;
  for (int y = 38; y < 62; ++y)
    for (int x = 0; x < image.width / 2; ++x) {
      const auto& p = image.at(x, y);
      second_line += std::abs(p.r - text.r) < 40 && std::abs(p.g - text.g) < 40 && std::abs(p.b - text.b) < 40;
    }
  CHECK(second_line > 100);
}

TEST_CASE("chart labels stay readable when a phone shows the image at 360 px", "[chart]") {
  // The tick labels of an 800 px chart are drawn at >= 20 px (about 9 px at 360 px wide): their
  // dark glyph pixels cover far more area than the old 11 px text did.
  ChartOptions options;
  auto image = testing::decode_png(render::render_cost_chart(sample_series(), options));
  const auto muted = render::ChartPalette::muted_text;
  // The x-axis labels sit in the bottom band of the image.
  int top = image.height, bottom = 0;
  for (int y = image.height - 60; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const auto& p = image.at(x, y);
      if (std::abs(p.r - muted.r) < 30 && std::abs(p.g - muted.g) < 30 && std::abs(p.b - muted.b) < 30)
        top = std::min(top, y), bottom = std::max(bottom, y);
    }
  INFO("x-axis label glyphs span rows " << top << ".." << bottom);
  CHECK(bottom - top >= 13);  // digit height of a >= 18 px font
}
