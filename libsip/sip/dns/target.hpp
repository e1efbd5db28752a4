// A resolved SIP next hop (transport + socket address) and TargetCursor, the
// failover walk over an RFC 3263 ordered target list (section 4.3): a client
// sends to current() and calls next() after a timeout, a transport error or
// a 503 without Retry-After, until the list is exhausted.
// Thread-safety: plain values; a cursor belongs to the thread that walks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "sip/transport/address.hpp"

namespace sip::dns {

// TTL of targets that did not come from DNS (numeric hosts): never expires.
inline constexpr std::uint32_t kNoExpiry = std::numeric_limits<std::uint32_t>::max();

struct Target {
  transport::Kind kind = transport::Kind::Udp;
  transport::SocketAddress address;
  // Host the TLS server certificate must match: the URI's host (RFC 5922),
  // never a name learnt from DNS. The IP text for numeric hosts.
  std::string tls_name;
  // Seconds this target may be reused: the smallest TTL along the
  // NAPTR/SRV/A chain (capped by the resolver), kNoExpiry for numeric hosts.
  std::uint32_t ttl = kNoExpiry;

  // "UDP 192.0.2.1:5060"
  std::string to_string() const;
  friend bool operator==(const Target&, const Target&) = default;
};

class TargetCursor {
 public:
  TargetCursor() = default;
  explicit TargetCursor(std::vector<Target> targets) : targets_(std::move(targets)) {}

  // The target to use now; nullptr once every target has failed.
  const Target* current() const noexcept {
    return index_ < targets_.size() ? &targets_[index_] : nullptr;
  }
  // Marks current() failed and moves on. False when none is left.
  bool next() noexcept;
  bool exhausted() const noexcept { return index_ >= targets_.size(); }
  // Targets not yet tried, current() included.
  std::size_t remaining() const noexcept { return exhausted() ? 0 : targets_.size() - index_; }
  std::size_t index() const noexcept { return index_; }
  const std::vector<Target>& targets() const noexcept { return targets_; }
  // Starts again from the first target (e.g. after a fresh resolution).
  void reset(std::vector<Target> targets) {
    targets_ = std::move(targets);
    index_ = 0;
  }

 private:
  std::vector<Target> targets_;
  std::size_t index_ = 0;
};

}  // namespace sip::dns
