#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "bot/server/server.hpp"
#include "engine/util/error.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace costbot::server;
using testing::TestConnection;

namespace {

struct ServerFixture {
  std::shared_ptr<Router> router = std::make_shared<Router>();
  std::atomic<int> handled{0};
  std::unique_ptr<Server> server;

  ServerFixture() {
    router->add("GET", "/hello", [this](Request& req) {
      ++handled;
      return Response::text(200, "hello " + req.query_param("name").value_or("nobody"));
    });
    router->add("POST", "/echo", [this](Request& req) {
      ++handled;
      return Response::text(200, req.body);
    });
    router->add("GET", "/throws/{kind}", [](Request& req) -> Response {
      if (req.param("kind") == "conflict") throw Error(ErrorKind::conflict, "already decided", "row 7 locked");
      if (req.param("kind") == "internal") throw std::runtime_error("null pointer at 0xdeadbeef");
      throw invalid_input("bad thing");
    });
    // Answers from another thread after a delay: a request in flight.
    router->add_async("GET", "/slow", [](Request&& req, Respond respond) {
      auto ms = std::stoi(req.query_param("ms").value_or("300"));
      std::thread([respond, ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        respond(Response::text(200, "finally"));
      }).detach();
    });
    router->add_async("GET", "/never", [](Request&&, Respond) {});
  }

  void start(ServerOptions options = {}) {
    options.port = 0;
    options.access_log = false;
    if (options.read_timeout == std::chrono::milliseconds(10'000)) options.read_timeout = std::chrono::milliseconds(400);
    server = std::make_unique<Server>(options, router);
    server->start();
  }
  unsigned short port() const { return server->port(); }
};

}  // namespace

TEST_CASE("health and readiness answer over a real socket, unknown routes get 404 and wrong methods 405", "[server]") {
  testing::TempDir dir;
  testing::HarnessOptions options;
  options.database_path = dir.file("h.db");
  options.slack = false;
  testing::ServiceHarness harness(options);
  harness.start();
  auto health = harness.get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
  auto ready = harness.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find(R"("status":"ready")") != std::string::npos);
  auto missing = harness.get("/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body.find("no route for /nope") != std::string::npos);
  auto wrong = testing::http_request("127.0.0.1", harness.port(), "DELETE", "/healthz");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("Allow") == "GET");
  // Slack off: its routes say why instead of failing.
  auto slack = testing::http_request("127.0.0.1", harness.port(), "POST", "/slack/commands", {}, "text=top");
  CHECK(slack.status == 503);
  CHECK(slack.body.find("SLACK_SIGNING_SECRET") != std::string::npos);
}

TEST_CASE("readiness fails when the database is not migrated", "[server]") {
  testing::TempDir dir;
  testing::HarnessOptions options;
  options.database_path = dir.file("h.db");
  options.slack = false;
  testing::ServiceHarness harness(options);
  harness.start();
  harness.db().sql().exec("DELETE FROM schema_migrations WHERE version = 33");
  auto ready = harness.get("/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("migrations") != std::string::npos);
}

TEST_CASE("readiness fails, with the reason, when the database refuses writes", "[server][security]") {
  // Issue 15 finding 11: /readyz stayed 200 on a read-only or corrupt database. It now writes (and
  // deletes, committed) a probe row; a database that refuses the write is not ready.
  testing::TempDir dir;
  testing::HarnessOptions options;
  options.database_path = dir.file("h.db");
  options.slack = false;
  testing::ServiceHarness harness(options);
  harness.start();
  CHECK(harness.get("/readyz").status == 200);
  CHECK(testing::count_rows(harness.db(), "SELECT COUNT(*) FROM readiness_probe") == 0);  // written and deleted
  harness.db().sql().exec("CREATE TRIGGER refuse_writes BEFORE INSERT ON readiness_probe "
                          "BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END");
  auto ready = harness.get("/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("cannot be written") && Catch::Contains("readonly"));
}

TEST_CASE("one keep-alive connection serves several requests, each with its own request id", "[server]") {
  ServerFixture f;
  f.start();
  TestConnection c("127.0.0.1", f.port());
  auto a = c.request("GET", "/hello?name=a+b", {{"X-Request-Id", "client-id-1"}});
  auto b = c.request("POST", "/echo", {{"Content-Type", "text/plain"}}, "raw \x01 bytes");
  CHECK(a.body == "hello a b");
  CHECK(a.header("X-Request-Id") == "client-id-1");
  CHECK(b.body == "raw \x01 bytes");
  CHECK_FALSE(b.header("X-Request-Id").empty());
  CHECK(b.header("X-Request-Id") != "client-id-1");
  auto evil = c.request("GET", "/hello", {{"X-Request-Id", "bad id\"with<stuff>"}});
  CHECK(evil.header("X-Request-Id").find('"') == std::string::npos);
  CHECK(f.server->connections() == 1);
}

TEST_CASE("client faults get a 4xx with a reason, never a 500, and the server keeps serving", "[server]") {
  ServerFixture f;
  ServerOptions options;
  options.body_limit = 1024;
  options.header_limit = 2048;
  f.start(options);

  SECTION("a body over the limit is refused with 413 before any handler runs") {
    TestConnection c("127.0.0.1", f.port());
    auto r = c.request("POST", "/echo", {{"Content-Type", "text/plain"}}, std::string(5000, 'x'));
    CHECK(r.status == 413);
    CHECK(r.body.find("too large") != std::string::npos);
    CHECK(f.handled == 0);
    CHECK(c.closed_by_server_within(std::chrono::seconds(2)));
  }
  SECTION("headers over the limit get 431") {
    auto r = testing::http_request("127.0.0.1", f.port(), "GET", "/hello", {{"X-Big", std::string(4000, 'h')}});
    CHECK(r.status == 431);
  }
  SECTION("bytes that are not HTTP get 400 and the connection closes") {
    TestConnection c("127.0.0.1", f.port());
    c.write_raw("GARBAGE / NONSENSE\r\n\r\n");
    auto answer = c.read_until_closed(std::chrono::seconds(2));
    CHECK(answer.starts_with("HTTP/1.1 400"));
    CHECK(answer.find("malformed HTTP request") != std::string::npos);
  }
  SECTION("a bad percent escape in a path parameter is the client's fault") {
    auto r = testing::http_request("127.0.0.1", f.port(), "GET", "/throws/%zz");
    CHECK(r.status == 400);
  }
  SECTION("handler errors map to their status; internal detail stays in the log") {
    auto conflict = testing::http_request("127.0.0.1", f.port(), "GET", "/throws/conflict");
    CHECK(conflict.status == 409);
    CHECK(conflict.body.find("already decided") != std::string::npos);
    CHECK(conflict.body.find("row 7") == std::string::npos);
    auto internal = testing::http_request("127.0.0.1", f.port(), "GET", "/throws/internal");
    CHECK(internal.status == 500);
    CHECK(internal.body.find("deadbeef") == std::string::npos);
    CHECK(testing::http_request("127.0.0.1", f.port(), "GET", "/throws/other").status == 400);
  }
  CHECK(testing::http_request("127.0.0.1", f.port(), "GET", "/hello").status == 200);
}

TEST_CASE("a slow client cannot hold a connection: the read deadline closes it", "[server]") {
  ServerFixture f;
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(300);
  options.idle_timeout = std::chrono::milliseconds(300);
  f.start(options);
  SECTION("headers that never finish") {
    TestConnection c("127.0.0.1", f.port());
    c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n");
    auto started = std::chrono::steady_clock::now();
    CHECK(c.closed_by_server_within(std::chrono::seconds(3)));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  }
  SECTION("a body trickling in byte by byte past the deadline") {
    TestConnection c("127.0.0.1", f.port());
    c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
    bool closed = false;
    for (int i = 0; i < 20 && !closed; ++i) {
      try {
        c.write_raw("x");
      } catch (const std::exception&) {
        closed = true;
      }
      closed = closed || c.closed_by_server_within(std::chrono::milliseconds(50));
    }
    CHECK(closed);
    CHECK(f.handled == 0);
  }
  SECTION("an idle keep-alive connection") {
    TestConnection c("127.0.0.1", f.port());
    CHECK(c.request("GET", "/hello").status == 200);
    CHECK(c.closed_by_server_within(std::chrono::seconds(3)));
  }
}

TEST_CASE("an asynchronous handler that never answers gets 503 after the handler deadline", "[server]") {
  ServerFixture f;
  ServerOptions options;
  options.handler_timeout = std::chrono::milliseconds(200);
  f.start(options);
  auto r = testing::http_request("127.0.0.1", f.port(), "GET", "/never");
  CHECK(r.status == 503);
  CHECK(f.server->requests_in_flight() == 0);
}

TEST_CASE("graceful shutdown finishes the request in flight, closes idle connections and stops accepting", "[server]") {
  ServerFixture f;
  f.start();
  TestConnection idle("127.0.0.1", f.port());
  CHECK(idle.request("GET", "/hello").status == 200);

  auto in_flight = std::async(std::launch::async, [&] {
    return testing::http_request("127.0.0.1", f.port(), "GET", "/slow?ms=400");
  });
  for (int i = 0; i < 200 && f.server->requests_in_flight() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(f.server->requests_in_flight() == 1);
  auto port = f.port();
  auto started = std::chrono::steady_clock::now();
  f.server->shutdown(std::chrono::seconds(5));
  auto took = std::chrono::steady_clock::now() - started;

  auto r = in_flight.get();
  CHECK(r.status == 200);
  CHECK(r.body == "finally");
  CHECK(r.header("Connection") == "close");
  CHECK(took < std::chrono::seconds(3));
  CHECK(idle.closed_by_server_within(std::chrono::milliseconds(100)));
  CHECK_THROWS(testing::http_request("127.0.0.1", port, "GET", "/hello"));
}
