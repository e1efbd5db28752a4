#include "sip/policy/source_guard.hpp"

#include <array>

#include "sip/uri/uri.hpp"

namespace sip::policy {
namespace {

std::uint64_t load_be(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

SourceGuard::Key SourceGuard::key_of(std::string_view ip) noexcept {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  std::array<std::uint8_t, 4> v4{};
  if (uri::parse_ipv4(ip, v4)) return Key{load_be(v4.data(), 4), 4};
  std::array<std::uint8_t, 16> v6{};
  if (uri::parse_ipv6(ip, v6)) {
    bool mapped = v6[10] == 0xFF && v6[11] == 0xFF;
    for (std::size_t i = 0; i < 10 && mapped; ++i) mapped = v6[i] == 0;
    if (mapped) return Key{load_be(v6.data() + 12, 4), 4};
    return Key{load_be(v6.data(), 8), 6};
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : ip) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return Key{h, 0};
}

std::size_t SourceGuard::KeyHash::operator()(const Key& k) const noexcept {
  std::uint64_t x = k.bits ^ (static_cast<std::uint64_t>(k.family) << 56);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return static_cast<std::size_t>(x);
}

SourceGuard::SourceGuard(const Clock& clock, SourceGuardConfig config)
    : clock_(clock), config_(config) {}

void SourceGuard::reconfigure(SourceGuardConfig config) {
  config_ = config;
  while (entries_.size() > config_.max_entries && !entries_.empty()) evict_one();
}

void SourceGuard::erase(std::unordered_map<Key, Entry, KeyHash>::iterator it) {
  (it->second.is_blocked ? blocked_ : counting_).erase(it->second.pos);
  entries_.erase(it);
}

void SourceGuard::evict_one() {
  std::list<Key>& from = counting_.empty() ? blocked_ : counting_;
  if (from.empty()) return;
  erase(entries_.find(from.front()));
}

void SourceGuard::prune() {
  const TimePoint now = clock_.now();
  while (!blocked_.empty()) {
    auto it = entries_.find(blocked_.front());
    if (it->second.blocked_until > now) break;
    erase(it);
  }
  while (!counting_.empty()) {
    auto it = entries_.find(counting_.front());
    if (it->second.window_start + config_.failure_window > now) break;
    erase(it);
  }
}

SourceGuard::Outcome SourceGuard::count_failure(std::string_view ip) {
  if (config_.max_failures == 0) return Outcome::Disabled;
  prune();
  const TimePoint now = clock_.now();
  const Key key = key_of(ip);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.is_blocked) {
    if (it->second.blocked_until > now) return Outcome::AlreadyBlocked;
    erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (config_.max_entries == 0) return Outcome::Counted;
    while (entries_.size() >= config_.max_entries) evict_one();
    it = entries_.emplace(key, Entry{}).first;
    it->second.window_start = now;
    it->second.pos = counting_.insert(counting_.end(), key);
  } else if (it->second.window_start + config_.failure_window <= now) {
    it->second.window_start = now;
    it->second.failures = 0;
    counting_.splice(counting_.end(), counting_, it->second.pos);
  }
  Entry& e = it->second;
  if (++e.failures < config_.max_failures) return Outcome::Counted;
  e.is_blocked = true;
  e.blocked_until = now + config_.block_for;
  blocked_.splice(blocked_.end(), counting_, e.pos);
  return Outcome::Blocked;
}

bool SourceGuard::blocked(std::string_view ip) const {
  if (entries_.empty()) return false;
  const auto it = entries_.find(key_of(ip));
  return it != entries_.end() && it->second.is_blocked && it->second.blocked_until > clock_.now();
}

void SourceGuard::forgive(std::string_view ip) {
  const auto it = entries_.find(key_of(ip));
  if (it != entries_.end()) erase(it);
}

std::size_t SourceGuard::blocked_count() {
  prune();
  // Blocks are in start order; with a reconfigured block_for a later one may
  // end first, so count exactly.
  std::size_t n = 0;
  const TimePoint now = clock_.now();
  for (const Key& k : blocked_)
    if (entries_.find(k)->second.blocked_until > now) ++n;
  return n;
}

}  // namespace sip::policy
