// The judgement of one rtpdiag test call, as pure functions over what was
// seen: where RTP is expected from (the caller's SDP address, or the
// signalling source when that address is private, by the same rule as the
// server's NAT handling: sdp::is_private_address, docs/private-addresses.md)
// and the verdict. Addresses are numeric strings (this layer has no sockets).
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sip::rtp {

struct Endpoint {
  std::string ip;  // numeric, without brackets
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};
std::string to_string(const Endpoint& e);  // "192.0.2.1:4000", "[2001:db8::1]:4000"

struct Expectation {
  Endpoint socket;
  bool from_signalling = false;  // the SDP address was private: the source IP replaced it
};
// `advertised` from the caller's SDP (effective c= and the audio m= port);
// `signalling_ip` the INVITE's source address.
Expectation expected_source(const Endpoint& advertised, std::string_view signalling_ip);

#define SIP_RTP_VERDICT_LIST(X)                                                             \
  X(Match, "match", "RTP came from the expected socket and RTP sent back raised no error")  \
  X(Mismatch, "mismatch", "RTP came from another socket than the SDP leads to expect")      \
  X(NoRtp, "no_rtp", "no RTP arrived from the caller")                                      \
  X(Unreachable, "unreachable", "RTP sent back to where the caller's RTP came from failed") \
  X(NoCall, "no_call", "no call arrived")

enum class Verdict : std::uint8_t {
#define SIP_RTP_VERDICT_ENUM(name, word, text) name,
  SIP_RTP_VERDICT_LIST(SIP_RTP_VERDICT_ENUM)
#undef SIP_RTP_VERDICT_ENUM
};
std::string_view verdict_name(Verdict v) noexcept;  // "match", "no_rtp", ...
std::string_view verdict_text(Verdict v) noexcept;  // one sentence

struct Observation {
  bool call = false;                   // an INVITE was answered
  std::uint64_t packets = 0;           // valid RTP received
  std::optional<Endpoint> actual;      // the source of the most RTP
  Expectation expected;                // meaningful when call
  bool back_to_actual_failed = false;  // an error sending to `actual`
};
// NoCall, NoRtp, Unreachable, Mismatch, Match: the first that applies.
Verdict judge(const Observation& o) noexcept;

}  // namespace sip::rtp
