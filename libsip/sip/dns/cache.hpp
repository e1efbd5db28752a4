// The resolver's record cache: answers keyed by (record type, lower-cased
// name), kept for their TTL (capped) and evicted least-recently-used beyond
// a size limit. Negative answers (NXDOMAIN, NODATA) are kept for the SOA
// negative TTL when the server sent one, never longer than negative_ttl.
// Time comes from an injected sip::Clock.
// Thread-safety: none; owned and used by one thread (the resolver worker).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sip/base/clock.hpp"
#include "sip/dns/records.hpp"

namespace sip::dns {

struct CacheLimits {
  std::size_t max_entries = 1024;   // 0 disables caching
  std::uint32_t max_ttl = 3600;     // seconds, caps positive answers
  std::uint32_t negative_ttl = 30;  // seconds, caps (and defaults) negative answers
};

class Cache {
 public:
  // `clock` must outlive the cache.
  Cache(const Clock& clock, CacheLimits limits) : clock_(clock), limits_(limits) {}

  // The TTL an answer of `status` gets: the record TTL capped by max_ttl for
  // Ok; the SOA value (or negative_ttl without one) capped by negative_ttl
  // for NoData/NxDomain; 0 for failures, which are never cached.
  std::uint32_t effective_ttl(AnswerStatus status, std::optional<std::uint32_t> wire_ttl) const;

  // A live entry whose ttl is the time left (seconds, rounded up), or null.
  AnswerPtr find(RecordType type, std::string_view name);
  // Keeps `answer` for answer->ttl seconds (already effective); ignores
  // failures and TTL 0.
  void insert(RecordType type, std::string_view name, const AnswerPtr& answer);

  std::size_t size() const noexcept { return entries_.size(); }
  void clear() noexcept {
    entries_.clear();
    lru_.clear();
  }

 private:
  struct Entry {
    AnswerPtr answer;
    TimePoint expires;
    std::list<std::string>::iterator lru;
  };
  static std::string key(RecordType type, std::string_view name);

  const Clock& clock_;
  CacheLimits limits_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sip::dns
