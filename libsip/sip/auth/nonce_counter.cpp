#include "sip/auth/nonce_counter.hpp"

#include <utility>

namespace sip::auth {

std::uint32_t NonceCounter::next(std::string_view nonce) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].nonce != nonce) continue;
    Entry e = std::move(entries_[i]);
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
    if (e.count != 0 && e.count != UINT32_MAX)
      ++e.count;
    else
      e.count = 0;  // exhausted (or already 0) stays 0
    const std::uint32_t n = e.count;
    entries_.push_back(std::move(e));
    return n;
  }
  if (entries_.size() >= kMaxNonces) entries_.erase(entries_.begin());
  entries_.push_back(Entry{std::string(nonce), 1});
  return 1;
}

std::uint32_t NonceCounter::current(std::string_view nonce) const noexcept {
  for (const Entry& e : entries_)
    if (e.nonce == nonce) return e.count;
  return 0;
}

}  // namespace sip::auth
