#pragma once
// A set of IP address ranges (server.trusted_proxies: "10.0.0.0/8", "127.0.0.1", "::1"), and the
// client address of a connection. IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) match IPv4 ranges.
#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace costbot::server {

class AddressRanges {
 public:
  AddressRanges() = default;
  // Throws Error(invalid_input) naming a malformed entry (config check validates them first).
  explicit AddressRanges(const std::vector<std::string>& ranges);
  bool contains(const boost::asio::ip::address& address) const;
  bool contains(std::string_view address) const;  // unparseable → false
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    boost::asio::ip::address base;
    unsigned prefix = 0;
  };
  std::vector<Range> ranges_;
};

// "127.0.0.1:5555" → "127.0.0.1", "::1:5555" → "::1" (Request::remote keeps the port).
std::string address_of_remote(std::string_view remote);
// ::ffff:a.b.c.d → a.b.c.d; anything else unchanged.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);
std::optional<boost::asio::ip::address> parse_address(std::string_view text);

}  // namespace costbot::server
