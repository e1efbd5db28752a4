#include "sip/dns/cache.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "sip/base/ci.hpp"

namespace sip::dns {

std::uint32_t Cache::effective_ttl(AnswerStatus status,
                                   std::optional<std::uint32_t> wire_ttl) const {
  switch (status) {
    case AnswerStatus::Ok: return std::min(wire_ttl.value_or(0), limits_.max_ttl);
    case AnswerStatus::NoData:
    case AnswerStatus::NxDomain:
      return std::min(
          {wire_ttl.value_or(limits_.negative_ttl), limits_.negative_ttl, limits_.max_ttl});
    case AnswerStatus::Timeout:
    case AnswerStatus::ServerFailure:
    case AnswerStatus::Cancelled: return 0;
  }
  return 0;
}

std::string Cache::key(RecordType type, std::string_view name) {
  std::string k = std::to_string(static_cast<unsigned>(type));
  k += ' ';
  k += to_lower(name);
  if (!k.empty() && k.back() == '.') k.pop_back();
  return k;
}

AnswerPtr Cache::find(RecordType type, std::string_view name) {
  const auto it = entries_.find(key(type, name));
  if (it == entries_.end()) return nullptr;
  const TimePoint now = clock_.now();
  if (it->second.expires <= now) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.expires - now).count();
  auto copy = std::make_shared<Answer>(*it->second.answer);
  copy->ttl = static_cast<std::uint32_t>(std::min<std::int64_t>(left, copy->ttl));
  return copy;
}

void Cache::insert(RecordType type, std::string_view name, const AnswerPtr& answer) {
  if (!answer || answer->ttl == 0 || limits_.max_entries == 0 || is_transient(answer->status)) {
    return;
  }
  std::string k = key(type, name);
  const TimePoint expires = clock_.now() + std::chrono::seconds(answer->ttl);
  if (auto it = entries_.find(k); it != entries_.end()) {
    it->second.answer = answer;
    it->second.expires = expires;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  while (entries_.size() >= limits_.max_entries && !lru_.empty()) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(k);
  entries_.emplace(std::move(k), Entry{answer, expires, lru_.begin()});
}

}  // namespace sip::dns
