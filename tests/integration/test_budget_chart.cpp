// A budget finding's chart as the running service serves it (GET /charts/{id}.png) on the demo's
// data ending mid-month: the month's spend adds up against the budget line and stops at the last
// day with data; the days to come are the forecast and its band, never $0 spend or anomalies.
#include <catch2/catch.hpp>

#include "engine/demo/demo_history.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/auth/sessions.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/render/chart.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/png_image.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {

int rightmost_near(const testing::PngImage& image, render::Rgb c, int tolerance, int from_y) {
  int right = -1;
  for (int y = from_y; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const auto& p = image.at(x, y);
      if (std::abs(p.r - c.r) <= tolerance && std::abs(p.g - c.g) <= tolerance && std::abs(p.b - c.b) <= tolerance)
        right = std::max(right, x);
    }
  return right;
}

}  // namespace

TEST_CASE("a budget finding's chart stops the spend at the last day with data and forecasts the rest", "[charts][budget]") {
  testing::TempDir dir;
  const Day last_day = *parse_day("2024-09-14");  // day 14 of 30
  auto config = config::load(testing::source_path("config/costbot.example.yaml"));
  {
    auto db = storage::open_migrated(dir.file("chart.db"));
    demo::DemoOptions d;
    d.last_day = last_day;
    d.sample_path = testing::source_path("tests/fixtures/focus/focus_sample.csv");
    d.focus_path = dir.file("focus.csv");
    d.usage_path = dir.file("usage.csv");
    demo::generate_demo_history(d);
    ingest::IngestOptions io;
    io.force = true;
    testing::TestClock clock(start_of(last_day) + 10 * 3600);
    ingest::ingest_file(db, config, ingest::SourceType::focus, d.focus_path, clock, io);
    ingest::ingest_file(db, config, ingest::SourceType::usage, d.usage_path, clock, io);
    detect::run_detection(db, config, clock.now());
  }
  testing::HarnessOptions o;
  o.database_path = dir.file("chart.db");
  o.slack = false;
  o.operations = true;
  // The service runs with the config detection ran with (its teams and scope budgets), so each
  // budget finding's chart finds its budget.
  o.configure = [](config::Config& c) {
    auto example = config::load(testing::source_path("config/costbot.example.yaml"));
    example.database = c.database;
    example.server.shutdown_grace = c.server.shutdown_grace;
    example.slack = c.slack;
    example.api = {};
    for (auto& [name, job] : example.schedules.jobs) job.enabled = false;
    c = std::move(example);
  };
  testing::ServiceHarness harness(o);
  harness.start();

  // Charts show a team's spend: a signed-in viewer (here the local operator's one-time link).
  auto link = auth::create_sign_in_link(harness.db(), 3600, "test", harness.service().clock().now());
  auto signed_in = testing::http_request("127.0.0.1", harness.port(), "GET", "/auth/local?token=" + link, {});
  REQUIRE(signed_in.status == 303);
  const std::string set_cookie = signed_in.header("Set-Cookie");
  const std::vector<std::pair<std::string, std::string>> viewer{{"Cookie", set_cookie.substr(0, set_cookie.find(';'))}};

  detect::FindingStore store(harness.db());
  std::vector<detect::Finding> budget;
  for (auto& f : store.findings(detect::FindingQuery::open()))
    if (f.kind == detect::kBudgetActual || f.kind == detect::kBudgetForecast) budget.push_back(f);
  REQUIRE_FALSE(budget.empty());  // the demo's budget pressure on data-platform
  for (const auto& f : budget) {
    INFO("finding F" << f.id << ": " << f.title);
    auto png = testing::http_request("127.0.0.1", harness.port(), "GET", "/charts/" + std::to_string(f.id) + ".png", viewer);
    REQUIRE(png.status == 200);
    auto image = testing::decode_png(png.body);
    // The spend line (blue) ends at day 14 of 30, left of the plot's middle; a month drawn with $0
    // for the days to come would run along the bottom to the right edge.
    const int spend_right = rightmost_near(image, render::ChartPalette::actual, 8, 140);
    INFO("the spend line's rightmost pixel is at x = " << spend_right << " of " << image.width);
    REQUIRE(spend_right > 0);
    CHECK(spend_right < image.width * 0.6);
    // The forecast carries on to the month's end, and nothing is marked anomalous.
    CHECK(rightmost_near(image, render::ChartPalette::expected, 10, 140) > image.width * 0.9);
    CHECK(image.count_near(0xe0, 0x31, 0x31, 24) == 0);
  }
}
