#include "sip/rtp/packet.hpp"

namespace sip::rtp {
namespace {

constexpr std::size_t kFixed = 12;

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) noexcept {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}
void put16(std::string& s, std::uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v & 0xff));
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, static_cast<std::uint16_t>(v >> 16));
  put16(s, static_cast<std::uint16_t>(v & 0xffff));
}

}  // namespace

Result<RtpHeader> parse(std::span<const std::uint8_t> d) noexcept {
  if (d.size() < kFixed) return make_error(Errc::truncated, d.size(), "shorter than an RTP header");
  RtpHeader h;
  h.version = static_cast<std::uint8_t>(d[0] >> 6);
  if (h.version != 2) return make_error(Errc::bad_value, 0, "RTP version is not 2");
  h.padding = (d[0] & 0x20) != 0;
  h.extension = (d[0] & 0x10) != 0;
  h.csrc_count = d[0] & 0x0f;
  h.marker = (d[1] & 0x80) != 0;
  h.payload_type = d[1] & 0x7f;
  if (h.marker && h.payload_type >= 72 && h.payload_type <= 76)
    return make_error(Errc::bad_value, 1, "an RTCP packet");
  h.sequence = be16(d, 2);
  h.timestamp = be32(d, 4);
  h.ssrc = be32(d, 8);
  std::size_t at = kFixed + 4u * h.csrc_count;
  if (d.size() < at) return make_error(Errc::truncated, d.size(), "CSRC list truncated");
  if (h.extension) {
    if (d.size() < at + 4) return make_error(Errc::truncated, d.size(), "extension truncated");
    at += 4 + 4u * be16(d, at + 2);
    if (d.size() < at) return make_error(Errc::truncated, d.size(), "extension truncated");
  }
  std::size_t end = d.size();
  if (h.padding) {
    const std::size_t pad = d[d.size() - 1];
    if (pad == 0 || pad > end - at)
      return make_error(Errc::bad_value, d.size() - 1, "bad padding count");
    end -= pad;
  }
  h.payload_offset = at;
  h.payload_size = end - at;
  return h;
}

std::string build(std::uint8_t payload_type, bool marker, std::uint16_t sequence,
                  std::uint32_t timestamp, std::uint32_t ssrc, std::string_view payload) {
  std::string s;
  s.reserve(kFixed + payload.size());
  s.push_back(static_cast<char>(0x80));
  s.push_back(static_cast<char>((marker ? 0x80 : 0) | (payload_type & 0x7f)));
  put16(s, sequence);
  put32(s, timestamp);
  put32(s, ssrc);
  s.append(payload);
  return s;
}

std::uint32_t static_clock_rate(std::uint8_t payload_type) noexcept {
  switch (payload_type) {
    case 0:
    case 3:
    case 4:
    case 8:
    case 9:
    case 15:
    case 18: return 8000;
    default: return 0;
  }
}

}  // namespace sip::rtp
