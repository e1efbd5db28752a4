#include "sip/b2bua/call_limits.hpp"

#include <algorithm>

namespace sip::b2bua {
namespace {

constexpr std::size_t kPruneAt = 4096;  // entries per map before idle ones are dropped

}  // namespace

bool CallLimiter::take(Entry& e, unsigned per_minute, std::int64_t now_ms) {
  if (per_minute == 0) return true;
  const double capacity = per_minute;
  if (e.tokens < 0) {
    e.tokens = capacity;
  } else if (now_ms > e.last_ms) {
    e.tokens =
        std::min(capacity, e.tokens + static_cast<double>(now_ms - e.last_ms) * capacity / 60000.0);
  }
  e.last_ms = std::max(e.last_ms, now_ms);
  if (e.tokens < 1.0) return false;
  e.tokens -= 1.0;
  return true;
}

bool CallLimiter::idle(const Entry& e, unsigned per_minute, std::int64_t now_ms) {
  if (e.running != 0) return false;
  if (e.tokens < 0 || per_minute == 0) return true;
  return e.tokens + static_cast<double>(now_ms - e.last_ms) * per_minute / 60000.0 >= per_minute;
}

void CallLimiter::prune(std::unordered_map<store::Id, Entry>& map, unsigned per_minute,
                        std::int64_t now_ms) {
  if (map.size() < kPruneAt) return;
  for (auto it = map.begin(); it != map.end();)
    it = idle(it->second, per_minute, now_ms) ? map.erase(it) : std::next(it);
}

CallLimiter::Verdict CallLimiter::admit(store::Id account, store::Id owner, std::int64_t now_ms) {
  prune(accounts_, limits_.account_per_minute, now_ms);
  prune(customers_, limits_.customer_per_minute, now_ms);
  Entry* a = account != 0 ? &accounts_[account] : nullptr;
  Entry& c = customers_[owner];
  // Busy refusals use no attempt; a too-fast one is not counted either.
  if (a != nullptr && limits_.account_calls != 0 && a->running >= limits_.account_calls)
    return Verdict::AccountBusy;
  if (limits_.customer_calls != 0 && c.running >= limits_.customer_calls)
    return Verdict::CustomerBusy;
  if (a != nullptr && !take(*a, limits_.account_per_minute, now_ms)) return Verdict::AccountTooFast;
  if (!take(c, limits_.customer_per_minute, now_ms)) {
    if (a != nullptr && limits_.account_per_minute != 0) a->tokens += 1.0;  // not counted
    return Verdict::CustomerTooFast;
  }
  if (a != nullptr) ++a->running;
  ++c.running;
  return Verdict::Ok;
}

void CallLimiter::ended(store::Id account, store::Id owner) {
  if (account != 0)
    if (auto it = accounts_.find(account); it != accounts_.end() && it->second.running > 0)
      --it->second.running;
  if (auto it = customers_.find(owner); it != customers_.end() && it->second.running > 0)
    --it->second.running;
}

}  // namespace sip::b2bua
