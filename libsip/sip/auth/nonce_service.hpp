// Stateless digest nonces for a registrar or proxy. A nonce is
//   base64url( timestamp(8, big endian) || random(16) ||
//              HMAC-SHA256(secret, timestamp || random || realm || client-ip) )
// (realm and client-ip each length-prefixed), so verify() needs no table:
// it recomputes the MAC and checks the age against the lifetime. Replays of
// a nonce within its lifetime are not detected here (that needs nc state).
// Thread-safety: issue() and verify() are const and may run concurrently;
// the Clock is borrowed and must outlive the service.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sip/auth/hash.hpp"
#include "sip/base/clock.hpp"
#include "sip/base/result.hpp"

namespace sip::auth {

enum class NonceStatus : std::uint8_t {
  Valid,    // authentic and within its lifetime
  Stale,    // authentic but expired: challenge again with stale=true
  Invalid,  // malformed, forged, or issued for another realm / client
};
std::string_view nonce_status_name(NonceStatus s) noexcept;  // "valid", "stale", "invalid"

class NonceService {
 public:
  static constexpr std::size_t kSecretSize = 32;
  static constexpr std::size_t kRandomSize = 16;
  static constexpr std::size_t kNonceLength = 75;  // base64url of 56 bytes, no padding
  static constexpr std::chrono::seconds kDefaultLifetime{300};
  // A timestamp this far in the future (clock stepped back, or shards whose
  // clocks disagree) is still accepted; further out it counts as stale.
  static constexpr std::chrono::seconds kMaxClockSkew{5};
  using Secret = std::array<std::uint8_t, kSecretSize>;

  // A fresh random secret: nonces die with the process.
  explicit NonceService(const Clock& clock, std::chrono::seconds lifetime = kDefaultLifetime);
  // A given secret, e.g. shared by processes sharding one registrar.
  NonceService(const Clock& clock, std::chrono::seconds lifetime, const Secret& secret);
  ~NonceService();  // wipes the secret
  NonceService(const NonceService&) = delete;
  NonceService& operator=(const NonceService&) = delete;

  // A new nonce bound to `realm` and, when not empty, to the client's
  // address (leave it empty for clients behind NATs that rebind).
  Result<std::string> issue(std::string_view realm, std::string_view client_ip = {}) const;
  NonceStatus verify(std::string_view nonce, std::string_view realm,
                     std::string_view client_ip = {}) const;

  std::chrono::seconds lifetime() const noexcept { return lifetime_; }

 private:
  static constexpr std::size_t kStampSize = 8;
  static constexpr std::size_t kRawSize = kStampSize + kRandomSize + kHmacSha256Size;

  bool mac(const std::uint8_t* stamp_and_random, std::string_view realm, std::string_view client_ip,
           std::uint8_t* out) const;

  const Clock& clock_;
  std::chrono::seconds lifetime_;
  Secret secret_{};
  std::unique_ptr<HmacSha256Key> key_;  // keyed once from secret_
};

}  // namespace sip::auth
