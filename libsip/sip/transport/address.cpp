#include "sip/transport/address.hpp"

#include <arpa/inet.h>

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::transport {

std::string_view kind_name(Kind k) noexcept {
  switch (k) {
    case Kind::Udp: return "UDP";
    case Kind::Tcp: return "TCP";
    case Kind::Tls: return "TLS";
  }
  return "UDP";
}

std::optional<Kind> kind_from_name(std::string_view s) noexcept {
  if (ci_equal(s, "udp")) return Kind::Udp;
  if (ci_equal(s, "tcp")) return Kind::Tcp;
  if (ci_equal(s, "tls")) return Kind::Tls;
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::from_ip(std::string_view ip, std::uint16_t port) {
  if (ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  ip.copy(buf, ip.size());
  SocketAddress a;
  a.port = port;
  if (inet_pton(AF_INET, buf, a.ip.data()) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.ip.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text,
                                                  std::uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text[0] == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (const std::size_t colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  std::uint16_t port = default_port;
  if (!port_text.empty() || (text.size() && text.back() == ':')) {
    const auto p = parse_uint(port_text, 65535);
    if (!p) return std::nullopt;
    port = static_cast<std::uint16_t>(*p);
  }
  return from_ip(host, port);
}

std::string SocketAddress::ip_string() const {
  if (!v6) {
    // Dotted quad by hand: inet_ntop formats IPv4 through sprintf, which
    // showed up in the registrar's profile (several calls per request).
    char out[16];
    std::size_t n = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      unsigned v = ip[i];
      if (i != 0) out[n++] = '.';
      if (v >= 100) out[n++] = static_cast<char>('0' + v / 100);
      if (v >= 10) out[n++] = static_cast<char>('0' + v / 10 % 10);
      out[n++] = static_cast<char>('0' + v % 10);
    }
    return std::string(out, n);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
  return buf;
}

// Appends instead of chaining operator+ on literals: g++ 12 -O3 reports a
// bogus -Wrestrict for that form (GCC bug 105329).
std::string SocketAddress::host_string() const {
  if (!v6) return ip_string();
  std::string out;
  out.reserve(48);
  out.push_back('[');
  out.append(ip_string());
  out.push_back(']');
  return out;
}

std::string SocketAddress::to_string() const {
  std::string out = host_string();
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}

bool SocketAddress::is_loopback() const noexcept {
  if (!v6) return ip[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (ip[static_cast<std::size_t>(i)] != 0) return false;
  return ip[15] == 1;
}

bool SocketAddress::is_unspecified() const noexcept {
  const int n = v6 ? 16 : 4;
  for (int i = 0; i < n; ++i)
    if (ip[static_cast<std::size_t>(i)] != 0) return false;
  return true;
}

}  // namespace sip::transport
