// Chart images in Slack and Teams alerts: Slack's and Teams' servers fetch the image themselves,
// with no session or API token, so alerts carry a signed, expiring chart link
// (engine/auth/link_signing). The real service on loopback; the Slack alert as delivered to a Slack
// fake, the Teams alert as its renderer draws it; then the image is fetched from the service with
// no credentials at all.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "adapters/teams/message_render.hpp"
#include "bot/alerts/alerts_app.hpp"
#include "engine/alerts/delivery.hpp"
#include "engine/alerts/facts.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/auth/link_signing.hpp"
#include "engine/detect/finding_store.hpp"
#include "tests/support/alerts_support.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_clock.hpp"

using namespace costbot;
using Catch::Contains;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kChartLinksT0 = 1726660800;  // 2024-09-18T12:00:00Z, after the world's detection run
const std::string kPublicBase = "https://costbot.example.com";

const std::string kChartLinksPersonas = R"(
personas:
  cfo: {enabled: false}
  engineer: {enabled: false}
  eng_manager: {enabled: false}
  finops_analyst:
    min_severity: low
    deliver: {slack: ["#finops"], web: false}
)";

// Every "image_url" (Slack) or Image "url" (Teams) in a message body.
void collect_image_urls(const json::value& v, std::vector<std::string>& out) {
  if (const auto* o = v.if_object()) {
    if (auto it = o->find("type"); it != o->end() && it->value().is_string()) {
      const auto type = it->value().as_string();
      if (type == "image" && o->contains("image_url")) out.emplace_back(o->at("image_url").as_string());
      if (type == "Image" && o->contains("url")) out.emplace_back(o->at("url").as_string());
    }
    for (const auto& kv : *o) collect_image_urls(kv.value(), out);
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a) collect_image_urls(e, out);
  }
}

// The request target on this service for a link under the public URL.
std::string target_of_link(const std::string& url) {
  REQUIRE(url.rfind(kPublicBase, 0) == 0);
  return url.substr(kPublicBase.size());
}

}  // namespace

TEST_CASE("alert chart images: Slack and Teams fetch the signed link without a session, altered or expired links get 403",
          "[integration][alerts][charts]") {
  testing::FakeSlack slack;
  testing::AlertsWorld w(kChartLinksPersonas);
  w.seed_spike(9000);
  testing::TestClock clock{kChartLinksT0};
  testing::HarnessOptions options;
  options.database_path = w.config().database.path;
  options.slack_api_url = slack.api_url();
  options.bot_token = slack.bot_token();
  options.clock = &clock;
  options.stepped_outbox = true;
  options.operations = true;  // GET /charts/{id}.png
  const config::Config world = w.config();
  options.configure = [world](config::Config& c) {
    c.teams = world.teams;
    c.personas = world.personas;
    c.alerts = world.alerts;
    c.server.public_url = world.server.public_url;
    for (auto& [name, job] : c.schedules.jobs) job.enabled = false;
  };
  options.install = [](service::Service& s) { alerts_app::install(s, testing::source_path("templates")); };
  testing::ServiceHarness harness(options);
  harness.start();
  REQUIRE(world.server.public_url == kPublicBase);

  // The Slack alert, as the outbox posts it.
  alerts::AlertDelivery(w.db(), w.config(), w.templates(), clock.now()).run();
  harness.deliver_due();
  std::vector<std::string> slack_images;
  for (const auto& post : slack.calls("chat.postMessage")) collect_image_urls(post, slack_images);
  REQUIRE_FALSE(slack_images.empty());

  // The Teams alert of the same finding, as the Teams renderer draws it.
  alerts::SubjectCache cache(w.db(), w.config());
  detect::Finding spike;
  for (auto& f : detect::FindingStore(w.db()).findings(detect::FindingQuery::open()))
    if (detect::is_cost_anomaly(f.kind)) spike = f;
  REQUIRE(spike.id > 0);
  auto* view = cache.get(alerts::subject_of(spike));
  REQUIRE(view);
  alerts::MessageRenderer renderer(w.templates(), w.config());
  auto message = renderer.message(*w.config().personas.find("finops_analyst"), alerts::Channel::teams, "anomaly",
                                  view->subject, alerts::item_context(w.config(), *view, 1), 1);
  std::vector<std::string> teams_images;
  collect_image_urls(teams::render_message_activity(w.templates(), message), teams_images);
  REQUIRE(teams_images.size() == 1);

  CHECK_THAT(teams_images[0], Contains("/charts/" + std::to_string(view->finding.id) + ".png?expires="));
  CHECK(json::serialize(view->facts).find("\"chart_url\":\"" + kPublicBase + "/charts/" + std::to_string(view->finding.id) +
                                          ".png\"") != std::string::npos);  // the people's link stays plain
  for (const auto& url : {slack_images[0], teams_images[0]}) {
    INFO(url);
    // A chart of this service, signed.
    const auto id_at = url.find("/charts/") + 8;
    REQUIRE(id_at > 8);
    const std::string id = url.substr(id_at, url.find(".png") - id_at);
    CHECK_THAT(url, Contains(".png?expires="));
    CHECK_THAT(url, Contains("&signature="));
    const std::string target = target_of_link(url);

    // No cookie, no token: the image.
    auto png = testing::http_request("127.0.0.1", harness.port(), "GET", target, {});
    CHECK(png.status == 200);
    CHECK(png.header("Content-Type") == "image/png");
    CHECK(png.body.rfind("\x89PNG", 0) == 0);

    // The same link without its signature is an ordinary chart request: sign in first.
    auto bare = testing::http_request("127.0.0.1", harness.port(), "GET", target.substr(0, target.find('?')), {});
    CHECK(bare.status == 401);

    // Altered: one signature digit, the expiry pushed out, another finding's chart.
    std::string flipped = target;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    auto altered = testing::http_request("127.0.0.1", harness.port(), "GET", flipped, {});
    CHECK(altered.status == 403);
    CHECK_THAT(altered.body, Contains("signature does not match"));
    const auto at = target.find("expires=") + 8;
    std::string later = target;
    later.insert(at, "1");  // ten times further out
    CHECK(testing::http_request("127.0.0.1", harness.port(), "GET", later, {}).status == 403);
    std::string other = target;
    other.replace(other.find("/charts/") + 8, id.size(), id + "0");
    CHECK(testing::http_request("127.0.0.1", harness.port(), "GET", other, {}).status == 403);
    auto half = testing::http_request("127.0.0.1", harness.port(), "GET", target.substr(0, target.find("&signature")), {});
    CHECK(half.status == 403);
    CHECK_THAT(half.body, Contains("needs both"));
  }

  // The link lasts 30 days from the finding's last change, then it is refused as expired.
  const UnixSeconds expires = std::max(view->finding.updated_at, view->finding.created_at) + auth::kChartLinkLifetime;
  CHECK_THAT(teams_images[0], Contains("expires=" + std::to_string(expires) + "&"));
  clock.set(expires);
  CHECK(testing::http_request("127.0.0.1", harness.port(), "GET", target_of_link(teams_images[0]), {}).status == 200);
  clock.set(expires + 1);
  auto expired = testing::http_request("127.0.0.1", harness.port(), "GET", target_of_link(teams_images[0]), {});
  CHECK(expired.status == 403);
  CHECK_THAT(expired.body, Contains("expired"));
  // Signed with another database's key: refused.
  {
    testing::AlertsWorld other_world(kChartLinksPersonas);
    const std::string path = "/charts/" + std::to_string(view->finding.id) + ".png";
    auto foreign = path + "?" + auth::signed_query(other_world.db(), path, clock.now() + 3600);
    CHECK(testing::http_request("127.0.0.1", harness.port(), "GET", foreign, {}).status == 403);
  }
}
