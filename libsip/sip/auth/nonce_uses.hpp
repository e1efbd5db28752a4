// Server-side replay guard of one account's digest answers (RFC 7616 3.4.5):
// the highest nonce count seen for each of its most recent nonces. A
// response whose nc is not above the last one for that nonce (or any reuse
// of a nonce answered without qop) is a replay. The registrar keeps one per
// account for REGISTER and the call manager one per account for INVITE, so
// both apply the same rule. Thread-safety: a plain value, one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sip::auth {

class NonceUses {
 public:
  // Records the use of `nonce` with count `nc` (hex text; empty = no qop).
  // Returns true when it is a replay (nothing recorded then).
  bool replayed(std::string_view nonce, std::string_view nc) noexcept;
  // True once any nonce was recorded.
  bool any() const noexcept;

 private:
  struct Use {
    std::uint64_t hash = 0;
    std::uint32_t nc = 0;
  };
  std::array<Use, 8> uses_{};
  std::uint8_t next_ = 0;
};

}  // namespace sip::auth
