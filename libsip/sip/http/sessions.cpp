#include "sip/http/sessions.hpp"

#include <array>
#include <cstdint>

#include "sip/base/random.hpp"

namespace sip::http {
namespace {

std::string hex_token() {
  std::array<std::uint8_t, 48> bytes{};
  random_bytes(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

std::string Sessions::create(const Principal& who, std::chrono::seconds lifetime, SteadyTime now) {
  std::string id = hex_token();
  std::lock_guard lock(mu_);
  sweep(now);
  sessions_[id] = Entry{who, now + lifetime};
  return id;
}

std::optional<Principal> Sessions::find(const std::string& authid, SteadyTime now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(authid);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.who;
}

bool Sessions::end(const std::string& authid) {
  std::lock_guard lock(mu_);
  return sessions_.erase(authid) > 0;
}

std::size_t Sessions::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void Sessions::sweep(SteadyTime now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + std::chrono::seconds(60);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires <= now)
      it = sessions_.erase(it);
    else
      ++it;
  }
}

bool RateLimiter::allow(const std::string& key, int limit, std::chrono::seconds window,
                        SteadyTime now) {
  std::lock_guard lock(mu_);
  if (windows_.size() > 100000) {
    // Bounded memory under a spray of keys: drop the windows that ended.
    for (auto it = windows_.begin(); it != windows_.end();)
      it = it->second.start + window <= now ? windows_.erase(it) : std::next(it);
  }
  Window& w = windows_[key];
  if (w.count == 0 || w.start + window <= now) {
    w.start = now;
    w.count = 0;
  }
  ++w.count;
  return w.count <= limit;
}

}  // namespace sip::http
