// The audio stream of an SDP offer as RTP sees it: the first audio m= line
// with a port, its effective address, and its payload types with encoding
// names and clock rates (a=rtpmap, or RFC 3551's static types). rtpdiag
// answers from it. Thread-safety: pure function; the result owns its strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sip/sdp/sdp.hpp"

namespace sip::rtp {

struct PayloadFormat {
  std::uint8_t pt = 0;
  std::string encoding;          // "PCMU", "telephone-event"; empty when unknown
  std::uint32_t clock_rate = 0;  // Hz; 0 when unknown
  std::string text() const;      // "0 PCMU/8000", "96" when unknown
};

struct AudioOffer {
  std::size_t media_index = 0;  // in sd.media
  std::string address;          // effective c= address (empty when none)
  std::uint16_t port = 0;
  std::vector<PayloadFormat> formats;           // in offer order; non-numeric formats skipped
  std::optional<std::uint8_t> telephone_event;  // its payload type, when offered
  bool has(std::uint8_t pt) const noexcept;
};

// nullopt when no audio m= line with a non-zero port is present.
std::optional<AudioOffer> audio_offer(const sdp::SessionDescription& sd);

}  // namespace sip::rtp
