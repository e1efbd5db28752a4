#include "sip/auth/nonce_service.hpp"

#include <cstring>
#include <span>
#include <vector>

#include "sip/auth/hash.hpp"
#include "sip/base/random.hpp"

namespace sip::auth {
namespace {

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::span<const std::uint8_t> in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kB64Url[(v >> s) & 0x3f];
  }
  const std::size_t rest = in.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    out += kB64Url[(v >> 18) & 0x3f];
    out += kB64Url[(v >> 12) & 0x3f];
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    out += kB64Url[(v >> 18) & 0x3f];
    out += kB64Url[(v >> 12) & 0x3f];
    out += kB64Url[(v >> 6) & 0x3f];
  }
  return out;
}

int b64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict, canonical decoding (unused trailing bits must be zero) into exactly
// out.size() bytes; false for any other input.
bool decode_base64url(std::string_view in, std::span<std::uint8_t> out) noexcept {
  if (in.size() != (out.size() * 4 + 2) / 3) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (char c : in) {
    const int v = b64url_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<std::uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return n == out.size() && acc == 0;
}

static_assert(NonceService::kNonceLength ==
                  ((8 + NonceService::kRandomSize + kHmacSha256Size) * 4 + 2) / 3,
              "kNonceLength must be the unpadded base64url length of the raw nonce");

}  // namespace

std::string_view nonce_status_name(NonceStatus s) noexcept {
  switch (s) {
    case NonceStatus::Valid: return "valid";
    case NonceStatus::Stale: return "stale";
    case NonceStatus::Invalid: return "invalid";
  }
  return "unknown";
}

NonceService::NonceService(const Clock& clock, std::chrono::seconds lifetime)
    : clock_(clock), lifetime_(lifetime) {
  random_bytes(secret_);
  key_ = std::make_unique<HmacSha256Key>(secret_);
}

NonceService::NonceService(const Clock& clock, std::chrono::seconds lifetime, const Secret& secret)
    : clock_(clock),
      lifetime_(lifetime),
      secret_(secret),
      key_(std::make_unique<HmacSha256Key>(secret_)) {}

NonceService::~NonceService() {
  secure_wipe(secret_);
}

bool NonceService::mac(const std::uint8_t* stamp_and_random, std::string_view realm,
                       std::string_view client_ip, std::uint8_t* out) const {
  // MAC input: stamp || random || len32(realm) || realm || len32(ip) || ip.
  auto length = [](std::string_view v) {
    const auto n = static_cast<std::uint32_t>(v.size());
    return std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
        static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  };
  auto bytes = [](std::string_view v) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
  };
  const auto realm_len = length(realm);
  const auto ip_len = length(client_ip);
  HmacSha256 h;
  if (!key_->mac({std::span<const std::uint8_t>(stamp_and_random, kStampSize + kRandomSize),
                  realm_len, bytes(realm), ip_len, bytes(client_ip)},
                 h)) {
    return false;
  }
  std::memcpy(out, h.data(), h.size());
  return true;
}

Result<std::string> NonceService::issue(std::string_view realm, std::string_view client_ip) const {
  std::array<std::uint8_t, kRawSize> raw{};
  const auto stamp = static_cast<std::uint64_t>(clock_.unix_seconds());
  for (std::size_t i = 0; i < kStampSize; ++i)
    raw[i] = static_cast<std::uint8_t>(stamp >> (8 * (kStampSize - 1 - i)));
  random_bytes(std::span(raw).subspan(kStampSize, kRandomSize));
  if (!mac(raw.data(), realm, client_ip, raw.data() + kStampSize + kRandomSize))
    return make_error(Errc::bad_value, 0, "HMAC-SHA256 unavailable in OpenSSL");
  return base64url(raw);
}

NonceStatus NonceService::verify(std::string_view nonce, std::string_view realm,
                                 std::string_view client_ip) const {
  std::array<std::uint8_t, kRawSize> raw{};
  if (nonce.size() != kNonceLength || !decode_base64url(nonce, raw)) return NonceStatus::Invalid;
  HmacSha256 expected{};
  if (!mac(raw.data(), realm, client_ip, expected.data())) return NonceStatus::Invalid;
  if (!constant_time_equal(std::span<const std::uint8_t>(expected),
                           std::span<const std::uint8_t>(raw).subspan(kStampSize + kRandomSize)))
    return NonceStatus::Invalid;
  std::uint64_t stamp = 0;
  for (std::size_t i = 0; i < kStampSize; ++i) stamp = (stamp << 8) | raw[i];
  const std::int64_t age = clock_.unix_seconds() - static_cast<std::int64_t>(stamp);
  if (age > lifetime_.count() || age < -kMaxClockSkew.count()) return NonceStatus::Stale;
  return NonceStatus::Valid;
}

}  // namespace sip::auth
