#include "sip/auth/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <optional>
#include <vector>

#include "sip/auth/hash.hpp"
#include "sip/base/random.hpp"
#include "sip/base/text.hpp"

namespace sip::auth {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kHashSize = 32;
constexpr std::size_t kMaxSaltSize = 64;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::span<const std::uint8_t> in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict: length a multiple of 4, padding only at the end, unused bits zero
// (so each byte string has exactly one accepted encoding).
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
  std::vector<std::uint8_t> out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const std::size_t data = last ? 4 - pad : 4;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      int d = 0;
      if (k < data) {
        d = base64_value(in[i + k]);
        if (d < 0) return std::nullopt;
      } else if (in[i + k] != '=') {
        return std::nullopt;
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (data > 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (data > 3) out.push_back(static_cast<std::uint8_t>(v));
    if (data == 3 && (v & 0xff) != 0) return std::nullopt;
    if (data == 2 && (v & 0xffff) != 0) return std::nullopt;
  }
  return out;
}

bool pbkdf2(std::string_view password, std::span<const std::uint8_t> salt, std::uint32_t iterations,
            std::array<std::uint8_t, kHashSize>& out) noexcept {
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                           static_cast<int>(salt.size()), static_cast<int>(iterations),
                           EVP_sha256(), static_cast<int>(out.size()), out.data()) == 1;
}

}  // namespace

std::string hash_password(std::string_view password) {
  return hash_password(password, kPasswordIterations);
}

std::string hash_password(std::string_view password, std::uint32_t iterations) {
  if (iterations == 0 || iterations > kMaxPasswordIterations) return {};
  if (password.size() > static_cast<std::size_t>(INT32_MAX)) return {};
  std::array<std::uint8_t, kSaltSize> salt{};
  random_bytes(salt);
  std::array<std::uint8_t, kHashSize> hash{};
  if (!pbkdf2(password, salt, iterations, hash)) return {};
  std::string out(kScheme);
  out += '$';
  out += std::to_string(iterations);
  out += '$';
  out += base64_encode(salt);
  out += '$';
  out += base64_encode(hash);
  secure_wipe(hash);
  return out;
}

bool verify_password(std::string_view stored, std::string_view password) {
  // scheme $ iterations $ salt $ hash
  std::array<std::string_view, 4> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t end = stored.find('$', start);
    const bool last = i + 1 == parts.size();
    if (last != (end == std::string_view::npos)) return false;
    parts[i] = stored.substr(start, last ? std::string_view::npos : end - start);
    start = end + 1;
  }
  if (parts[0] != kScheme) return false;
  if (parts[1].empty() || parts[1].front() == '0') return false;
  const auto iterations = parse_uint(parts[1], kMaxPasswordIterations);
  if (!iterations || *iterations == 0) return false;
  const auto salt = base64_decode(parts[2]);
  if (!salt || salt->empty() || salt->size() > kMaxSaltSize) return false;
  const auto expected = base64_decode(parts[3]);
  if (!expected || expected->size() != kHashSize) return false;
  if (password.size() > static_cast<std::size_t>(INT32_MAX)) return false;
  std::array<std::uint8_t, kHashSize> actual{};
  if (!pbkdf2(password, *salt, static_cast<std::uint32_t>(*iterations), actual)) return false;
  const bool same = CRYPTO_memcmp(actual.data(), expected->data(), kHashSize) == 0;
  secure_wipe(actual);
  return same;
}

std::string make_api_key() {
  std::array<std::uint8_t, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    random_bytes(bytes);  // the kernel CSPRNG; aborts rather than returning weak bytes
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace sip::auth
