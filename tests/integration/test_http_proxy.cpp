// The one HTTPS client through a forward proxy: CONNECT tunnels for https (TLS end to end, the
// proxy only relays bytes), absolute-form requests for plain http, Basic proxy credentials,
// NO_PROXY exceptions and the environment variables' precedence.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "adapters/http/client.hpp"
#include "adapters/http/proxy.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/connect_proxy.hpp"
#include "tests/support/fake_http_server.hpp"

using namespace costbot;
using testing::ConnectProxy;
using testing::FakeHttpServer;
using testing::ScriptedResponse;

namespace {

http::ClientOptions options_through(const std::string& https_proxy, const std::string& http_proxy = "",
                                    const std::string& no_proxy = "") {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.request_timeout = std::chrono::milliseconds(2000);
  o.retry_base_delay = std::chrono::milliseconds(10);
  o.retry_max_delay = std::chrono::milliseconds(20);
  o.proxy = http::ProxySettings{http_proxy, https_proxy, no_proxy};
  return o;
}

// Sets environment variables for one test and restores them afterwards.
class ScopedEnvironment {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace

TEST_CASE("https goes through the proxy in a CONNECT tunnel, TLS end to end", "[http-client][proxy]") {
  testing::FakeServerOptions tls;
  tls.tls = true;
  FakeHttpServer origin(tls);
  origin.on("GET", "/api/chat.postMessage", ScriptedResponse::json(200, R"({"ok":true})"));
  ConnectProxy proxy;
  auto options = options_through(proxy.url());
  options.ca_file = origin.ca_file();
  http::Client client(options);

  std::string url = "https://localhost:" + std::to_string(origin.port()) + "/api/chat.postMessage";
  for (int i = 0; i < 2; ++i) {
    auto r = client.send(http::Request::get(url));
    CHECK(r.status == 200);
    CHECK(r.body == R"({"ok":true})");
  }
  auto asked = proxy.requests();
  REQUIRE(asked.size() == 1);  // the second call reused the tunnel
  CHECK(asked[0].method == "CONNECT");
  CHECK(asked[0].target == "localhost:" + std::to_string(origin.port()));
  CHECK(asked[0].authorization.empty());
  CHECK(proxy.tunnelled_bytes() > 1000);  // the TLS handshake and both exchanges passed through it
  CHECK(client.stats().proxied_connections == 1);
  // The origin saw an ordinary origin-form request with its own Host.
  auto seen = origin.requests("GET", "/api/chat.postMessage");
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].target == "/api/chat.postMessage");
  CHECK(seen[0].header("host") == "localhost:" + std::to_string(origin.port()));
  CHECK(seen[0].header("proxy-authorization").empty());
}

TEST_CASE("the tunnel still checks the origin's certificate", "[http-client][proxy]") {
  testing::FakeServerOptions tls;
  tls.tls = true;
  FakeHttpServer origin(tls);
  origin.on("GET", "/x", ScriptedResponse::json(200, "{}"));
  ConnectProxy proxy;
  http::Client client(options_through(proxy.url()));  // the test CA is not trusted
  CHECK_THROWS_WITH(client.send(http::Request::get("https://localhost:" + std::to_string(origin.port()) + "/x")),
                    Catch::Contains("certificate"));
  CHECK(proxy.requests().size() == 1);
  CHECK(origin.requests().empty());
}

TEST_CASE("proxy credentials from the URL go in Proxy-Authorization and never in messages", "[http-client][proxy]") {
  testing::FakeServerOptions tls;
  tls.tls = true;
  FakeHttpServer origin(tls);
  origin.on("GET", "/x", ScriptedResponse::json(200, "{}"));
  testing::ConnectProxyOptions needs_login;
  needs_login.require_authorization = "Basic " + hash::base64_encode("svc-costbot:p@ss:word");
  ConnectProxy proxy(needs_login);
  std::string url = "https://localhost:" + std::to_string(origin.port()) + "/x";

  SECTION("with credentials (percent-encoded in the URL) the tunnel opens") {
    auto options = options_through("http://svc-costbot:p%40ss%3Aword@127.0.0.1:" + std::to_string(proxy.port()));
    options.ca_file = origin.ca_file();
    http::Client client(options);
    CHECK(client.send(http::Request::get(url)).status == 200);
    REQUIRE(proxy.requests().size() == 1);
    CHECK(proxy.requests()[0].authorization == needs_login.require_authorization);
  }
  SECTION("with wrong credentials: a 407 explained, not retried, the password not echoed") {
    auto options = options_through("http://svc-costbot:hunter2@127.0.0.1:" + std::to_string(proxy.port()));
    options.ca_file = origin.ca_file();
    http::Client client(options);
    try {
      client.send(http::Request::get(url));
      FAIL("expected a NetworkError");
    } catch (const http::NetworkError& e) {
      std::string message = e.what();
      CHECK_THAT(message, Catch::Contains("407") && Catch::Contains("proxy http://127.0.0.1:" + std::to_string(proxy.port())));
      CHECK_THAT(message, !Catch::Contains("hunter2"));
      CHECK_FALSE(e.retryable());
    }
    CHECK(proxy.requests().size() == 1);
    CHECK(origin.requests().empty());
  }
}

TEST_CASE("plain http through the proxy is sent in absolute form", "[http-client][proxy]") {
  FakeHttpServer origin;
  origin.on("POST", "/hook", ScriptedResponse::json(200, R"({"done":1})"));
  ConnectProxy proxy;
  http::Client client(options_through("", proxy.url()));
  auto r = client.send(http::Request::post_json(origin.url() + "/hook?a=1", R"({"x":1})"));
  CHECK(r.status == 200);
  REQUIRE(proxy.requests().size() == 1);
  CHECK(proxy.requests()[0].method == "POST");
  CHECK(proxy.requests()[0].target == origin.url() + "/hook?a=1");
  auto seen = origin.requests("POST", "/hook");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].body == R"({"x":1})");
}

TEST_CASE("NO_PROXY hosts and metadata endpoints are reached directly", "[http-client][proxy]") {
  FakeHttpServer origin;
  origin.on("GET", "/direct", ScriptedResponse::json(200, "{}"));
  ConnectProxy proxy;
  http::Client client(options_through(proxy.url(), proxy.url(), "example.com, 127.0.0.0/8"));
  CHECK(client.send(http::Request::get(origin.url() + "/direct")).status == 200);
  CHECK(proxy.requests().empty());
  CHECK(client.stats().proxied_connections == 0);
}

TEST_CASE("a proxy that refuses the tunnel is reported, naming the proxy and the origin", "[http-client][proxy]") {
  testing::ConnectProxyOptions refusing;
  refusing.refuse_with = 403;
  ConnectProxy proxy(refusing);
  http::Client client(options_through(proxy.url()));
  CHECK_THROWS_WITH(client.send(http::Request::get("https://127.0.0.1:9/x")),
                    Catch::Contains("refused CONNECT to 127.0.0.1:9") && Catch::Contains("403"));
}

TEST_CASE("NO_PROXY matching follows curl's rules", "[http-client][proxy]") {
  using http::no_proxy_matches;
  CHECK(no_proxy_matches("*", "anything.example", "443"));
  CHECK(no_proxy_matches("example.com", "example.com", "443"));
  CHECK(no_proxy_matches("example.com", "api.example.com", "443"));
  CHECK(no_proxy_matches(".example.com", "api.example.com", "443"));
  CHECK(no_proxy_matches("*.example.com", "API.Example.COM", "443"));
  CHECK_FALSE(no_proxy_matches("example.com", "notexample.com", "443"));
  CHECK_FALSE(no_proxy_matches("api.example.com", "example.com", "443"));
  CHECK(no_proxy_matches("foo.internal, example.com:8443", "example.com", "8443"));
  CHECK_FALSE(no_proxy_matches("example.com:8443", "example.com", "443"));
  CHECK(no_proxy_matches("10.0.0.0/8", "10.1.2.3", "443"));
  CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "11.1.2.3", "443"));
  CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "ten.example", "443"));
  CHECK(no_proxy_matches("127.0.0.1", "127.0.0.1", "80"));
  CHECK(no_proxy_matches("::1", "::1", "80"));
  CHECK(no_proxy_matches("[::1]", "[::1]", "80"));
  CHECK(no_proxy_matches("fd00::/8", "fd12::1", "80"));
  CHECK(no_proxy_matches("localhost ,  example.org", "example.org", "80"));
  CHECK_FALSE(no_proxy_matches("", "example.org", "80"));

  http::ProxySettings s{"http://proxy:3128", "http://proxy:3128", "internal.corp"};
  CHECK_FALSE(s.proxy_for(http::parse_url("http://169.254.169.254/latest/api/token")));   // EC2 IMDS
  CHECK_FALSE(s.proxy_for(http::parse_url("http://169.254.170.2/v2/credentials/x")));      // ECS
  CHECK_FALSE(s.proxy_for(http::parse_url("http://[fd00:ec2::23]/v1/credentials")));      // EKS Pod Identity
  CHECK_FALSE(s.proxy_for(http::parse_url("https://git.internal.corp/")));
  auto p = s.proxy_for(http::parse_url("https://s3.eu-west-1.amazonaws.com/"));
  REQUIRE(p);
  CHECK(p->host == "proxy");
  CHECK(p->port == "3128");
  http::ProxySettings tls_proxy{"", "https://proxy:3128", ""};
  CHECK_THROWS_WITH(tls_proxy.proxy_for(http::parse_url("https://x.example/")), Catch::Contains("only http:// proxies"));
}

TEST_CASE("proxy variables: lower-case wins, HTTP_PROXY is ignored under CGI, ALL_PROXY is the fallback",
          "[http-client][proxy]") {
  ScopedEnvironment env;
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY",
                           "no_proxy", "NO_PROXY", "REQUEST_METHOD"})
    env.set(name, nullptr);
  env.set("HTTPS_PROXY", "http://upper:1");
  env.set("https_proxy", "http://lower:2");
  env.set("HTTP_PROXY", "http://plain-upper:3");
  env.set("NO_PROXY", "a.example");
  env.set("no_proxy", "b.example");
  auto s = http::ProxySettings::from_environment();
  CHECK(s.https_proxy == "http://lower:2");
  CHECK(s.http_proxy == "http://plain-upper:3");
  CHECK(s.no_proxy == "b.example");

  env.set("REQUEST_METHOD", "GET");
  env.set("ALL_PROXY", "http://all:4");
  CHECK(http::ProxySettings::from_environment().http_proxy == "http://all:4");
}

TEST_CASE("a client with no explicit proxy settings reads them from the environment", "[http-client][proxy]") {
  testing::FakeServerOptions tls;
  tls.tls = true;
  FakeHttpServer origin(tls);
  origin.on("GET", "/env", ScriptedResponse::json(200, "{}"));
  ConnectProxy proxy;
  ScopedEnvironment env;
  for (const char* name : {"https_proxy", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) env.set(name, nullptr);
  env.set("HTTPS_PROXY", proxy.url().c_str());
  http::ClientOptions options;
  options.ca_file = origin.ca_file();
  http::Client client(options);
  CHECK(client.send(http::Request::get("https://localhost:" + std::to_string(origin.port()) + "/env")).status == 200);
  REQUIRE(proxy.requests().size() == 1);
  CHECK(proxy.requests()[0].method == "CONNECT");
}
