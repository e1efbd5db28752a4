// Client-side nonce counts (the "nc" of RFC 7616 3.4): 1 for the first
// response to a server nonce, +1 for each further response reusing it.
// Remembers the most recent kMaxNonces nonces (oldest forgotten first).
// Thread-safety: a plain value owned by one client session; not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sip::auth {

class NonceCounter {
 public:
  static constexpr std::size_t kMaxNonces = 8;

  // The count to send with the next response to `nonce`. Returns 0 once the
  // 32-bit count is exhausted (make_authorization refuses 0): get a new nonce.
  std::uint32_t next(std::string_view nonce);
  // The last count handed out for `nonce`; 0 when unknown.
  std::uint32_t current(std::string_view nonce) const noexcept;
  void clear() noexcept { entries_.clear(); }

 private:
  struct Entry {
    std::string nonce;
    std::uint32_t count = 0;
  };
  std::vector<Entry> entries_;  // least recently used first
};

}  // namespace sip::auth
