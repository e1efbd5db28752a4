#include "sip/rtp/diagnosis.hpp"

#include "sip/sdp/sdp.hpp"

namespace sip::rtp {

std::string to_string(const Endpoint& e) {
  const bool v6 = e.ip.find(':') != std::string::npos;
  return (v6 ? "[" + e.ip + "]" : e.ip) + ":" + std::to_string(e.port);
}

Expectation expected_source(const Endpoint& advertised, std::string_view signalling_ip) {
  Expectation x{advertised, false};
  if (sdp::is_private_address(advertised.ip) && !signalling_ip.empty()) {
    x.socket.ip = std::string(signalling_ip);
    x.from_signalling = true;
  }
  return x;
}

std::string_view verdict_name(Verdict v) noexcept {
  switch (v) {
#define SIP_RTP_VERDICT_CASE(name, word, text) \
  case Verdict::name: return word;
    SIP_RTP_VERDICT_LIST(SIP_RTP_VERDICT_CASE)
#undef SIP_RTP_VERDICT_CASE
  }
  return "?";
}

std::string_view verdict_text(Verdict v) noexcept {
  switch (v) {
#define SIP_RTP_VERDICT_CASE(name, word, text) \
  case Verdict::name: return text;
    SIP_RTP_VERDICT_LIST(SIP_RTP_VERDICT_CASE)
#undef SIP_RTP_VERDICT_CASE
  }
  return "?";
}

Verdict judge(const Observation& o) noexcept {
  if (!o.call) return Verdict::NoCall;
  if (o.packets == 0 || !o.actual) return Verdict::NoRtp;
  if (o.back_to_actual_failed) return Verdict::Unreachable;
  if (!(*o.actual == o.expected.socket)) return Verdict::Mismatch;
  return Verdict::Match;
}

}  // namespace sip::rtp
