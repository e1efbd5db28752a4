// Hash primitives of the auth module: the digest hash functions of RFC 7616
// and RFC 8760 (MD5, SHA-256, SHA-512/256) as lowercase hex, HMAC-SHA256 and
// a constant-time comparison. OpenSSL stays inside hash.cpp.
// Thread-safety: every function may be called from any thread (OpenSSL
// contexts are per thread). Returned strings are owned by the caller.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"

namespace sip::auth {

// The hash function under a digest algorithm (with or without "-sess").
enum class DigestHash : std::uint8_t { Md5, Sha256, Sha512_256 };
inline constexpr std::size_t kDigestHashCount = 3;

// Length of the lowercase hex output: 32 for MD5, 64 for the SHA-2 ones.
constexpr std::size_t hash_hex_length(DigestHash h) noexcept {
  return h == DigestHash::Md5 ? 32 : 64;
}

// Lowercase hex of H(parts[0] ":" parts[1] ":" ... ), the shape of every
// digest computation (HA1, HA2, response). Fails (Errc::bad_value) only when
// OpenSSL cannot provide the hash (e.g. MD5 in a FIPS-only configuration).
Result<std::string> hash_hex(DigestHash h, std::initializer_list<std::string_view> parts);

inline constexpr std::size_t kHmacSha256Size = 32;
using HmacSha256 = std::array<std::uint8_t, kHmacSha256Size>;

// HMAC-SHA256(key, data); false when OpenSSL fails.
bool hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data,
                 HmacSha256& out) noexcept;

// HMAC-SHA256 with a fixed key, keyed once: the inner and outer hash states
// after the padded key are computed in the constructor, so each mac() costs
// two short SHA-256 runs instead of OpenSSL 3's per-call HMAC set-up (which
// dominated nonce issue/verify). Thread-safety: mac() is const and may run
// concurrently (each thread uses its own working context).
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::span<const std::uint8_t> key) noexcept;
  ~HmacSha256Key();  // frees (and so clears) the keyed states
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  bool ok() const noexcept { return inner_ != nullptr && outer_ != nullptr; }
  // HMAC over the concatenation of `parts`; false when OpenSSL fails.
  bool mac(std::initializer_list<std::span<const std::uint8_t>> parts,
           HmacSha256& out) const noexcept;

 private:
  void* inner_ = nullptr;  // EVP_MD_CTX*, after key ^ ipad
  void* outer_ = nullptr;  // EVP_MD_CTX*, after key ^ opad
};

// Equality whose running time depends only on the lengths (lengths are not
// secret here: they follow from the algorithm).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// Overwrites secret bytes in a way the compiler may not elide.
void secure_wipe(std::span<std::uint8_t> bytes) noexcept;

}  // namespace sip::auth
