#include <catch2/catch.hpp>

#include "bot/api/auth.hpp"
#include "bot/web/web_feed.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

web::StoreOutcome post(storage::Database& db, const json::object& payload, UnixSeconds now) {
  auto p = web::post_from_payload(payload);
  auto tx = db.begin_write();
  auto outcome = web::store_post(db, p, payload.if_contains("version") != nullptr, now);
  tx.commit();
  return outcome;
}

json::object approval_post(std::int64_t version, const std::string& status) {
  return {{"feed", "approvals"},
          {"subject", "approval:7"},
          {"version", version},
          {"event", "approval_request"},
          {"title", "Stop the idle instance"},
          {"text", "Status: " + status},
          {"view", {{"status", status}}},
          {"actions", json::array{{{"verb", "approve"}, {"label", "Approve"}, {"subject", "approval:7:0"}}}}};
}

}  // namespace

TEST_CASE("web posts: a newer version replaces the message in place, an older one is ignored", "[web]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("w.db"));
  CHECK(post(db, approval_post(1, "open"), 100) == web::StoreOutcome::inserted);
  CHECK(post(db, approval_post(3, "approved"), 110) == web::StoreOutcome::replaced);
  // Version 2 was delivered late (a retry): the page must not go back to it.
  CHECK(post(db, approval_post(2, "open"), 120) == web::StoreOutcome::stale);
  CHECK(post(db, approval_post(3, "approved"), 130) == web::StoreOutcome::stale);

  auto stored = web::find_post(db, "approvals", "approval:7");
  REQUIRE(stored);
  CHECK(stored->version == 3);
  CHECK(stored->text == "Status: approved");
  CHECK(stored->view.at("status").as_string() == "approved");
  CHECK(stored->posted_at == 100);
  CHECK(stored->updated_at == 110);
  REQUIRE(stored->actions.size() == 1);
}

TEST_CASE("web posts: a notice without a version is added to the message's notes", "[web]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("w.db"));
  json::object reminder{{"feed", "approvals"}, {"subject", "approval:7"}, {"event", "approval_remind"},
                        {"text", "Reminder: approval #7 has waited past its SLA"}};
  // A notice that arrives before the message still shows.
  CHECK(post(db, reminder, 90) == web::StoreOutcome::inserted);
  CHECK(post(db, approval_post(1, "open"), 100) == web::StoreOutcome::replaced);
  CHECK(post(db, reminder, 200) == web::StoreOutcome::noted);
  auto stored = web::find_post(db, "approvals", "approval:7");
  REQUIRE(stored);
  CHECK(stored->text == "Status: open");  // the message itself is untouched
  REQUIRE(stored->notes.size() == 2);
  CHECK(stored->notes[1].at("event").as_string() == "approval_remind");
  CHECK(stored->notes[1].at("at").as_int64() == 200);
  for (int i = 0; i < 30; ++i) post(db, reminder, 300 + i);
  CHECK(web::find_post(db, "approvals", "approval:7")->notes.size() == 20);  // bounded
}

TEST_CASE("web posts: feeds are separate and pollers can ask for what changed", "[web]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("w.db"));
  post(db, approval_post(1, "open"), 100);
  post(db, {{"feed", "persona:cfo"}, {"subject", "finding:3"}, {"version", 1}, {"title", "Spend up $4,200/day"}}, 101);
  post(db, {{"feed", "persona:engineer"}, {"subject", "finding:3"}, {"version", 1}, {"title", "i-0abc: GPU scale-out"}}, 102);
  auto cfo = web::feed_posts(db, {"persona:cfo", 100, 0});
  REQUIRE(cfo.size() == 1);
  CHECK(cfo[0].title == "Spend up $4,200/day");
  auto all = web::feeds(db);
  REQUIRE(all.size() == 3);
  const auto last = all[0].last_seq;  // approvals
  CHECK(web::feed_posts(db, {"approvals", 100, last}).empty());
  post(db, approval_post(2, "approved"), 150);
  auto changed = web::feed_posts(db, {"approvals", 100, last});
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].version == 2);
}

TEST_CASE("web posts: a malformed payload is refused with the field named", "[web]") {
  auto bad = GENERATE(table<const char*, const char*>({
      {R"({"subject": "a:1"})", "\"feed\""},
      {R"({"feed": "f"})", "\"subject\""},
      {R"({"feed": "f", "subject": "a:1", "version": "two"})", "\"version\""},
      {R"({"feed": "f", "subject": "a:1", "view": []})", "\"view\""},
      {R"({"feed": "f", "subject": "a:1", "actions": [{"label": "x"}]})", "\"verb\""},
      {R"({"feed": 3, "subject": "a:1"})", "\"feed\""},
  }));
  auto payload = json::parse(std::get<0>(bad)).as_object();
  try {
    web::post_from_payload(payload);
    FAIL("accepted " << std::get<0>(bad));
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
    CHECK_THAT(e.what(), Catch::Contains(std::get<1>(bad)));
  }
}

TEST_CASE("API tokens are matched exactly, whatever their position, and nothing else passes", "[api]") {
  config::ApiConfig api;
  auto token = [](std::string name, std::string value, std::string actor) {
    config::ApiToken t;
    t.name = std::move(name);
    t.sha256 = hash::sha256_hex(value);
    t.actor = std::move(actor);
    return t;
  };
  api.tokens.push_back(token("ci", "ci-token-0123456789abcdef", ""));
  api.tokens.push_back(token("dash", "dash-token-0123456789abcdef", "U1"));
  CHECK(api::authenticate(api, "Bearer ci-token-0123456789abcdef").name == "ci");
  CHECK(api::authenticate(api, "bearer  dash-token-0123456789abcdef ").name == "dash");
  for (const char* bad : {"Bearer ci-token-0123456789abcde", "Bearer ci-token-0123456789abcdefX", "Bearer ",
                          "Basic ci-token-0123456789abcdef", "ci-token-0123456789abcdef", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(api::authenticate(api, std::string_view(bad)), Error);
  }
  CHECK_THROWS_WITH(api::authenticate(api, std::nullopt), Catch::Contains("missing Authorization header"));
  try {
    api::authenticate(api, "Bearer guess-0123456789abcdef");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unauthorized);
    CHECK_THAT(e.what(), !Catch::Contains("guess"));  // the value sent is never echoed
  }
}

TEST_CASE("the API rate limiter allows a burst, then the sustained rate, and says when to retry", "[api]") {
  api::RateLimiter limiter;
  auto t0 = api::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) CHECK(limiter.take("a", 60, 3, t0).allowed);  // burst of 3
  auto refused = limiter.take("a", 60, 3, t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after == std::chrono::seconds(1));  // 60/minute: one per second
  CHECK(limiter.take("b", 60, 3, t0).allowed);             // another key has its own bucket
  CHECK(limiter.take("a", 60, 3, t0 + std::chrono::milliseconds(1000)).allowed);
  CHECK_FALSE(limiter.take("a", 60, 3, t0 + std::chrono::milliseconds(1100)).allowed);
  auto slow = limiter.take("c", 2, 1, t0);
  CHECK(slow.allowed);
  CHECK(limiter.take("c", 2, 1, t0).retry_after == std::chrono::seconds(30));  // 2/minute
  // The bucket never holds more than its burst, however long it was idle.
  for (int i = 0; i < 3; ++i) CHECK(limiter.take("a", 60, 3, t0 + std::chrono::hours(5)).allowed);
  CHECK_FALSE(limiter.take("a", 60, 3, t0 + std::chrono::hours(5)).allowed);
}
