// A bounds-checked scan of a raw DNS response for the TTLs the cache needs
// and the c-ares record parsers do not report: the smallest answer TTL and
// the negative-caching TTL of an SOA in the authority section (RFC 2308:
// min(SOA TTL, SOA MINIMUM)). Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace sip::dns {

struct WireTtls {
  bool ok = false;                          // header and sections walked without overrun
  std::optional<std::uint32_t> answer_min;  // smallest TTL in the answer section
  std::optional<std::uint32_t> negative;    // from an authority SOA
};

WireTtls scan_ttls(std::span<const std::uint8_t> message) noexcept;

}  // namespace sip::dns
