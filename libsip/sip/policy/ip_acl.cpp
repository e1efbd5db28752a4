#include "sip/policy/ip_acl.hpp"

#include <array>
#include <cstdint>
#include <optional>

#include "sip/base/text.hpp"
#include "sip/uri/uri.hpp"

namespace sip::policy {
namespace {

struct Cidr {
  bool v6 = false;
  std::array<std::uint8_t, 16> ip{};
  unsigned prefix = 0;
};

// One entry ("a.b.c.d", "a.b.c.d/n", "v6", "v6/n", "[v6]/n").
bool parse_cidr(std::string_view s, Cidr& out) noexcept {
  s = trim_lws(s);
  std::string_view addr = s;
  std::optional<std::uint64_t> prefix;
  if (const auto slash = s.find('/'); slash != std::string_view::npos) {
    addr = trim_lws(s.substr(0, slash));
    prefix = parse_uint(trim_lws(s.substr(slash + 1)), 128);
    if (!prefix) return false;
  }
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']')
    addr = addr.substr(1, addr.size() - 2);
  std::array<std::uint8_t, 4> v4{};
  if (uri::parse_ipv4(addr, v4)) {
    out.v6 = false;
    out.ip = {};
    for (std::size_t i = 0; i < 4; ++i) out.ip[i] = v4[i];
    out.prefix = static_cast<unsigned>(prefix.value_or(32));
    return out.prefix <= 32;
  }
  if (uri::parse_ipv6(addr, out.ip)) {
    out.v6 = true;
    out.prefix = static_cast<unsigned>(prefix.value_or(128));
    return out.prefix <= 128;
  }
  return false;
}

bool prefix_equal(const std::uint8_t* a, const std::uint8_t* b, unsigned bits) noexcept {
  std::size_t i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    if (a[i] != b[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF00u >> bits);
  return (a[i] & mask) == (b[i] & mask);
}

bool is_v4_mapped(const transport::SocketAddress& a) noexcept {
  for (std::size_t i = 0; i < 10; ++i)
    if (a.ip[i] != 0) return false;
  return a.ip[10] == 0xFF && a.ip[11] == 0xFF;
}

bool cidr_matches(const Cidr& c, const transport::SocketAddress& src) noexcept {
  if (!c.v6) {
    if (!src.v6) return prefix_equal(c.ip.data(), src.ip.data(), c.prefix);
    return is_v4_mapped(src) && prefix_equal(c.ip.data(), src.ip.data() + 12, c.prefix);
  }
  return src.v6 && prefix_equal(c.ip.data(), src.ip.data(), c.prefix);
}

// Calls f(entry, offset) for each non-empty comma separated entry; stops
// when f returns true. Returns whether f did.
template <class F>
bool for_each_entry(std::string_view acl, F&& f) noexcept {
  std::size_t pos = 0;
  while (pos <= acl.size()) {
    std::size_t comma = acl.find(',', pos);
    if (comma == std::string_view::npos) comma = acl.size();
    const std::string_view entry = acl.substr(pos, comma - pos);
    if (!trim_lws(entry).empty() && f(entry, pos)) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

bool ip_acl_matches(std::string_view acl, const transport::SocketAddress& source) noexcept {
  return for_each_entry(acl, [&](std::string_view entry, std::size_t) {
    Cidr c;
    return parse_cidr(entry, c) && cidr_matches(c, source);
  });
}

Result<void> check_ip_acl(std::string_view acl) noexcept {
  std::size_t bad = std::string_view::npos;
  for_each_entry(acl, [&](std::string_view entry, std::size_t offset) {
    Cidr c;
    if (parse_cidr(entry, c)) return false;
    bad = offset;
    return true;
  });
  if (bad != std::string_view::npos)
    return make_error(Errc::invalid_argument, bad, "malformed CIDR in IP access list");
  return {};
}

}  // namespace sip::policy
