#include <catch2/catch.hpp>

#include "adapters/http/client.hpp"
#include "adapters/http/retry_after.hpp"
#include "tests/support/fake_http_server.hpp"

using namespace costbot;
using testing::FakeHttpServer;
using testing::ScriptedResponse;

namespace {

http::ClientOptions fast_options() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.request_timeout = std::chrono::milliseconds(300);
  o.max_attempts = 3;
  o.retry_base_delay = std::chrono::milliseconds(10);
  o.retry_max_delay = std::chrono::milliseconds(40);
  o.max_retry_wait = std::chrono::seconds(2);
  return o;
}

}  // namespace

TEST_CASE("the client reuses one keep-alive connection per origin", "[http-client]") {
  FakeHttpServer fake;
  fake.on("GET", "/a", ScriptedResponse::json(200, R"({"n":1})"));
  http::Client client(fast_options());
  for (int i = 0; i < 3; ++i) CHECK(client.send(http::Request::get(fake.url() + "/a?i=" + std::to_string(i))).status == 200);
  CHECK(fake.connections_accepted() == 1);
  CHECK(client.stats().connections_reused == 2);
  auto seen = fake.requests("GET", "/a");
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].target == "/a?i=2");
  CHECK(seen[0].header("host") == "127.0.0.1:" + std::to_string(fake.port()));
  CHECK(seen[0].header("user-agent").starts_with("costbot/"));
}

TEST_CASE("5xx and 429 are retried with backoff, honouring Retry-After", "[http-client]") {
  FakeHttpServer fake;
  fake.on("GET", "/r", ScriptedResponse::json(200, "{}"));
  fake.on("POST", "/p", ScriptedResponse::json(200, "{}"));
  http::Client client(fast_options());

  SECTION("an idempotent GET survives two 503s") {
    fake.script("GET", "/r", ScriptedResponse::json(503, "{}"));
    fake.script("GET", "/r", ScriptedResponse::json(502, "{}"));
    auto r = client.send(http::Request::get(fake.url() + "/r"));
    CHECK(r.status == 200);
    CHECK(r.attempts == 3);
  }
  SECTION("a 429 waits the Retry-After seconds, then succeeds") {
    fake.script("GET", "/r", ScriptedResponse::json(429, "{}").header("Retry-After", "1"));
    auto started = std::chrono::steady_clock::now();
    auto r = client.send(http::Request::get(fake.url() + "/r"));
    CHECK(r.status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(950));
  }
  SECTION("Retry-After as an HTTP date") {
    fake.script("GET", "/r", ScriptedResponse::json(503, "{}").header("Retry-After", http::format_http_date(0)));
    CHECK(client.send(http::Request::get(fake.url() + "/r")).status == 200);
  }
  SECTION("a Retry-After beyond max_retry_wait comes back to the caller to reschedule") {
    fake.script("POST", "/p", ScriptedResponse::json(429, R"({"ok":false})").header("Retry-After", "120"));
    auto r = client.send(http::Request::post_json(fake.url() + "/p", "{}"));
    CHECK(r.status == 429);
    CHECK(r.retry_after == std::chrono::seconds(120));
    CHECK(fake.requests("POST", "/p").size() == 1);
  }
  SECTION("a non-idempotent POST is not repeated after a 500 (the server may have acted)") {
    fake.script("POST", "/p", ScriptedResponse::json(500, "{}"));
    CHECK(client.send(http::Request::post_json(fake.url() + "/p", "{}")).status == 500);
    CHECK(fake.requests("POST", "/p").size() == 1);
  }
  SECTION("but a POST marked idempotent is") {
    fake.script("POST", "/p", ScriptedResponse::json(500, "{}"));
    http::CallOptions call;
    call.idempotency = http::Idempotency::idempotent;
    CHECK(client.send(http::Request::post_json(fake.url() + "/p", "{}"), call).status == 200);
  }
  SECTION("4xx other than 429 is never retried") {
    fake.script("GET", "/r", ScriptedResponse::json(404, "{}"));
    CHECK(client.send(http::Request::get(fake.url() + "/r")).status == 404);
    CHECK(fake.requests("GET", "/r").size() == 1);
  }
  SECTION("retries stop at max_attempts and the last answer is returned") {
    for (int i = 0; i < 5; ++i) fake.script("GET", "/r", ScriptedResponse::json(503, "{}"));
    auto r = client.send(http::Request::get(fake.url() + "/r"));
    CHECK(r.status == 503);
    CHECK(r.attempts == 3);
  }
}

TEST_CASE("network failures are timed out, retried when safe and reported as NetworkError", "[http-client]") {
  FakeHttpServer fake;
  http::Client client(fast_options());

  SECTION("a server that never answers hits the request timeout on every attempt") {
    ScriptedResponse hang;
    hang.hang = true;
    fake.on("GET", "/hang", hang);
    auto started = std::chrono::steady_clock::now();
    try {
      client.send(http::Request::get(fake.url() + "/hang"));
      FAIL("expected a NetworkError");
    } catch (const http::NetworkError& e) {
      CHECK(std::string(e.what()).find("no answer within 300 ms") != std::string::npos);
      CHECK(e.retryable());
      CHECK(e.maybe_processed());
    }
    CHECK(fake.requests("GET", "/hang").size() == 3);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  }
  SECTION("a POST whose connection drops without an answer is not repeated") {
    ScriptedResponse drop;
    drop.close_without_answer = true;
    fake.on("POST", "/drop", drop);
    CHECK_THROWS_AS(client.send(http::Request::post_json(fake.url() + "/drop", "{}")), http::NetworkError);
    CHECK(fake.requests("POST", "/drop").size() == 1);
  }
  SECTION("a refused connection is retried even for POST (nothing was sent)") {
    auto port = [] {
      FakeHttpServer gone;
      return gone.port();
    }();
    try {
      client.send(http::Request::post_json("http://127.0.0.1:" + std::to_string(port) + "/x", "{}"));
      FAIL("expected a NetworkError");
    } catch (const http::NetworkError& e) {
      CHECK(std::string(e.what()).find("after 3 attempts") != std::string::npos);
      CHECK_FALSE(e.maybe_processed());
    }
  }
  SECTION("a slow answer within the deadline is fine") {
    ScriptedResponse slow = ScriptedResponse::json(200, "{}");
    slow.delay = std::chrono::milliseconds(100);
    fake.on("GET", "/slow", slow);
    CHECK(client.send(http::Request::get(fake.url() + "/slow")).status == 200);
  }
}

TEST_CASE("plain http is refused for anything but loopback unless allowed", "[http-client]") {
  http::Client client(fast_options());
  try {
    client.send(http::Request::get("http://example.com/"));
    FAIL("expected a NetworkError");
  } catch (const http::NetworkError& e) {
    CHECK(std::string(e.what()).find("plain http") != std::string::npos);
    CHECK_FALSE(e.retryable());
  }
  CHECK_THROWS_AS(client.send(http::Request::get("ftp://example.com/")), Error);
}

TEST_CASE("TLS: the certificate is verified against the trusted CAs and the host name", "[http-client][tls]") {
  testing::FakeServerOptions tls;
  tls.tls = true;
  FakeHttpServer fake(tls);
  fake.on("GET", "/secure", ScriptedResponse::json(200, R"({"secure":true})"));

  SECTION("trusted through the extra CA file, reached by IP and by name (SNI)") {
    auto options = fast_options();
    options.ca_file = fake.ca_file();
    http::Client client(options);
    CHECK(client.send(http::Request::get(fake.url() + "/secure")).body == R"({"secure":true})");
    CHECK(client.send(http::Request::get("https://localhost:" + std::to_string(fake.port()) + "/secure")).status == 200);
  }
  SECTION("without the test CA the system store does not trust it: refused, not retried") {
    http::Client client(fast_options());
    try {
      client.send(http::Request::get(fake.url() + "/secure"));
      FAIL("expected a NetworkError");
    } catch (const http::NetworkError& e) {
      CHECK(std::string(e.what()).find("certificate") != std::string::npos);
      CHECK_FALSE(e.retryable());
    }
    CHECK(fake.requests().empty());
  }
  SECTION("a certificate for another host is refused even from a trusted CA") {
    testing::FakeServerOptions other;
    other.tls = true;
    other.dns_names = {"other.example"};
    other.ip_addresses = {};
    FakeHttpServer impostor(other);
    impostor.on("GET", "/secure", ScriptedResponse::json(200, "{}"));
    auto options = fast_options();
    options.ca_file = impostor.ca_file();
    http::Client client(options);
    CHECK_THROWS_AS(client.send(http::Request::get(impostor.url() + "/secure")), http::NetworkError);
    CHECK_THROWS_AS(client.send(http::Request::get("https://localhost:" + std::to_string(impostor.port()) + "/secure")),
                    http::NetworkError);
    CHECK(impostor.requests().empty());
  }
}

TEST_CASE("a POST written on a reused connection that closes without an answer is not sent again", "[http-client]") {
  // The server read the request (and may have acted on it) before dropping the connection: a
  // repeat could make a second ticket or a second post. Only an idempotent request, or one whose
  // write failed, is repeated on a fresh connection.
  FakeHttpServer fake;
  fake.on("GET", "/warm", ScriptedResponse::json(200, "{}"));
  ScriptedResponse drop;
  drop.close_without_answer = true;
  http::Client client(fast_options());
  SECTION("POST") {
    fake.on("POST", "/create", drop);
    REQUIRE(client.send(http::Request::get(fake.url() + "/warm")).status == 200);  // a pooled connection
    try {
      client.send(http::Request::post_json(fake.url() + "/create", "{}"));
      FAIL("expected a network error");
    } catch (const http::NetworkError& e) {
      CHECK(e.maybe_processed());
    }
    CHECK(fake.requests("POST", "/create").size() == 1);
  }
  SECTION("GET is repeated") {
    fake.script("GET", "/read", drop);
    fake.on("GET", "/read", ScriptedResponse::json(200, "{}"));
    REQUIRE(client.send(http::Request::get(fake.url() + "/warm")).status == 200);
    CHECK(client.send(http::Request::get(fake.url() + "/read")).status == 200);
    CHECK(fake.requests("GET", "/read").size() == 2);
  }
}
