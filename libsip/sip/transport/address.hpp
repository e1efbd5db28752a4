// Transport kinds and IP socket addresses without any socket library in the
// header, so protocol code (transactions, registrar, dial plans) can name
// peers without including Asio. Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sip::transport {

enum class Kind : std::uint8_t { Udp, Tcp, Tls };

// "UDP", "TCP", "TLS" (the Via transport token).
std::string_view kind_name(Kind k) noexcept;
// Case-insensitive "udp"/"tcp"/"tls"; nullopt otherwise.
std::optional<Kind> kind_from_name(std::string_view s) noexcept;
constexpr bool is_reliable(Kind k) noexcept {
  return k != Kind::Udp;
}
constexpr std::uint16_t default_port(Kind k) noexcept {
  return k == Kind::Tls ? 5061 : 5060;
}

// An IPv4 or IPv6 address and port. IPv4 uses the first 4 bytes.
struct SocketAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;

  // "192.0.2.1:5060", "[2001:db8::1]:5060"; a bare address gets `default_port`.
  static std::optional<SocketAddress> parse(std::string_view text, std::uint16_t default_port = 0);
  // A numeric IPv4/IPv6 host (no brackets, no port).
  static std::optional<SocketAddress> from_ip(std::string_view ip, std::uint16_t port);

  std::string ip_string() const;    // "192.0.2.1", "2001:db8::1"
  std::string host_string() const;  // "192.0.2.1", "[2001:db8::1]" (URI/Via form)
  std::string to_string() const;    // "192.0.2.1:5060", "[2001:db8::1]:5060"
  bool is_loopback() const noexcept;
  bool is_unspecified() const noexcept;

  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
  friend auto operator<=>(const SocketAddress&, const SocketAddress&) = default;
};

}  // namespace sip::transport
