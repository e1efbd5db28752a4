// Login sessions of the HTTP API and the login rate limiter. A session is an
// authid (96 hex characters from the CSPRNG) naming a Principal until it
// expires or is ended; sessions live in memory (a restart logs everyone
// out). Thread-safety: every member is thread-safe (one mutex each).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sip::http {

using SteadyTime = std::chrono::steady_clock::time_point;

// Who is calling: a customer (admin customers see every tenant).
struct Principal {
  std::int64_t customer_id = 0;
  std::string username;
  bool admin = false;
};

class Sessions {
 public:
  // A new authid for `who`, valid for `lifetime` from `now`.
  std::string create(const Principal& who, std::chrono::seconds lifetime, SteadyTime now);
  // The principal of a live session; expired ones are removed.
  std::optional<Principal> find(const std::string& authid, SteadyTime now);
  bool end(const std::string& authid);  // false when unknown
  std::size_t size();

 private:
  struct Entry {
    Principal who;
    SteadyTime expires;
  };
  void sweep(SteadyTime now);  // holds mu_
  std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;
  SteadyTime next_sweep_{};
};

// At most `limit` events per key within a sliding `window` (a fixed window
// per key, restarted by the first event after it ends).
class RateLimiter {
 public:
  // Counts one event for `key`; false when it is over the limit.
  bool allow(const std::string& key, int limit, std::chrono::seconds window, SteadyTime now);

 private:
  struct Window {
    SteadyTime start;
    int count = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace sip::http
