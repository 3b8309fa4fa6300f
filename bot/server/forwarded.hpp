#pragma once
// Who the client really is behind reverse proxies: `Forwarded` (RFC 7239) or `X-Forwarded-For`,
// `X-Forwarded-Proto`, `X-Forwarded-Host`, believed only when the connection comes from one of
// server.trusted_proxies. The client is the right-most address in the chain that is not itself a
// trusted proxy (a client can prepend anything it likes; it cannot forge what a trusted proxy added).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/server/address_ranges.hpp"

namespace costbot::server {

struct ForwardedClient {
  std::string address;  // the client's IP address ("" = the peer itself)
  std::string proto;    // http / https as the client used it ("" = unknown)
  std::string host;     // the Host the client asked for ("" = unknown)
};

// `peer`: the connection's address; `headers`: lower-cased names. When the peer is not trusted,
// or the headers say nothing usable, the result is {peer, "", ""}.
ForwardedClient forwarded_client(const std::string& peer, const std::vector<std::pair<std::string, std::string>>& headers,
                                 const AddressRanges& trusted);

// The `for=` addresses of a Forwarded header, in order ("unknown" and obfuscated ids are kept as
// written; IPv6 brackets and ports removed). Also used for X-Forwarded-For ("a, b, c").
std::vector<std::string> forwarded_for_chain(std::string_view forwarded);
std::vector<std::string> x_forwarded_for_chain(std::string_view value);

}  // namespace costbot::server
