#include "sip/auth/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <memory>

namespace sip::auth {
namespace {

// Digest implementations fetched once per process (OpenSSL 3 makes implicit
// fetches on every EVP_sha256() init comparatively expensive).
const EVP_MD* fetch_md(DigestHash h) noexcept {
  switch (h) {
    case DigestHash::Md5: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
      return md;
    }
    case DigestHash::Sha256: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
      return md;
    }
    case DigestHash::Sha512_256: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-512/256", nullptr);
      return md;
    }
  }
  return nullptr;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

EVP_MD_CTX* thread_ctx() noexcept {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

Result<std::string> hash_hex(DigestHash h, std::initializer_list<std::string_view> parts) {
  const EVP_MD* md = fetch_md(h);
  EVP_MD_CTX* ctx = thread_ctx();
  if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex(ctx, md, nullptr) != 1)
    return make_error(Errc::bad_value, 0, "digest hash unavailable in OpenSSL");
  bool first = true;
  for (std::string_view p : parts) {
    if (!first && EVP_DigestUpdate(ctx, ":", 1) != 1)
      return make_error(Errc::bad_value, 0, "digest hash failed");
    first = false;
    if (!p.empty() && EVP_DigestUpdate(ctx, p.data(), p.size()) != 1)
      return make_error(Errc::bad_value, 0, "digest hash failed");
  }
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx, raw, &n) != 1)
    return make_error(Errc::bad_value, 0, "digest hash failed");
  std::string out;
  out.resize(2 * static_cast<std::size_t>(n));
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = kHex[raw[i] >> 4];
    out[2 * i + 1] = kHex[raw[i] & 0x0f];
  }
  return out;
}

bool hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data,
                 HmacSha256& out) noexcept {
  const EVP_MD* md = fetch_md(DigestHash::Sha256);
  unsigned int n = 0;
  if (md == nullptr) return false;
  const unsigned char* r =
      HMAC(md, key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &n);
  return r != nullptr && n == out.size();
}

HmacSha256Key::HmacSha256Key(std::span<const std::uint8_t> key) noexcept {
  const EVP_MD* md = fetch_md(DigestHash::Sha256);
  if (md == nullptr) return;
  constexpr std::size_t kBlock = 64;  // SHA-256 block size
  std::array<std::uint8_t, kBlock> k{};
  if (key.size() > kBlock) {
    unsigned int n = 0;
    if (EVP_Digest(key.data(), key.size(), k.data(), &n, md, nullptr) != 1) return;
  } else if (!key.empty()) {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<std::uint8_t, kBlock> pad{};
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  bool good = inner != nullptr && outer != nullptr;
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<std::uint8_t>(k[i] ^ 0x36);
  good = good && EVP_DigestInit_ex(inner, md, nullptr) == 1 &&
         EVP_DigestUpdate(inner, pad.data(), pad.size()) == 1;
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<std::uint8_t>(k[i] ^ 0x5c);
  good = good && EVP_DigestInit_ex(outer, md, nullptr) == 1 &&
         EVP_DigestUpdate(outer, pad.data(), pad.size()) == 1;
  OPENSSL_cleanse(k.data(), k.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  if (!good) {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    return;
  }
  inner_ = inner;
  outer_ = outer;
}

HmacSha256Key::~HmacSha256Key() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(inner_));
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(outer_));
}

bool HmacSha256Key::mac(std::initializer_list<std::span<const std::uint8_t>> parts,
                        HmacSha256& out) const noexcept {
  EVP_MD_CTX* ctx = thread_ctx();
  if (!ok() || ctx == nullptr) return false;
  if (EVP_MD_CTX_copy_ex(ctx, static_cast<const EVP_MD_CTX*>(inner_)) != 1) return false;
  for (const auto& p : parts) {
    if (!p.empty() && EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) return false;
  }
  std::array<std::uint8_t, kHmacSha256Size> ihash{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx, ihash.data(), &n) != 1 || n != ihash.size()) return false;
  if (EVP_MD_CTX_copy_ex(ctx, static_cast<const EVP_MD_CTX*>(outer_)) != 1 ||
      EVP_DigestUpdate(ctx, ihash.data(), ihash.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &n) != 1 || n != out.size()) {
    return false;
  }
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(std::span<std::uint8_t> bytes) noexcept {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

}  // namespace sip::auth
