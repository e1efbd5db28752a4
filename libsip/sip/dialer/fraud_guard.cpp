#include "sip/dialer/fraud_guard.hpp"

#include <algorithm>

namespace sip::dialer {
namespace {

constexpr std::size_t kMaxBuckets = 100000;  // customers tracked at once

bool separator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

}  // namespace

std::string normalise_destination(std::string_view user) {
  std::string out;
  out.reserve(user.size());
  for (char c : user)
    if (!separator(c)) out.push_back(c);
  if (out.rfind("011", 0) == 0) return "+" + out.substr(3);
  if (out.rfind("00", 0) == 0) return "+" + out.substr(2);
  return out;
}

std::string FraudGuard::denied_prefix(std::string_view destination) const {
  if (!config_.enabled) return {};
  const std::string raw(destination);
  const std::string number = normalise_destination(destination);
  for (const std::string& p : config_.denied_prefixes) {
    if (p.empty()) continue;
    const std::string prefix = normalise_destination(p);
    if (number.rfind(prefix, 0) == 0 || raw.rfind(p, 0) == 0) return p;
  }
  return {};
}

std::string FraudGuard::check(std::string_view owner, std::string_view destination,
                              std::int64_t now_ms, bool guarded) {
  if (!config_.enabled || (!guarded && !config_.all_dials)) return {};
  if (auto p = denied_prefix(destination); !p.empty())
    return "destination " + std::string(destination) + " is in a denied prefix (" + p + ")";
  if (!guarded || config_.per_minute == 0) return {};
  const double capacity = config_.per_minute;
  auto it = buckets_.find(std::string(owner));
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxBuckets) {
      // Drop the buckets that are full again (idle customers).
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        const double refill = static_cast<double>(now_ms - b->second.last_ms) * capacity / 60000.0;
        b = b->second.tokens + refill >= capacity ? buckets_.erase(b) : std::next(b);
      }
    }
    it = buckets_.emplace(std::string(owner), Bucket{capacity, now_ms}).first;
  }
  Bucket& b = it->second;
  if (now_ms > b.last_ms) {
    b.tokens =
        std::min(capacity, b.tokens + static_cast<double>(now_ms - b.last_ms) * capacity / 60000.0);
    b.last_ms = now_ms;
  }
  if (b.tokens < 1.0)
    return "more than " + std::to_string(config_.per_minute) +
           " redirect, transfer or callback targets per minute for customer " + std::string(owner);
  b.tokens -= 1.0;
  return {};
}

}  // namespace sip::dialer
