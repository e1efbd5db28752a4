// Abuse limits on outgoing calls (docs/security.md): calls placed by a
// customer's accounts (Out calls) and the customer's callbacks cost money,
// so a hijacked phone or account is held to a number of simultaneous calls
// and of call attempts per minute, per account and per customer. Incoming
// calls are bounded by the daemon-wide b2bua.max_calls only.
// Thread-safety: core thread only. Memory: one entry per account or
// customer that placed a call, forgotten once idle and back to full.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "sip/store/types.hpp"

namespace sip::b2bua {

struct CallLimits {
  unsigned account_calls = 10;          // simultaneous outgoing calls per account
  unsigned customer_calls = 100;        // per customer
  unsigned account_per_minute = 120;    // outgoing call attempts per account
  unsigned customer_per_minute = 1200;  // per customer
};                                      // 0: no limit

class CallLimiter {
 public:
  explicit CallLimiter(CallLimits limits = {}) : limits_(limits) {}
  void reconfigure(CallLimits limits) { limits_ = limits; }
  const CallLimits& limits() const noexcept { return limits_; }

  enum class Verdict : std::uint8_t {
    Ok,               // admitted: counted as an attempt and as running
    AccountBusy,      // account_calls running
    CustomerBusy,     // customer_calls running
    AccountTooFast,   // account_per_minute used up
    CustomerTooFast,  // customer_per_minute used up
  };
  // A new outgoing call of `account` (0: none, a callback) of customer
  // `owner` at `now_ms`. When Ok, ended() must follow once it is over.
  Verdict admit(store::Id account, store::Id owner, std::int64_t now_ms);
  void ended(store::Id account, store::Id owner);

 private:
  struct Entry {
    unsigned running = 0;
    double tokens = -1;  // < 0: full (not yet used)
    std::int64_t last_ms = 0;
  };
  // Takes one token of `e` (capacity `per_minute`); false when none is left.
  static bool take(Entry& e, unsigned per_minute, std::int64_t now_ms);
  static bool idle(const Entry& e, unsigned per_minute, std::int64_t now_ms);
  void prune(std::unordered_map<store::Id, Entry>& map, unsigned per_minute, std::int64_t now_ms);

  CallLimits limits_;
  std::unordered_map<store::Id, Entry> accounts_;
  std::unordered_map<store::Id, Entry> customers_;
};

}  // namespace sip::b2bua
