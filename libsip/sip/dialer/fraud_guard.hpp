// FraudGuard: the checks every "guarded" destination passes before a leg is
// placed (docs/fraud-guards.md). A guarded destination is one the caller did
// not choose directly: a redirect target (an rm=n execution, or any Dial
// after a Dial returned Redirect), a transfer target (the `transfer` plan)
// and a callback. Two rules, both on by default:
//  - denied prefixes: the destination's user part, with visual separators
//    removed, must not start with a denied prefix. A prefix written with a
//    leading '+' also matches the number written with 00 or 011 instead.
//    With `all_dials` (the default) this rule checks every Dial's legs, not
//    only guarded ones.
//  - a rate limit per customer: at most `per_minute` guarded legs per
//    customer per minute (a token bucket refilled continuously).
// The daemon shares one FraudGuard between all calls; dialplan-test has its
// own. Thread-safety: one thread (the core thread / the simulation).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sip::dialer {

struct FraudConfig {
  bool enabled = true;
  // Premium-rate and high-fraud ranges (E.164 with '+'); see fraud-guards.md.
  std::vector<std::string> denied_prefixes = {"+1900", "+1976", "+449", "+4470", "+4487",
                                              "+881",  "+882",  "+883", "+979"};
  unsigned per_minute = 10;  // guarded legs per customer per minute; 0 = no limit
  bool all_dials = true;     // denied prefixes also for destinations the caller dialled
};

// The destination as the prefix rules see it: separators (space - . ( ))
// removed; "00" and "011" before a country code written as '+'.
std::string normalise_destination(std::string_view user);

class FraudGuard {
 public:
  explicit FraudGuard(FraudConfig config = {}) : config_(std::move(config)) {}
  void reconfigure(FraudConfig config) { config_ = std::move(config); }
  const FraudConfig& config() const noexcept { return config_; }

  // The denied prefix `destination` (a URI user part) matches, or empty.
  std::string denied_prefix(std::string_view destination) const;
  // Why customer `owner` may not place a leg to `destination` at `now_ms`
  // (unix ms), or empty when it may. A `guarded` leg passes both rules (and
  // is counted); another one only the prefixes, and only with all_dials.
  std::string check(std::string_view owner, std::string_view destination, std::int64_t now_ms,
                    bool guarded = true);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t last_ms = 0;
  };
  FraudConfig config_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace sip::dialer
