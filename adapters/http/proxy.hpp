#pragma once
// Outbound proxy selection the way curl and the cloud SDKs read the environment:
//
//   https URLs   https_proxy, then HTTPS_PROXY, then all_proxy / ALL_PROXY
//   http URLs    http_proxy, then HTTP_PROXY (not under CGI, where HTTP_PROXY comes from a request
//                header: "httpoxy"), then all_proxy / ALL_PROXY
//   exceptions   no_proxy, then NO_PROXY: comma (or space) separated; "*" alone = every host;
//                an entry matches the host itself and its subdomains ("example.com" and
//                ".example.com" both match "api.example.com", never "notexample.com"); an entry
//                may carry a port ("host:8443") which must then match; IP literals match exactly
//                or by CIDR ("10.0.0.0/8", "fd00::/8"); IPv6 with or without brackets. Matched
//                on the URL's host as written, never on resolved addresses.
//
// Link-local metadata endpoints (169.254.0.0/16, fe80::/10, fd00:ec2::/32 as used by EC2 IMDS,
// ECS and EKS Pod Identity) are never proxied: a proxy cannot reach the caller's own instance.
// The proxy itself is an http:// URL (CONNECT tunnels carry the TLS); user:password in it become
// Basic Proxy-Authorization and never appear in messages (display() hides them).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/url.hpp"

namespace costbot::http {

struct ProxyEndpoint {
  std::string host;
  std::string port;
  std::string authorization;  // "Basic ..." or ""
  std::string display() const;  // "http://host:port" without credentials
};

struct ProxySettings {
  std::string http_proxy;   // for http:// URLs ("" = direct)
  std::string https_proxy;  // for https:// URLs ("" = direct)
  std::string no_proxy;     // exceptions, as in NO_PROXY

  // Reads the variables above from the process environment.
  static ProxySettings from_environment();
  // The proxy to use for `url`, or nullopt for a direct connection. Throws Error(invalid_input)
  // naming the variable's value (credentials hidden) when the proxy URL is unusable.
  std::optional<ProxyEndpoint> proxy_for(const Url& url) const;
};

// True for the link-local addresses cloud metadata services answer on (EC2 IMDS 169.254.169.254,
// ECS 169.254.170.2, EKS Pod Identity 169.254.170.23 / fd00:ec2::23, and the rest of 169.254/16,
// fe80::/10): never proxied, and reachable over plain http like loopback.
bool is_metadata_host(std::string_view host);

// True when `host` (optionally with `port`) matches the NO_PROXY list.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::string_view port);

}  // namespace costbot::http
