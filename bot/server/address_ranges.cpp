#include "bot/server/address_ranges.hpp"

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::server {
namespace ip = boost::asio::ip;

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

std::string address_of_remote(std::string_view remote) {
  auto colon = remote.rfind(':');
  return std::string(colon == std::string_view::npos ? remote : remote.substr(0, colon));
}

AddressRanges::AddressRanges(const std::vector<std::string>& ranges) {
  for (const auto& text : ranges) {
    auto slash = text.find('/');
    auto base = parse_address(std::string_view(text).substr(0, slash));
    if (!base) throw invalid_input("not an IP address or range: \"" + text + "\"");
    const unsigned bits = base->is_v4() ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string::npos) {
      auto n = text::parse_int(std::string_view(text).substr(slash + 1));
      if (!n || *n < 0 || *n > static_cast<long long>(bits)) throw invalid_input("bad prefix length in \"" + text + "\"");
      prefix = static_cast<unsigned>(*n);
    }
    ranges_.push_back({*base, prefix});
  }
}

namespace {

template <std::size_t N>
bool same_prefix(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b, unsigned prefix) {
  for (std::size_t i = 0; i < N && prefix > 0; ++i) {
    unsigned take = prefix >= 8 ? 8 : prefix;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    prefix -= take;
  }
  return true;
}

}  // namespace

bool AddressRanges::contains(const ip::address& raw) const {
  auto address = unmapped(raw);
  for (const auto& r : ranges_) {
    if (r.base.is_v4() != address.is_v4()) continue;
    if (address.is_v4() ? same_prefix(address.to_v4().to_bytes(), r.base.to_v4().to_bytes(), r.prefix)
                        : same_prefix(address.to_v6().to_bytes(), r.base.to_v6().to_bytes(), r.prefix))
      return true;
  }
  return false;
}

bool AddressRanges::contains(std::string_view address) const {
  auto a = parse_address(address);
  return a && contains(*a);
}

}  // namespace costbot::server
