#include <catch2/catch.hpp>

#include "adapters/http/retry_after.hpp"
#include "bot/server/errors.hpp"
#include "bot/server/router.hpp"

using namespace costbot;
using namespace costbot::server;

TEST_CASE("the router matches literal and {param} segments and tells 404 from 405", "[server]") {
  Router router;
  router.add("GET", "/healthz", [](Request&) { return Response::text(200, "ok"); });
  router.add("GET", "/charts/{id}.png", [](Request&) { return Response::text(200, "png"); });
  router.add("POST", "/api/v1/findings/{id}/notes", [](Request&) { return Response::text(201, "note"); });
  router.add("DELETE", "/api/v1/findings/{id}/notes", [](Request&) { return Response::text(204, ""); });

  auto m = router.match("GET", "/charts/a%20b.png");
  REQUIRE(m.found());
  CHECK(m.params["id"] == "a b");
  CHECK(router.match("POST", "/api/v1/findings/7/notes").params["id"] == "7");
  CHECK(router.match("GET", "/charts/.png").status == 404);
  CHECK(router.match("GET", "/healthz/extra").status == 404);
  auto wrong = router.match("GET", "/api/v1/findings/7/notes");
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "POST, DELETE");
  CHECK_THROWS(router.add("GET", "/healthz", [](Request&) { return Response::text(200, ""); }));
  CHECK_THROWS_AS(router.match("GET", "/charts/%zz.png"), Error);
}

TEST_CASE("every error kind maps to one HTTP status", "[server]") {
  auto [kind, status] = GENERATE(table<ErrorKind, int>({{ErrorKind::invalid_input, 400},
                                                        {ErrorKind::unauthorized, 401},
                                                        {ErrorKind::forbidden, 403},
                                                        {ErrorKind::not_found, 404},
                                                        {ErrorKind::conflict, 409},
                                                        {ErrorKind::too_many_requests, 429},
                                                        {ErrorKind::unavailable, 503},
                                                        {ErrorKind::internal, 500}}));
  CHECK(status_for(kind) == status);
  Request req;
  req.id = "r1";
  auto r = error_response_for(std::make_exception_ptr(Error(kind, "visible", "secret detail")), req);
  CHECK(r.status == status);
  CHECK(r.body.find("secret detail") == std::string::npos);
  CHECK((r.body.find("visible") != std::string::npos) == (kind != ErrorKind::internal));
  auto unexpected = error_response_for(std::make_exception_ptr(std::runtime_error("boom at 0x1234")), req);
  CHECK(unexpected.status == 500);
  CHECK(unexpected.body.find("0x1234") == std::string::npos);
}

TEST_CASE("Retry-After is read as seconds or as an HTTP date", "[http]") {
  UnixSeconds now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(http::parse_retry_after("120", now) == std::chrono::seconds(120));
  CHECK(http::parse_retry_after(" 0 ", now) == std::chrono::seconds(0));
  CHECK(http::parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now) == std::chrono::seconds(30));
  CHECK(http::parse_retry_after("Sunday, 06-Nov-94 08:50:07 GMT", now) == std::chrono::seconds(30));
  CHECK(http::parse_retry_after("Sun Nov  6 08:50:07 1994", now) == std::chrono::seconds(30));
  CHECK(http::parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == std::chrono::seconds(0));
  CHECK_FALSE(http::parse_retry_after("soon", now));
  CHECK_FALSE(http::parse_retry_after("-5", now));
  CHECK(http::format_http_date(now) == "Sun, 06 Nov 1994 08:49:37 GMT");
}
