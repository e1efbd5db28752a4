// FloodGuard: a per-source request rate limit ahead of parsing, dialogs and
// the store (transport::RequestGate; docs/security.md). Each source (an
// IPv4 address, an IPv6 /64) has a bucket of `burst` requests refilled at
// `per_second`. A source that empties it is blocked: every request from it
// is dropped unanswered for `block_for`, then it starts afresh. Sources in
// `allow` (comma-separated CIDRs: this host, the operator's own trunks) are
// never limited. Memory is bounded: at most `max_entries` sources; when full,
// sources idle for a second or more are forgotten first, and a new source
// that finds no room is admitted untracked (a flood of spoofed sources then
// meets the overall limits of the daemon, not a lock-out of real ones).
// Thread-safety: core thread only. The Clock must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "sip/base/clock.hpp"
#include "sip/transport/transport.hpp"

namespace sip::event {
class Bus;
}

namespace sip::policy {

struct FloodConfig {
  bool enabled = true;
  unsigned per_second = 200;  // sustained requests per source
  unsigned burst = 400;       // requests a source may send at once
  Duration block_for = std::chrono::seconds(30);
  std::string allow = "127.0.0.1/32,::1/128";  // never limited
  std::size_t max_entries = 100'000;
};

struct FloodStats {
  std::uint64_t dropped = 0;  // requests dropped (over the rate or blocked)
  std::uint64_t blocks = 0;   // sources blocked
};

class FloodGuard final : public transport::RequestGate {
 public:
  explicit FloodGuard(const Clock& clock, FloodConfig config = {});
  void reconfigure(FloodConfig config);
  const FloodConfig& config() const noexcept { return config_; }
  // Console events: a source blocked (error, nobody's: operators see it).
  void set_events(event::Bus* bus) noexcept { events_ = bus; }

  bool admit(const transport::SocketAddress& remote) override;

  const FloodStats& stats() const noexcept { return stats_; }
  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t blocked_count() const;

 private:
  struct Entry {
    double tokens = 0;
    TimePoint last{};
    TimePoint blocked_until{};
    bool blocked = false;
  };
  static std::uint64_t key_of(const transport::SocketAddress& a) noexcept;
  void prune(TimePoint now);

  const Clock& clock_;
  FloodConfig config_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  FloodStats stats_;
  TimePoint last_prune_{};
  event::Bus* events_ = nullptr;
};

}  // namespace sip::policy
