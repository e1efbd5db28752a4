#include "sip/rtp/offer.hpp"

#include <charconv>

#include "sip/base/ci.hpp"

namespace sip::rtp {
namespace {

std::optional<unsigned> number(std::string_view s) {
  unsigned v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// RFC 3551 table 4, the audio types with a fixed clock.
const char* static_name(unsigned pt) {
  switch (pt) {
    case 0: return "PCMU";
    case 3: return "GSM";
    case 4: return "G723";
    case 8: return "PCMA";
    case 9: return "G722";
    case 18: return "G729";
    default: return "";
  }
}

}  // namespace

std::string PayloadFormat::text() const {
  if (encoding.empty()) return std::to_string(pt);
  return std::to_string(pt) + " " + encoding + "/" + std::to_string(clock_rate);
}

bool AudioOffer::has(std::uint8_t pt) const noexcept {
  for (const auto& f : formats)
    if (f.pt == pt) return true;
  return false;
}

std::optional<AudioOffer> audio_offer(const sdp::SessionDescription& sd) {
  const auto endpoints = sdp::media_endpoints(sd);
  for (std::size_t i = 0; i < sd.media.size(); ++i) {
    const sdp::Media& m = sd.media[i];
    if (m.media != "audio" || endpoints[i].port == 0) continue;
    AudioOffer o;
    o.media_index = i;
    o.address = endpoints[i].address;
    o.port = endpoints[i].port;
    for (const auto& f : m.formats) {
      const auto pt = number(f);
      if (!pt || *pt > 127) continue;
      PayloadFormat p;
      p.pt = static_cast<std::uint8_t>(*pt);
      p.encoding = static_name(*pt);
      p.clock_rate = p.encoding.empty() ? 0 : 8000;
      for (const auto& a : m.attributes) {
        if (a.name != "rtpmap" || !a.value) continue;
        // "<pt> <encoding>/<clock>[/<channels>]"
        const std::string& v = *a.value;
        const auto sp = v.find(' ');
        if (sp == std::string::npos || number(std::string_view(v).substr(0, sp)) != pt) continue;
        const auto slash = v.find('/', sp);
        if (slash == std::string::npos) continue;
        const auto end = v.find('/', slash + 1);
        const auto rate = number(std::string_view(v).substr(
            slash + 1, end == std::string::npos ? std::string::npos : end - slash - 1));
        p.encoding = v.substr(sp + 1, slash - sp - 1);
        p.clock_rate = rate.value_or(0);
        break;
      }
      if (ci_equal(p.encoding, "telephone-event") && !o.telephone_event) o.telephone_event = p.pt;
      o.formats.push_back(std::move(p));
    }
    return o;
  }
  return std::nullopt;
}

}  // namespace sip::rtp
