#include "sip/base/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sip {
namespace {

constexpr std::size_t kPoolSize = 256;

struct Pool {
  std::uint8_t bytes[kPoolSize];
  std::size_t used = kPoolSize;
};

void fill_from_kernel(std::uint8_t* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
}

Pool& pool() noexcept {
  thread_local Pool p;
  return p;
}

std::uint8_t next_byte(Pool& p) noexcept {
  if (p.used == kPoolSize) {
    fill_from_kernel(p.bytes, kPoolSize);
    p.used = 0;
  }
  const std::uint8_t b = p.bytes[p.used];
  p.bytes[p.used++] = 0;  // do not keep handed-out bytes around
  return b;
}

constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr unsigned kAlphabetSize = 62;
constexpr unsigned kRejectFrom = 256 - (256 % kAlphabetSize);  // 248

}  // namespace

void random_bytes(std::span<std::uint8_t> out) noexcept {
  if (out.size() >= kPoolSize) {
    fill_from_kernel(out.data(), out.size());
    return;
  }
  Pool& p = pool();
  for (auto& b : out) b = next_byte(p);
}

std::string random_token(std::size_t n) {
  std::string s(n, '\0');
  Pool& p = pool();
  for (std::size_t i = 0; i < n;) {
    const unsigned b = next_byte(p);
    if (b >= kRejectFrom) continue;  // rejection keeps the distribution uniform
    s[i++] = kAlphabet[b % kAlphabetSize];
  }
  return s;
}

std::string make_tag() {
  return random_token(16);
}

std::string make_branch() {
  std::string s(kBranchCookie);
  s += random_token(22);
  return s;
}

std::string make_call_id(std::string_view host) {
  std::string s = random_token(24);
  if (!host.empty()) {
    s.push_back('@');
    s.append(host);
  }
  return s;
}

}  // namespace sip
