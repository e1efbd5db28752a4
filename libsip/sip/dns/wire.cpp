#include "sip/dns/wire.hpp"

#include <algorithm>
#include <cstddef>

namespace sip::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kTypeSoa = 6;
constexpr std::size_t kMaxLabels = 128;

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> m) : m_(m) {}

  bool u16(std::size_t at, std::uint16_t& out) const noexcept {
    if (at + 2 > m_.size()) return false;
    out = static_cast<std::uint16_t>((m_[at] << 8) | m_[at + 1]);
    return true;
  }
  bool u32(std::size_t at, std::uint32_t& out) const noexcept {
    if (at + 4 > m_.size()) return false;
    out = (static_cast<std::uint32_t>(m_[at]) << 24) |
          (static_cast<std::uint32_t>(m_[at + 1]) << 16) |
          (static_cast<std::uint32_t>(m_[at + 2]) << 8) | m_[at + 3];
    return true;
  }
  // Moves `pos` past a (possibly compressed) name; false on overrun.
  bool skip_name(std::size_t& pos) const noexcept {
    for (std::size_t labels = 0; labels < kMaxLabels; ++labels) {
      if (pos >= m_.size()) return false;
      const std::uint8_t len = m_[pos];
      if ((len & 0xC0) == 0xC0) {
        if (pos + 2 > m_.size()) return false;
        pos += 2;
        return true;
      }
      if ((len & 0xC0) != 0) return false;  // reserved label types
      pos += 1;
      if (len == 0) return true;
      pos += len;
    }
    return false;
  }

 private:
  std::span<const std::uint8_t> m_;
};

// RFC 2181 section 8: a TTL with the top bit set counts as zero.
std::uint32_t clean_ttl(std::uint32_t ttl) noexcept {
  return (ttl & 0x80000000u) ? 0 : ttl;
}

}  // namespace

WireTtls scan_ttls(std::span<const std::uint8_t> message) noexcept {
  WireTtls out;
  const Reader r(message);
  std::uint16_t qd = 0, an = 0, ns = 0;
  if (message.size() < kHeaderSize || !r.u16(4, qd) || !r.u16(6, an) || !r.u16(8, ns)) return out;
  std::size_t pos = kHeaderSize;
  for (std::uint16_t i = 0; i < qd; ++i) {
    if (!r.skip_name(pos)) return out;
    pos += 4;
  }
  const std::size_t records = static_cast<std::size_t>(an) + ns;
  for (std::size_t i = 0; i < records; ++i) {
    if (!r.skip_name(pos)) return out;
    std::uint16_t type = 0, rdlen = 0;
    std::uint32_t ttl = 0;
    if (!r.u16(pos, type) || !r.u32(pos + 4, ttl) || !r.u16(pos + 8, rdlen)) return out;
    const std::size_t rdata = pos + 10;
    if (rdata + rdlen > message.size()) return out;
    ttl = clean_ttl(ttl);
    if (i < an) {
      out.answer_min = std::min(out.answer_min.value_or(ttl), ttl);
    } else if (type == kTypeSoa) {
      std::size_t p = rdata;
      std::uint32_t minimum = 0;
      if (!r.skip_name(p) || !r.skip_name(p) || p + 20 > rdata + rdlen || !r.u32(p + 16, minimum)) {
        return out;
      }
      const std::uint32_t neg = std::min(ttl, clean_ttl(minimum));
      out.negative = std::min(out.negative.value_or(neg), neg);
    }
    pos = rdata + rdlen;
  }
  out.ok = true;
  return out;
}

}  // namespace sip::dns
