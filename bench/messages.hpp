// The test messages shared by every benchmark (libsip and libosip2 parse the
// very same bytes), plus the checksum both "walks" feed so that start-up can
// prove they extract the same values.
//
// The messages are what a core proxy sees in a basic call and a registration
// from a typical softphone: CRLF line ends, realistic header mix and values,
// an SDP offer/answer of ~260 bytes (PCMU, PCMA, telephone-event). The
// Content-Length is computed from the body when the message is first built,
// never written by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sipsmith_bench {

namespace detail {

// Head (start line and headers, each ending in CRLF, without Content-Length)
// + computed Content-Length + blank line + body.
inline std::string assemble(std::string_view head, std::string_view body) {
  std::string m;
  m.reserve(head.size() + body.size() + 32);
  m.append(head);
  m.append("Content-Length: ");
  m.append(std::to_string(body.size()));
  m.append("\r\n\r\n");
  m.append(body);
  return m;
}

// An INVITE from a softphone behind NAT, as it reaches the core proxy after
// the edge proxy (hence two Via, Max-Forwards 69, the edge's Record-Route and
// a loose Route naming the core proxy).
inline constexpr std::string_view kInviteHead =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP edge.atlanta.example.com:5060;branch=z9hG4bK2d4790.1\r\n"
    "Via: SIP/2.0/UDP 192.168.1.34:52144;received=198.51.100.7;rport=52144"
    ";branch=z9hG4bK-d8754z-6b0c3f2a1e9d8c7b-1---d8754z-\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:core.biloxi.example.com;lr>\r\n"
    "Record-Route: <sip:edge.atlanta.example.com;lr>\r\n"
    "From: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: \"Bob Smith\" <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@198.51.100.7:52144;transport=udp;ob>"
    ";+sip.instance=\"<urn:uuid:5d4b3c2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a>\"\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, "
    "UPDATE, PRACK\r\n"
    "Supported: replaces, norefersub, 100rel, timer\r\n"
    "User-Agent: Zoiper rv2.10.20.3\r\n"
    "Content-Type: application/sdp\r\n";

inline constexpr std::string_view kInviteSdp =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\n"
    "s=Talk\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=maxptime:150\r\n"
    "a=sendrecv\r\n";

// Bob's 200 OK to that INVITE, as the core proxy receives it on the way back.
inline constexpr std::string_view kOkHead =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP edge.atlanta.example.com:5060;branch=z9hG4bK2d4790.1\r\n"
    "Via: SIP/2.0/UDP 192.168.1.34:52144;received=198.51.100.7;rport=52144"
    ";branch=z9hG4bK-d8754z-6b0c3f2a1e9d8c7b-1---d8754z-\r\n"
    "Record-Route: <sip:core.biloxi.example.com;lr>\r\n"
    "Record-Route: <sip:edge.atlanta.example.com;lr>\r\n"
    "From: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: \"Bob Smith\" <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:bob@192.0.2.4:5060;transport=udp>\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, UPDATE\r\n"
    "Supported: replaces, timer\r\n"
    "Server: Linphone/5.2.0 (belle-sip/5.2.0)\r\n"
    "Content-Type: application/sdp\r\n";

inline constexpr std::string_view kOkSdp =
    "v=0\r\n"
    "o=bob 2808844564 2808844564 IN IP4 192.0.2.4\r\n"
    "s=Talk\r\n"
    "c=IN IP4 192.0.2.4\r\n"
    "t=0 0\r\n"
    "m=audio 7078 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

// A REGISTER with digest credentials (the second attempt, after the 401) and
// an outbound (RFC 5626) Contact with +sip.instance, reg-id and expires.
inline constexpr std::string_view kRegisterHead =
    "REGISTER sip:biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.50:5060;rport;branch=z9hG4bKnashds7-2\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Bob Smith\" <sip:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
    "To: \"Bob Smith\" <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@192.168.1.50\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Contact: <sip:bob@192.168.1.50:5060;transport=udp;ob>;reg-id=1"
    ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";expires=3600\r\n"
    "Authorization: Digest username=\"bob\", realm=\"biloxi.example.com\""
    ", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", uri=\"sip:biloxi.example.com\""
    ", response=\"dfe56131d1958046689d83306477ecc\", algorithm=MD5"
    ", cnonce=\"0a4f113b\", qop=auth, nc=00000001\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
    "Supported: path, outbound, gruu\r\n"
    "User-Agent: Zoiper rv2.10.20.3\r\n"
    "Expires: 3600\r\n";

}  // namespace detail

struct TestMessage {
  const char* name;       // "INVITE", "200OK", "REGISTER"
  std::string bytes;      // the whole datagram
  std::size_t body_size;  // what Content-Length must say
};

inline const TestMessage& invite() {
  static const TestMessage m{"INVITE", detail::assemble(detail::kInviteHead, detail::kInviteSdp),
                             detail::kInviteSdp.size()};
  return m;
}
inline const TestMessage& ok200() {
  static const TestMessage m{"200OK", detail::assemble(detail::kOkHead, detail::kOkSdp),
                             detail::kOkSdp.size()};
  return m;
}
inline const TestMessage& register_() {
  static const TestMessage m{"REGISTER", detail::assemble(detail::kRegisterHead, {}), 0};
  return m;
}

// The edit a core proxy applies to the INVITE before forwarding it (same on
// both sides): prepend its own Via, drop the top Route when it is a loose
// route (";lr"; here it names this proxy), retarget the request-URI to the
// registered contact.
inline constexpr const char* kEditVia =
    "SIP/2.0/UDP core.biloxi.example.com:5060;branch=z9hG4bK-core-5f1c2e";
inline constexpr const char* kEditRequestUri = "sip:bob@192.0.2.4:5060;transport=udp";

// Order-dependent checksum of the values a walk reads. Both walks (libsip in
// bench_message.cpp, libosip2 in osip_peer.cpp) feed it the same values in
// the same order:
//   request: method token length, request-URI user length, host length, port
//   response: status code
//   each Via in order: host length, port, branch length
//   From: URI user length, host length, tag length
//   To: URI user length, host length, tag length (0 when absent)
//   Call-ID length
//   CSeq number, CSeq method length
//   first Contact: URI user length, host length, port, ;expires (0 if absent)
//   Max-Forwards (0 if absent)
//   Content-Type type length, subtype length (0, 0 if absent)
//   Content-Length value
//   first Authorization: username, realm, nonce, response lengths (unquoted;
//     all 0 if absent)
//   body length
// Absent ports count as 0. A value that fails to parse poisons the sum.
struct Checksum {
  std::uint64_t v = 0;
  void add(std::uint64_t x) noexcept { v = v * 1099511628211ULL + x + 1; }
  void poison() noexcept { v ^= 0xdeadbeefcafef00dULL; }
};

}  // namespace sipsmith_bench
