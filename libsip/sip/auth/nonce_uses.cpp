#include "sip/auth/nonce_uses.hpp"

#include <algorithm>

namespace sip::auth {
namespace {

std::uint64_t fnv1a(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::uint32_t parse_nc(std::string_view nc) noexcept {
  std::uint32_t v = 0;
  for (char c : nc) {
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : 0;
    v = v * 16 + static_cast<std::uint32_t>(d);
  }
  return v;
}

}  // namespace

bool NonceUses::replayed(std::string_view nonce, std::string_view nc) noexcept {
  const std::uint64_t h = fnv1a(nonce);
  const std::uint32_t count = nc.empty() ? 0 : parse_nc(nc);
  for (auto& use : uses_) {
    if (use.hash != h) continue;
    if (count <= use.nc) return true;  // also: any reuse of a nonce without qop
    use.nc = count;
    return false;
  }
  uses_[next_] = {h, count};
  next_ = static_cast<std::uint8_t>((next_ + 1) % uses_.size());
  return false;
}

bool NonceUses::any() const noexcept {
  return std::any_of(uses_.begin(), uses_.end(), [](const Use& u) { return u.hash != 0; });
}

}  // namespace sip::auth
