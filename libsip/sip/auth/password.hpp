// Password storage for customers (web/API logins) and API keys. Passwords
// are kept as "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"
// (PBKDF2-HMAC-SHA256, 16-byte random salt, 32-byte hash, standard base64
// with padding); never in clear. OpenSSL stays inside password.cpp.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sip::auth {

inline constexpr std::uint32_t kPasswordIterations = 600000;
// verify_password() refuses stored strings outside this range (a forged
// row must not make a login spin for minutes).
inline constexpr std::uint32_t kMaxPasswordIterations = 10000000;

// The stored form of `password` with a fresh random salt. Empty only when
// OpenSSL fails (an empty string never verifies).
std::string hash_password(std::string_view password);
// Same with an explicit iteration count (tests; 1..kMaxPasswordIterations).
std::string hash_password(std::string_view password, std::uint32_t iterations);

// true when `stored` is well formed and was made from `password`; the hash
// comparison is constant-time. Malformed strings give false.
bool verify_password(std::string_view stored, std::string_view password);

// 64 lowercase hex characters from 32 CSPRNG bytes.
std::string make_api_key();

}  // namespace sip::auth
