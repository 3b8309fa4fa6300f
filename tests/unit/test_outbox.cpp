#include <catch2/catch.hpp>

#include "engine/outbox/outbox.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("an effect is queued once per idempotency key and delivered once", "[outbox]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("o.db"));
  {
    auto tx = db.begin_write();
    auto a = outbox::enqueue(db, {"slack.post_message", "alert:1:slack", {{"channel", "C1"}}, 0}, 1000);
    auto b = outbox::enqueue(db, {"slack.post_message", "alert:1:slack", {{"channel", "C2"}}, 0}, 1000);
    CHECK(a == b);
    tx.commit();
  }
  auto item = outbox::claim(db, 1000);
  REQUIRE(item);
  CHECK(item->payload.at("channel").as_string() == "C1");
  CHECK(item->attempts == 1);
  CHECK_FALSE(outbox::claim(db, 1000));  // leased
  outbox::retry_later(db, item->id, 1010, "HTTP 429");
  CHECK_FALSE(outbox::claim(db, 1005));
  item = outbox::claim(db, 1010);
  REQUIRE(item);
  CHECK(item->attempts == 2);
  outbox::complete(db, item->id, boost::json::object{{"ts", "123.456"}}, 1011);
  CHECK_FALSE(outbox::claim(db, 5000));
  CHECK(outbox::result_of(db, "alert:1:slack")->at("ts").as_string() == "123.456");
  auto s = outbox::stats(db);
  CHECK(s.done == 1);
  CHECK(s.retries == 1);
}

TEST_CASE("a claimed effect whose worker died is claimed again after its lease", "[outbox]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("o.db"));
  outbox::enqueue(db, {"jira.create_issue", "approval:7:ticket", {}, 0}, 100);
  REQUIRE(outbox::claim(db, 100, 30));
  CHECK_FALSE(outbox::claim(db, 120));
  auto again = outbox::claim(db, 131);
  REQUIRE(again);
  CHECK(again->attempts == 2);
}

TEST_CASE("an effect can wait until a time and a claim can be limited to kinds", "[outbox]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("o.db"));
  outbox::enqueue(db, {"email.send", "digest:1", {}, 500}, 100);
  outbox::enqueue(db, {"slack.post_message", "p:1", {}, 0}, 100);
  CHECK_FALSE(outbox::claim(db, 100, 60, {"email.send"}));
  CHECK(outbox::claim(db, 100, 60, {"slack.post_message"}));
  CHECK(outbox::claim(db, 500, 60, {"email.send"}));
}

TEST_CASE("an effect that waits for another is claimed only once that one is done or failed", "[outbox]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("o.db"));
  outbox::enqueue(db, {"slack.post", "post:1", {}, 0}, 100);
  outbox::enqueue(db, {"slack.update", "edit:1", {}, 0, "post:1"}, 100);
  outbox::enqueue(db, {"slack.update", "edit:2", {}, 0, "post:2"}, 100);  // waits for nothing queued: due
  auto first = outbox::claim(db, 100, 60, {"slack.update"});
  REQUIRE(first);
  CHECK(first->idempotency_key == "edit:2");
  CHECK_FALSE(outbox::claim(db, 100, 60, {"slack.update"}));  // edit:1 waits for its post
  auto post = outbox::claim(db, 100, 60, {"slack.post"});
  REQUIRE(post);
  CHECK_FALSE(outbox::claim(db, 100, 60, {"slack.update"}));  // still in flight
  outbox::complete(db, post->id, boost::json::object{}, 101);
  auto edit = outbox::claim(db, 101, 60, {"slack.update"});
  REQUIRE(edit);
  CHECK(edit->idempotency_key == "edit:1");
}
