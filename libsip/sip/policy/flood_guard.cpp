#include "sip/policy/flood_guard.hpp"

#include <algorithm>
#include <string>

#include "sip/base/log.hpp"
#include "sip/event/bus.hpp"
#include "sip/policy/ip_acl.hpp"

namespace sip::policy {
namespace {

std::uint64_t load(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

FloodGuard::FloodGuard(const Clock& clock, FloodConfig config)
    : clock_(clock), config_(std::move(config)) {}

void FloodGuard::reconfigure(FloodConfig config) {
  config_ = std::move(config);
  if (!config_.enabled) entries_.clear();
}

std::uint64_t FloodGuard::key_of(const transport::SocketAddress& a) noexcept {
  if (!a.v6) return load(a.ip.data(), 4);
  bool mapped = a.ip[10] == 0xFF && a.ip[11] == 0xFF;
  for (std::size_t i = 0; i < 10 && mapped; ++i) mapped = a.ip[i] == 0;
  if (mapped) return load(a.ip.data() + 12, 4);
  return load(a.ip.data(), 8) | (std::uint64_t{1} << 63);  // the /64, apart from IPv4
}

void FloodGuard::prune(TimePoint now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& e = it->second;
    const bool idle = !e.blocked && now - e.last >= std::chrono::seconds(1);
    const bool done = e.blocked && e.blocked_until <= now;
    it = idle || done ? entries_.erase(it) : std::next(it);
  }
}

bool FloodGuard::admit(const transport::SocketAddress& remote) {
  if (!config_.enabled || config_.per_second == 0) return true;
  const std::uint64_t key = key_of(remote);
  const TimePoint now = clock_.now();
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.blocked) {
    if (it->second.blocked_until > now) {
      ++stats_.dropped;
      return false;
    }
    entries_.erase(it);
    it = entries_.end();
  }
  const double capacity = std::max(config_.burst, config_.per_second);
  if (it == entries_.end()) {
    // The allow-list is looked up once per tracked source, not per request.
    if (!config_.allow.empty() && ip_acl_matches(config_.allow, remote)) return true;
    if (entries_.size() >= config_.max_entries && now - last_prune_ >= std::chrono::seconds(1)) {
      last_prune_ = now;  // at most once a second: pruning walks every entry
      prune(now);
    }
    if (entries_.size() >= config_.max_entries) return true;  // untracked: see the header
    it = entries_.emplace(key, Entry{capacity, now, {}, false}).first;
  }
  Entry& e = it->second;
  const double elapsed = std::chrono::duration<double>(now - e.last).count();
  e.tokens = std::min(capacity, e.tokens + elapsed * config_.per_second);
  e.last = now;
  if (e.tokens >= 1.0) {
    e.tokens -= 1.0;
    return true;
  }
  e.blocked = true;
  e.blocked_until = now + config_.block_for;
  ++stats_.blocks;
  ++stats_.dropped;
  const std::string ip = remote.ip_string();
  log(LogLevel::Warn, "flood",
      "blocking " + ip + " for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(config_.block_for).count()) +
          " s: more than " + std::to_string(config_.per_second) + " requests per second");
  if (events_ != nullptr && events_->wants(event::Type::Security)) {
    event::Event ev;
    ev.type = event::Type::Security;
    ev.what = "flood";
    ev.level = event::Level::Error;
    ev.remote = ip;
    ev.message = "source " + ip + " blocked for flooding (over " +
                 std::to_string(config_.per_second) + " requests per second)";
    events_->emit(std::move(ev));
  }
  return false;
}

std::size_t FloodGuard::blocked_count() const {
  const TimePoint now = clock_.now();
  return static_cast<std::size_t>(std::count_if(
      entries_.begin(), entries_.end(),
      [&](const auto& kv) { return kv.second.blocked && kv.second.blocked_until > now; }));
}

}  // namespace sip::policy
