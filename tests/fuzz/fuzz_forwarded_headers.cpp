// Fuzzes what a client (or a proxy) says about itself before the web channel trusts anything:
// Forwarded / X-Forwarded-For / -Proto / -Host (from a trusted and an untrusted peer), the Cookie
// header, and the Host name checks of the web channel.
// Properties: nothing crashes; from an untrusted peer the headers change nothing; from a trusted
// peer the client is the peer or a parseable IP address, the proto is http/https or empty, the host
// has no characters outside a host name; a cookie value never contains ';'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/auth/web_auth.hpp"
#include "bot/server/forwarded.hpp"
#include "engine/util/error.hpp"

using namespace costbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Split the input into three header values at the first two newlines.
  auto first = input.find('\n');
  auto second = first == std::string_view::npos ? first : input.find('\n', first + 1);
  std::string a(input.substr(0, first));
  std::string b = first == std::string_view::npos ? "" : std::string(input.substr(first + 1, second - first - 1));
  std::string c = second == std::string_view::npos ? "" : std::string(input.substr(second + 1));
  static const server::AddressRanges trusted({"127.0.0.1", "10.0.0.0/8", "fd00::/8"});
  const std::vector<std::pair<std::string, std::string>> forwarded{{"forwarded", a}, {"host", b}};
  const std::vector<std::pair<std::string, std::string>> x_forwarded{
      {"x-forwarded-for", a}, {"x-forwarded-proto", b}, {"x-forwarded-host", c}};
  for (const auto* headers : {&forwarded, &x_forwarded}) {
    auto untrusted = server::forwarded_client("192.0.2.1", *headers, trusted);
    if (untrusted.address != "192.0.2.1" || !untrusted.proto.empty() || !untrusted.host.empty()) __builtin_trap();
    auto r = server::forwarded_client("127.0.0.1", *headers, trusted);
    if (r.address != "127.0.0.1" && !server::parse_address(r.address)) __builtin_trap();
    if (!r.proto.empty() && r.proto != "http" && r.proto != "https") __builtin_trap();
    for (char ch : r.host)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']'))
        __builtin_trap();
  }
  server::forwarded_for_chain(input);
  server::x_forwarded_for_chain(input);

  server::Request req;
  req.headers = {{"cookie", a}, {"cookie", b}, {"host", c}};
  if (auto v = webauth::cookie_value(req, "costbot_session"); v && v->find(';') != std::string::npos) __builtin_trap();
  webauth::host_name(input);
  webauth::url_host(std::string(input));
  static const config::Config config = [] {
    config::Config cfg;
    cfg.server.public_url = "https://costbot.example.com";
    cfg.web.allowed_hosts = {"costbot.internal"};
    return cfg;
  }();
  static const webauth::WebAuth auth(config);
  req.client = "127.0.0.1";
  try {
    auth.check_transport(req);
  } catch (const Error&) {
  }
  return 0;
}
