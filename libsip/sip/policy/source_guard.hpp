// SourceGuard: counts failed authentications per source address and blocks
// a source that fails `max_failures` times within `failure_window` for
// `block_for`. Memory is bounded: at most `max_entries` sources are tracked;
// beyond that the oldest counting entry is forgotten first (blocked ones only
// when nothing else is left), so a flood of spoofed sources cannot lift a
// block cheaply. IPv6 sources are tracked per /64 (one host's usual share);
// IPv4-mapped IPv6 as IPv4. Used by the registrar and (for INVITE digest) the
// call manager. Thread-safety: core thread only. The Clock must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string_view>
#include <unordered_map>

#include "sip/base/clock.hpp"

namespace sip::event {
class Bus;
}

namespace sip::policy {

struct SourceGuardConfig {
  std::size_t max_failures = 10;  // 0 disables counting and blocking
  Duration failure_window = std::chrono::seconds(60);
  Duration block_for = std::chrono::seconds(300);
  std::size_t max_entries = 100'000;
};

class SourceGuard {
 public:
  enum class Outcome : std::uint8_t {
    Counted,         // failure counted, source not blocked
    Blocked,         // this failure blocked the source
    AlreadyBlocked,  // the source was blocked before
    Disabled,        // max_failures == 0
  };

  explicit SourceGuard(const Clock& clock, SourceGuardConfig config = {});
  // New limits; current counts and blocks keep their times.
  void reconfigure(SourceGuardConfig config);
  const SourceGuardConfig& config() const noexcept { return config_; }

  // Counts one failure from `ip` (numeric IPv4/IPv6 text; anything else is
  // tracked by its exact text).
  // Console events (guard_events.cpp): each failure (warn) and each new
  // block (error), nobody's (admins see them). `method` names the request.
  Outcome note_failure(std::string_view ip, std::string_view method = {});
  void set_events(event::Bus* bus) noexcept { events_ = bus; }
  // True while `ip` is blocked.
  bool blocked(std::string_view ip) const;
  // Lifts a block / forgets the count of `ip` (operator action).
  void forgive(std::string_view ip);
  // Sources blocked now (drops finished blocks and idle counters first).
  std::size_t blocked_count();
  // Tracked sources (counting or blocked).
  std::size_t size() const noexcept { return entries_.size(); }

  struct Key {
    std::uint64_t bits = 0;   // IPv4 address, IPv6 /64 prefix, or a text hash
    std::uint8_t family = 0;  // 4, 6, or 0 for text
    friend bool operator==(const Key&, const Key&) = default;
  };
  static Key key_of(std::string_view ip) noexcept;

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  struct Entry {
    TimePoint window_start{};
    TimePoint blocked_until{};
    std::uint32_t failures = 0;
    bool is_blocked = false;
    std::list<Key>::iterator pos;  // in counting_ or blocked_
  };

  Outcome count_failure(std::string_view ip);
  void prune();
  void evict_one();
  void erase(std::unordered_map<Key, Entry, KeyHash>::iterator it);

  const Clock& clock_;
  SourceGuardConfig config_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::list<Key> counting_;  // by window start, oldest first
  std::list<Key> blocked_;   // by block start, oldest first
  event::Bus* events_ = nullptr;
};

}  // namespace sip::policy
