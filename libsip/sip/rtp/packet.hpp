// RTP packets (RFC 3550 section 5.1): parse the fixed header of a received
// datagram (CSRCs, header extension and padding accounted for) and build
// the plain packets a test endpoint sends. No I/O.
// Thread-safety: pure functions. A parsed RtpHeader holds offsets into the
// caller's buffer, never pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"

namespace sip::rtp {

struct RtpHeader {
  std::uint8_t version = 2;
  bool padding = false;
  bool extension = false;
  std::uint8_t csrc_count = 0;
  bool marker = false;
  std::uint8_t payload_type = 0;  // 0-127
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::size_t payload_offset = 0;  // first payload byte in the datagram
  std::size_t payload_size = 0;    // without padding
};

// Parses one datagram. Errc::truncated when shorter than the fixed header,
// its CSRC list or its extension; Errc::bad_value when the version is not 2
// or the padding count exceeds the payload. RTCP (payload types 72-76 with
// the marker bit, RFC 5761 4) is rejected with Errc::bad_value too.
Result<RtpHeader> parse(std::span<const std::uint8_t> datagram) noexcept;

// A packet with a 12-byte header (no CSRC, extension or padding) + payload.
std::string build(std::uint8_t payload_type, bool marker, std::uint16_t sequence,
                  std::uint32_t timestamp, std::uint32_t ssrc, std::string_view payload);

// The RTP clock rate of the static audio payload types of RFC 3551 table 4
// that run at 8000 Hz (PCMU 0, GSM 3, G723 4, PCMA 8, G722 9, G728 15,
// G729 18); 0 for every other type (dynamic types need their rtpmap).
std::uint32_t static_clock_rate(std::uint8_t payload_type) noexcept;

}  // namespace sip::rtp
