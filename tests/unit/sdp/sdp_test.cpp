#include "sip/sdp/sdp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sip::sdp {
namespace {

// A typical desk phone offer: PCMU, PCMA, telephone-event, private address.
constexpr std::string_view kPhoneOffer =
    "v=0\r\n"
    "o=- 20518 0 IN IP4 192.168.1.23\r\n"
    "s=SDP data\r\n"
    "c=IN IP4 192.168.1.23\r\n"
    "t=0 0\r\n"
    "m=audio 11780 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

constexpr std::string_view kIpv6Offer =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP6 2001:db8::1\r\n"
    "s=-\r\n"
    "c=IN IP6 2001:db8::1\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 97\r\n"
    "a=rtpmap:97 iLBC/8000\r\n";

// pjsip style: session b= and a=, media-level c= and a=rtcp with an address.
constexpr std::string_view kRtcpOffer =
    "v=0\r\n"
    "o=- 3815392866 3815392866 IN IP4 10.0.0.5\r\n"
    "s=pjmedia\r\n"
    "b=AS:84\r\n"
    "t=0 0\r\n"
    "a=X-nat:0\r\n"
    "m=audio 4000 RTP/AVP 0 8 101\r\n"
    "c=IN IP4 10.0.0.5\r\n"
    "b=TIAS:64000\r\n"
    "a=rtcp:4001 IN IP4 10.0.0.5\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ssrc:123456789 cname:2e4f5a1b6c7d8e9f\r\n";

constexpr std::string_view kAudioVideoOffer =
    "v=0\r\n"
    "o=bob 1234 5678 IN IP4 198.51.100.7\r\n"
    "s=Talk\r\n"
    "i=A video call\r\n"
    "u=http://www.example.com/call.pdf\r\n"
    "e=bob@example.com (Bob)\r\n"
    "p=+1 617 555-6011\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "b=AS:2048\r\n"
    "t=0 0\r\n"
    "m=audio 5004 RTP/AVP 96 0\r\n"
    "c=IN IP4 172.16.5.2\r\n"
    "b=AS:64\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 useinbandfec=1\r\n"
    "m=video 5006 RTP/AVP 97\r\n"
    "b=AS:1920\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n";

constexpr std::string_view kInactiveOffer =
    "v=0\r\n"
    "o=- 1 2 IN IP4 203.0.113.9\r\n"
    "s=-\r\n"
    "c=IN IP4 203.0.113.9\r\n"
    "t=0 0\r\n"
    "m=audio 7078 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=inactive\r\n";

constexpr std::string_view kRfc4475 =
    "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.198\r\ns=-\r\nc=IN IP4 "
    "192.0.2.198\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP "
    "31\r\na=rtpmap:31 LPC\r\n";

// RFC 4566 section 5 example plus r= z= k=: every session-level line type.
constexpr std::string_view kRfc4566 =
    "v=0\r\n"
    "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
    "s=SDP Seminar\r\n"
    "i=A Seminar on the session description protocol\r\n"
    "u=http://www.example.com/seminars/sdp.pdf\r\n"
    "e=j.doe@example.com (Jane Doe)\r\n"
    "c=IN IP4 224.2.17.12/127\r\n"
    "t=2873397496 2873404696\r\n"
    "r=604800 3600 0 90000\r\n"
    "z=2882844526 -1h 2898848070 0\r\n"
    "k=clear:secret\r\n"
    "a=recvonly\r\n"
    "m=audio 49170 RTP/AVP 0\r\n"
    "m=video 51372/2 RTP/AVP 99\r\n"
    "i=Main camera\r\n"
    "k=prompt\r\n"
    "a=rtpmap:99 h263-1998/90000\r\n";

SessionDescription must_parse(std::string_view body) {
  auto r = parse(body);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? r.value() : SessionDescription{};
}

// Parses `body`, expects bad_sdp at `offset`.
void expect_bad(std::string_view body, std::uint32_t offset) {
  auto r = parse(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.error().code, Errc::bad_sdp) << body;
  EXPECT_EQ(r.error().offset, offset) << body << " -> " << r.error().detail;
}

// v= o= s= of 36 bytes, to prefix rejection cases.
constexpr std::string_view kHead = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
static_assert(kHead.size() == 36);

std::string head(std::string_view rest) {
  return std::string(kHead) + std::string(rest);
}

std::string lf_only(std::string_view crlf) {
  std::string out;
  for (char c : crlf)
    if (c != '\r') out += c;
  return out;
}

// --- round trips -------------------------------------------------------------

class SdpRoundTrip : public ::testing::TestWithParam<std::string_view> {};

TEST_P(SdpRoundTrip, SerializeReproducesInputByteForByte) {
  const std::string_view body = GetParam();
  EXPECT_EQ(serialize(must_parse(body)), body);
}

TEST_P(SdpRoundTrip, LfOnlyInputSerializesWithCrlf) {
  const std::string_view body = GetParam();
  EXPECT_EQ(serialize(must_parse(lf_only(body))), body);
}

TEST_P(SdpRoundTrip, MissingFinalLineEndIsTolerated) {
  const std::string_view body = GetParam();
  EXPECT_EQ(serialize(must_parse(body.substr(0, body.size() - 2))), body);
}

INSTANTIATE_TEST_SUITE_P(SdpRealWorld, SdpRoundTrip,
                         ::testing::Values(kPhoneOffer, kIpv6Offer, kRtcpOffer, kAudioVideoOffer,
                                           kInactiveOffer, kRfc4475, kRfc4566));

TEST(SdpParse, PhoneOfferFields) {
  const SessionDescription sd = must_parse(kPhoneOffer);
  EXPECT_EQ(sd.version, 0u);
  EXPECT_EQ(sd.origin.username, "-");
  EXPECT_EQ(sd.origin.session_id, "20518");
  EXPECT_EQ(sd.origin.session_version, "0");
  EXPECT_EQ(sd.origin.nettype, "IN");
  EXPECT_EQ(sd.origin.addrtype, "IP4");
  EXPECT_EQ(sd.origin.address, "192.168.1.23");
  EXPECT_EQ(sd.session_name, "SDP data");
  ASSERT_TRUE(sd.connection.has_value());
  EXPECT_EQ(sd.connection->address, "192.168.1.23");
  EXPECT_EQ(sd.connection->suffix, "");
  ASSERT_EQ(sd.times.size(), 1u);
  EXPECT_EQ(sd.times[0].type, 't');
  EXPECT_EQ(sd.times[0].value, "0 0");
  ASSERT_EQ(sd.media.size(), 1u);
  const Media& m = sd.media[0];
  EXPECT_EQ(m.media, "audio");
  EXPECT_EQ(m.port, 11780);
  EXPECT_FALSE(m.port_count.has_value());
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "8", "101"}));
  EXPECT_FALSE(m.connection.has_value());
  ASSERT_EQ(m.attributes.size(), 6u);
  EXPECT_EQ(m.attributes[0].name, "rtpmap");
  EXPECT_EQ(m.attributes[0].value, "0 PCMU/8000");
  EXPECT_EQ(m.attributes[5].name, "sendrecv");
  EXPECT_FALSE(m.attributes[5].value.has_value());
  const Attribute* ptime = find_attribute(m.attributes, "ptime");
  ASSERT_NE(ptime, nullptr);
  EXPECT_EQ(ptime->value, "20");
  EXPECT_EQ(find_attribute(m.attributes, "inactive"), nullptr);
  EXPECT_TRUE(sd.extra.empty());
}

TEST(SdpParse, EverySessionLineType) {
  const SessionDescription sd = must_parse(kRfc4566);
  ASSERT_EQ(sd.descriptions.size(), 3u);
  EXPECT_EQ(sd.descriptions[0].type, 'i');
  EXPECT_EQ(sd.descriptions[1].type, 'u');
  EXPECT_EQ(sd.descriptions[2].type, 'e');
  EXPECT_EQ(sd.descriptions[2].value, "j.doe@example.com (Jane Doe)");
  ASSERT_TRUE(sd.connection.has_value());
  EXPECT_EQ(sd.connection->address, "224.2.17.12");
  EXPECT_EQ(sd.connection->suffix, "/127");
  ASSERT_EQ(sd.times.size(), 3u);
  EXPECT_EQ(sd.times[1].type, 'r');
  EXPECT_EQ(sd.times[2].type, 'z');
  EXPECT_EQ(sd.times[2].value, "2882844526 -1h 2898848070 0");
  EXPECT_EQ(sd.key, "clear:secret");
  ASSERT_EQ(sd.attributes.size(), 1u);
  EXPECT_EQ(sd.attributes[0].name, "recvonly");
  ASSERT_EQ(sd.media.size(), 2u);
  EXPECT_EQ(sd.media[1].port, 51372);
  EXPECT_EQ(sd.media[1].port_count, 2);
  EXPECT_EQ(sd.media[1].title, "Main camera");
  EXPECT_EQ(sd.media[1].key, "prompt");
}

TEST(SdpParse, AttributeWithEmptyValueKeepsTheColon) {
  const SessionDescription sd = must_parse(head("t=0 0\r\na=foo:\r\na=bar\r\n"));
  ASSERT_EQ(sd.attributes.size(), 2u);
  EXPECT_EQ(sd.attributes[0].value, "");
  EXPECT_FALSE(sd.attributes[1].value.has_value());
  EXPECT_EQ(serialize(sd), head("t=0 0\r\na=foo:\r\na=bar\r\n"));
}

TEST(SdpParse, UnknownLinesKeepTheirPosition) {
  const std::string body = head(
      "t=0 0\r\nx=one\r\na=sendrecv\r\ny=two\r\na=recvonly\r\n"
      "m=audio 1 RTP/AVP 0\r\nu=http://x\r\ni=title\r\ni=second\r\na=ptime:20\r\nw=9\r\n");
  SessionDescription sd = must_parse(body);
  ASSERT_EQ(sd.extra.size(), 2u);
  EXPECT_EQ(sd.extra[0].line.type, 'x');
  EXPECT_EQ(sd.extra[0].line.value, "one");
  EXPECT_EQ(sd.extra[0].after, 't');
  EXPECT_EQ(sd.extra[0].after_count, 1u);
  EXPECT_EQ(sd.extra[1].after, 'a');
  EXPECT_EQ(sd.extra[1].after_count, 1u);
  ASSERT_EQ(sd.media[0].extra.size(), 3u);
  EXPECT_EQ(sd.media[0].extra[0].after, 'm');
  EXPECT_EQ(sd.media[0].extra[1].line.value, "second");
  EXPECT_EQ(sd.media[0].extra[1].after, 'i');
  EXPECT_EQ(sd.media[0].extra[2].after, 'a');
  EXPECT_EQ(sd.media[0].title, "title");
  EXPECT_EQ(serialize(sd), body);

  // Anchors past the end of an edited group are clamped, never dropped.
  sd.attributes.clear();
  sd.media[0].attributes.clear();
  EXPECT_EQ(serialize(sd), head("t=0 0\r\nx=one\r\ny=two\r\nm=audio 1 RTP/AVP 0\r\nu=http://x\r\n"
                                "i=title\r\ni=second\r\nw=9\r\n"));
}

TEST(SdpParse, OtherNettypeKeptVerbatim) {
  const std::string body = head("c=ATM NSAP 47.0005.80.ffe100\r\nt=0 0\r\n");
  const SessionDescription sd = must_parse(body);
  EXPECT_EQ(sd.connection->nettype, "ATM");
  EXPECT_EQ(sd.connection->addrtype, "NSAP");
  EXPECT_EQ(sd.connection->address, "47.0005.80.ffe100");
  EXPECT_EQ(serialize(sd), body);
}

TEST(SdpParse, MulticastSuffixes) {
  const SessionDescription sd =
      must_parse(head("t=0 0\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 224.2.1.1/127/3\r\n"
                      "m=audio 2 RTP/AVP 0\r\nc=IN IP6 FF15::101/3\r\n"));
  EXPECT_EQ(sd.media[0].connection->address, "224.2.1.1");
  EXPECT_EQ(sd.media[0].connection->suffix, "/127/3");
  EXPECT_EQ(sd.media[1].connection->address, "FF15::101");
  EXPECT_EQ(sd.media[1].connection->suffix, "/3");
}

TEST(SdpParse, PortBounds) {
  EXPECT_EQ(must_parse(head("m=audio 0 RTP/AVP 0\r\n")).media[0].port, 0);
  EXPECT_EQ(must_parse(head("m=audio 65535 RTP/AVP 0\r\n")).media[0].port, 65535);
  EXPECT_EQ(must_parse(head("m=audio 1/65535 RTP/AVP 0\r\n")).media[0].port_count, 65535);
  expect_bad(head("m=audio 65536 RTP/AVP 0\r\n"), 36);
  expect_bad(head("m=audio 99999999999999999999999 RTP/AVP 0\r\n"), 36);
  expect_bad(head("m=audio 1/65536 RTP/AVP 0\r\n"), 36);
}

TEST(SdpParse, TrailingEmptyLinesAreIgnored) {
  const std::string body = std::string(kPhoneOffer) + "\r\n\r\n\n";
  EXPECT_EQ(serialize(must_parse(body)), kPhoneOffer);
}

TEST(SdpParse, TrailingJunkLinesAreRejectedAtTheirOffset) {
  static_assert(kPhoneOffer.size() == 231);
  expect_bad(std::string(kPhoneOffer) + "junk\r\n", 231);
  expect_bad(std::string(kPhoneOffer) + "\r\njunk\r\n", 231);  // the empty line
  expect_bad(std::string(kPhoneOffer) + "a=ok\r\n\r\n--boundary--\r\n", 237);
}

TEST(SdpParse, SerializeUsesCanonicalOrder) {
  const SessionDescription sd =
      must_parse(head("a=sendrecv\r\nt=0 0\r\nb=AS:64\r\nc=IN IP4 192.0.2.1\r\ni=info\r\n"
                      "m=audio 1 RTP/AVP 0\r\na=ptime:20\r\nc=IN IP4 192.0.2.2\r\ni=t\r\n"));
  EXPECT_EQ(serialize(sd), head("i=info\r\nc=IN IP4 192.0.2.1\r\nb=AS:64\r\nt=0 0\r\n"
                                "a=sendrecv\r\nm=audio 1 RTP/AVP 0\r\ni=t\r\n"
                                "c=IN IP4 192.0.2.2\r\na=ptime:20\r\n"));
}

TEST(SdpParse, SerializeBuiltDescription) {
  SessionDescription sd;
  sd.origin = Origin{"sipsmith", "1", "2", "IN", "IP4", "198.51.100.1"};
  sd.session_name = "-";
  sd.connection = Connection{"IN", "IP4", "198.51.100.1", ""};
  sd.times.push_back(Line{'t', "0 0"});
  Media m;
  m.media = "audio";
  m.port = 30000;
  m.proto = "RTP/AVP";
  m.formats = {"0", "101"};
  m.attributes.push_back(Attribute{"rtpmap", "101 telephone-event/8000"});
  sd.media.push_back(m);
  EXPECT_EQ(serialize(sd),
            "v=0\r\no=sipsmith 1 2 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\n"
            "t=0 0\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
}

TEST(SdpParse, EveryPrefixAndByteFlipIsHandled) {
  // Exercised under ASan: parse() must never read outside its input.
  const std::string body(kRtcpOffer);
  std::size_t accepted = 0;
  for (std::size_t n = 0; n <= body.size(); ++n) {
    const std::string prefix = body.substr(0, n);  // exact-size heap copy
    auto r = parse(prefix);
    if (r.ok()) {
      ++accepted;
      EXPECT_TRUE(parse(serialize(*r)).ok()) << n;
    } else {
      EXPECT_LE(r.error().offset, n);
    }
  }
  EXPECT_GT(accepted, 100u);
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (char c : {'\0', '\r', '\n', ' ', '/', ':', '=', 'x', '9'}) {
      std::string m = body;
      m[i] = c;
      auto r = parse(m);
      if (!r.ok()) {
        EXPECT_LE(r.error().offset, m.size());
      }
    }
  }
}

// --- rejections ---------------------------------------------------------------

TEST(SdpReject, EmptyAndFirstLine) {
  expect_bad("", 0);
  expect_bad("\r\n", 0);
  expect_bad("v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", 0);
  expect_bad(" v=0\r\n", 0);
  expect_bad("v=0 \r\n", 0);
  expect_bad("o=- 1 1 IN IP4 192.0.2.1\r\n", 0);
}

TEST(SdpReject, OriginAndSessionName) {
  expect_bad("v=0\r\n", 5);                                               // o= missing
  expect_bad("v=0\r\ns=-\r\n", 5);                                        // o= not second
  expect_bad("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", 5);                      // 5 fields
  expect_bad("v=0\r\no=- 1 1 IN IP4 192.0.2.1 x\r\ns=-\r\n", 5);          // 7 fields
  expect_bad("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", 31);                  // s= missing
  expect_bad("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\ns=-\r\n", 31);  // s= not third
  expect_bad(head("o=- 1 1 IN IP4 192.0.2.1\r\n"), 36);                   // second o=
  expect_bad(head("t=0 0\r\nv=0\r\n"), 43);                               // second v=
  expect_bad(head("m=audio 1 RTP/AVP 0\r\ns=x\r\n"), 57);                 // s= in media
}

TEST(SdpReject, LineForm) {
  expect_bad(head("t=0 0\r\ngarbage\r\n"), 43);
  expect_bad(head("T=0 0\r\n"), 36);
  expect_bad(head("a\r\n"), 36);
  expect_bad(head("=x\r\n"), 36);
  expect_bad(head("1=x\r\n"), 36);
  expect_bad(head("a =x\r\n"), 36);
  expect_bad(head("t=0 0\r\n\r\na=x\r\n"), 43);  // empty line inside
  expect_bad(head(std::string_view("a=x\0y\r\n", 7)), 36);
  expect_bad(head("a=x\ry\r\n"), 36);
}

TEST(SdpReject, Connection) {
  expect_bad(head("c=IN IP4\r\n"), 36);
  expect_bad(head("c=IN IP4 192.0.2.1 extra\r\n"), 36);
  expect_bad(head("c=IN IP4 300.1.1.1\r\n"), 36);
  expect_bad(head("c=IN IP4 1.2.3\r\n"), 36);
  expect_bad(head("c=IN IP4 host.example.com\r\n"), 36);
  expect_bad(head("c=IN IP4 224.2.1.1/127/3/1\r\n"), 36);
  expect_bad(head("c=IN IP4 224.2.1.1/\r\n"), 36);
  expect_bad(head("c=IN IP6 2001:db8:::1\r\n"), 36);
  expect_bad(head("c=IN IP6 192.0.2.1\r\n"), 36);
  expect_bad(head("c=IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.2\r\n"), 56);  // second c=
  expect_bad(head("m=audio 1 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.2\r\n"), 77);
}

TEST(SdpReject, Media) {
  expect_bad(head("t=0 0\r\nm=audio RTP/AVP 0\r\n"), 43);
  expect_bad(head("t=0 0\r\nm=audio 49170 RTP/AVP\r\n"), 43);
  expect_bad(head("t=0 0\r\nm=audio -1 RTP/AVP 0\r\n"), 43);
  expect_bad(head("t=0 0\r\nm=audio 4917x RTP/AVP 0\r\n"), 43);
  expect_bad(head("t=0 0\r\nm=audio 49170/0 RTP/AVP 0\r\n"), 43);
  expect_bad(head("t=0 0\r\nm=audio 49170/ RTP/AVP 0\r\n"), 43);
  expect_bad(head("t=0 0\r\nm=\r\n"), 43);
}

TEST(SdpReject, ErrorDescribesTheProblem) {
  auto r = parse(head("c=IN IP4 300.1.1.1\r\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "bad_sdp at 36: malformed c= line");
}

// --- connection helpers -------------------------------------------------------

TEST(SdpEndpoints, EffectiveConnectionPrefersMediaLevel) {
  const SessionDescription sd = must_parse(kAudioVideoOffer);
  ASSERT_EQ(sd.media.size(), 2u);
  const Connection* audio = effective_connection(sd, sd.media[0]);
  const Connection* video = effective_connection(sd, sd.media[1]);
  ASSERT_NE(audio, nullptr);
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(audio->address, "172.16.5.2");
  EXPECT_EQ(video->address, "198.51.100.7");
  EXPECT_EQ(audio, &*sd.media[0].connection);
  EXPECT_EQ(video, &*sd.connection);

  const auto eps = media_endpoints(sd);
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].address, "172.16.5.2");
  EXPECT_EQ(eps[0].addrtype, "IP4");
  EXPECT_EQ(eps[0].port, 5004);
  EXPECT_EQ(eps[0].media, "audio");
  EXPECT_EQ(eps[1].address, "198.51.100.7");
  EXPECT_EQ(eps[1].port, 5006);
  EXPECT_EQ(eps[1].media, "video");
}

TEST(SdpEndpoints, NoConnectionAnywhere) {
  const SessionDescription sd = must_parse(head("t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"));
  EXPECT_EQ(effective_connection(sd, sd.media[0]), nullptr);
  const auto eps = media_endpoints(sd);
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].address, "");
  EXPECT_EQ(eps[0].addrtype, "");
  EXPECT_EQ(eps[0].port, 5000);
}

TEST(SdpEndpoints, Ipv6AndDisabledStreams) {
  const auto eps = media_endpoints(must_parse(kIpv6Offer));
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].address, "2001:db8::1");
  EXPECT_EQ(eps[0].addrtype, "IP6");
  EXPECT_EQ(eps[0].port, 49170);
  const auto rfc = media_endpoints(must_parse(kRfc4475));
  ASSERT_EQ(rfc.size(), 2u);
  EXPECT_EQ(rfc[1].address, "192.0.2.198");
  EXPECT_EQ(rfc[1].port, 3227);
}

TEST(SdpRewrite, SessionLevelOnlyLeavesOriginAlone) {
  SessionDescription sd = must_parse(kPhoneOffer);
  EXPECT_EQ(rewrite_connection(sd, "203.0.113.50", false), 1u);
  EXPECT_EQ(sd.connection->address, "203.0.113.50");
  EXPECT_EQ(sd.origin.address, "192.168.1.23");
  const std::string out = serialize(sd);
  EXPECT_NE(out.find("\r\nc=IN IP4 203.0.113.50\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\no=- 20518 0 IN IP4 192.168.1.23\r\n"), std::string::npos);
  EXPECT_EQ(rewrite_connection(sd, "203.0.113.50", false), 0u);  // already there
}

TEST(SdpRewrite, Counts) {
  SessionDescription av = must_parse(kAudioVideoOffer);
  EXPECT_EQ(rewrite_connection(av, "203.0.113.50", false), 2u);
  EXPECT_EQ(av.media[0].connection->address, "203.0.113.50");
  SessionDescription rtcp = must_parse(kRtcpOffer);
  EXPECT_EQ(rewrite_connection(rtcp, "203.0.113.50", false), 1u);
  EXPECT_FALSE(rtcp.connection.has_value());
  SessionDescription rfc = must_parse(kRfc4475);
  EXPECT_EQ(rewrite_connection(rfc, "203.0.113.50", false), 1u);
  SessionDescription none = must_parse(head("t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"));
  EXPECT_EQ(rewrite_connection(none, "203.0.113.50", false), 0u);
}

TEST(SdpRewrite, DropsMulticastSuffix) {
  SessionDescription sd = must_parse(kRfc4566);
  EXPECT_EQ(rewrite_connection(sd, "203.0.113.50", false), 1u);
  EXPECT_EQ(sd.connection->suffix, "");
  EXPECT_NE(serialize(sd).find("\r\nc=IN IP4 203.0.113.50\r\nt="), std::string::npos);
}

TEST(SdpRewrite, HoldAddressIsKept) {
  SessionDescription sd =
      must_parse(head("c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 10.1.1.1\r\n"
                      "m=audio 5002 RTP/AVP 0\r\nc=IN IP6 ::\r\n"));
  EXPECT_EQ(rewrite_connection(sd, "203.0.113.50", false), 1u);
  EXPECT_EQ(sd.connection->address, "0.0.0.0");
  EXPECT_EQ(sd.media[0].connection->address, "203.0.113.50");
  EXPECT_EQ(sd.media[1].connection->address, "::");
}

TEST(SdpRewrite, SwitchesAddressFamily) {
  SessionDescription v4 = must_parse(kPhoneOffer);
  EXPECT_EQ(rewrite_connection(v4, "2001:db8::5", true), 1u);
  EXPECT_EQ(v4.connection->addrtype, "IP6");
  EXPECT_NE(serialize(v4).find("\r\nc=IN IP6 2001:db8::5\r\n"), std::string::npos);
  SessionDescription v6 = must_parse(kIpv6Offer);
  EXPECT_EQ(rewrite_connection(v6, "198.51.100.1", false), 1u);
  EXPECT_NE(serialize(v6).find("\r\nc=IN IP4 198.51.100.1\r\n"), std::string::npos);
}

TEST(SdpRewrite, InvalidNewAddressChangesNothing) {
  SessionDescription sd = must_parse(kAudioVideoOffer);
  EXPECT_EQ(rewrite_connection(sd, "not-an-ip", false), 0u);
  EXPECT_EQ(rewrite_connection(sd, "2001:db8::1", false), 0u);
  EXPECT_EQ(rewrite_connection(sd, "198.51.100.1", true), 0u);
  EXPECT_EQ(rewrite_connection(sd, "", false), 0u);
  EXPECT_EQ(rewrite_rtcp_address(sd, "1.2.3", false), 0u);
  EXPECT_EQ(serialize(sd), kAudioVideoOffer);
}

TEST(SdpRewrite, OtherNettypeIsNotTouched) {
  SessionDescription sd = must_parse(head("c=ATM NSAP 47.0005.80.ffe100\r\nt=0 0\r\n"));
  EXPECT_EQ(rewrite_connection(sd, "203.0.113.50", false), 0u);
  EXPECT_EQ(sd.connection->address, "47.0005.80.ffe100");
}

TEST(SdpRtcp, ParseForms) {
  const auto full = parse_rtcp("4001 IN IP4 10.0.0.5");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->port, 4001);
  ASSERT_TRUE(full->connection.has_value());
  EXPECT_EQ(full->connection->address, "10.0.0.5");
  const auto port_only = parse_rtcp("53020");
  ASSERT_TRUE(port_only.has_value());
  EXPECT_EQ(port_only->port, 53020);
  EXPECT_FALSE(port_only->connection.has_value());
  EXPECT_FALSE(parse_rtcp("").has_value());
  EXPECT_FALSE(parse_rtcp("70000").has_value());
  EXPECT_FALSE(parse_rtcp("4001 IN IP4").has_value());
  EXPECT_FALSE(parse_rtcp("4001 IN IP4 10.0.0.256").has_value());
}

TEST(SdpRtcp, NatManglingOfAPjsipOffer) {
  SessionDescription sd = must_parse(kRtcpOffer);
  EXPECT_EQ(rewrite_connection(sd, "203.0.113.7", false), 1u);
  EXPECT_EQ(rewrite_rtcp_address(sd, "203.0.113.7", false), 1u);
  EXPECT_EQ(rewrite_rtcp_address(sd, "203.0.113.7", false), 0u);
  std::string expected(kRtcpOffer);
  expected.replace(expected.find("c=IN IP4 10.0.0.5"), 17, "c=IN IP4 203.0.113.7");
  expected.replace(expected.find("a=rtcp:4001 IN IP4 10.0.0.5"), 27,
                   "a=rtcp:4001 IN IP4 203.0.113.7");
  EXPECT_EQ(serialize(sd), expected);
}

TEST(SdpRtcp, PortOnlyIsLeftAlone) {
  SessionDescription sd =
      must_parse(head("t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:4001\r\na=rtcp:x\r\n"));
  EXPECT_EQ(rewrite_rtcp_address(sd, "203.0.113.7", false), 0u);
  EXPECT_EQ(sd.media[0].attributes[0].value, "4001");
  EXPECT_EQ(sd.media[0].attributes[1].value, "x");
}

TEST(SdpMedia, SetMediaPort) {
  SessionDescription sd = must_parse(kAudioVideoOffer);
  EXPECT_TRUE(set_media_port(sd, 1, 0));
  EXPECT_TRUE(set_media_port(sd, 0, 65535));
  EXPECT_FALSE(set_media_port(sd, 2, 1));
  const std::string out = serialize(sd);
  EXPECT_NE(out.find("\r\nm=audio 65535 RTP/AVP 96 0\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nm=video 0 RTP/AVP 97\r\n"), std::string::npos);
}

// --- addresses ----------------------------------------------------------------

struct AddressCase {
  const char* text;
  bool is_private;
};

class SdpPrivateAddress : public ::testing::TestWithParam<AddressCase> {};

TEST_P(SdpPrivateAddress, Table) {
  EXPECT_EQ(is_private_address(GetParam().text), GetParam().is_private) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    SdpRanges, SdpPrivateAddress,
    ::testing::Values(AddressCase{"10.0.0.1", true}, AddressCase{"10.255.255.255", true},
                      AddressCase{"9.255.255.255", false}, AddressCase{"11.0.0.0", false},
                      AddressCase{"172.15.255.255", false}, AddressCase{"172.16.0.0", true},
                      AddressCase{"172.31.255.255", true}, AddressCase{"172.32.0.0", false},
                      AddressCase{"192.168.0.1", true}, AddressCase{"192.169.0.1", false},
                      AddressCase{"192.168.255.255", true}, AddressCase{"192.167.255.255", false},
                      AddressCase{"10.0.0.0", true},
                      // Not private: carrier-grade NAT space and link-local.
                      AddressCase{"100.63.255.255", false}, AddressCase{"100.64.0.1", false},
                      AddressCase{"100.127.255.255", false}, AddressCase{"100.128.0.0", false},
                      AddressCase{"169.254.0.0", false}, AddressCase{"169.254.1.1", false},
                      AddressCase{"169.254.255.255", false}, AddressCase{"169.253.1.1", false},
                      // Loopback: 127.0.0.1 only.
                      AddressCase{"127.0.0.1", true}, AddressCase{"127.0.0.2", false},
                      AddressCase{"127.1.2.3", false}, AddressCase{"::ffff:127.0.0.1", true},
                      AddressCase{"::ffff:169.254.1.1", false},
                      AddressCase{"::ffff:100.64.0.1", false}, AddressCase{"8.8.8.8", false},
                      AddressCase{"0.0.0.0", false}, AddressCase{"255.255.255.255", false},
                      AddressCase{"fc00::1", true}, AddressCase{"FD12:3456::1", true},
                      AddressCase{"fe80::1", true}, AddressCase{"febf::1", true},
                      AddressCase{"fec0::1", false}, AddressCase{"::1", true},
                      AddressCase{"::", false}, AddressCase{"::2", false},
                      AddressCase{"2001:db8::1", false}, AddressCase{"::ffff:192.168.1.1", true},
                      AddressCase{"::ffff:8.8.8.8", false}, AddressCase{"host.example.com", false},
                      AddressCase{"", false}, AddressCase{"10.0.0", false},
                      AddressCase{"10.0.0.1/8", false}));

TEST(SdpAddress, Ipv4Syntax) {
  EXPECT_TRUE(is_ipv4_address("1.2.3.4"));
  EXPECT_TRUE(is_ipv4_address("255.255.255.255"));
  EXPECT_TRUE(is_ipv4_address("0.0.0.0"));
  EXPECT_FALSE(is_ipv4_address("256.1.1.1"));
  EXPECT_FALSE(is_ipv4_address("1.2.3"));
  EXPECT_FALSE(is_ipv4_address("1.2.3.4.5"));
  EXPECT_FALSE(is_ipv4_address("1..2.3"));
  EXPECT_FALSE(is_ipv4_address("1.2.3.4 "));
  EXPECT_FALSE(is_ipv4_address("1.2.3."));
  EXPECT_FALSE(is_ipv4_address("1234.1.1.1"));
  EXPECT_FALSE(is_ipv4_address(""));
}

TEST(SdpAddress, Ipv6Syntax) {
  EXPECT_TRUE(is_ipv6_address("::"));
  EXPECT_TRUE(is_ipv6_address("1::"));
  EXPECT_TRUE(is_ipv6_address("1:2:3:4:5:6:7:8"));
  EXPECT_TRUE(is_ipv6_address("1:2:3:4:5:6:7::"));
  EXPECT_TRUE(is_ipv6_address("::ffff:1.2.3.4"));
  EXPECT_TRUE(is_ipv6_address("1:2:3:4:5:6:1.2.3.4"));
  EXPECT_TRUE(is_ipv6_address("2001:DB8:0:0:8:800:200C:417A"));
  EXPECT_FALSE(is_ipv6_address("1:2:3:4:5:6:7:8:9"));
  EXPECT_FALSE(is_ipv6_address("1:2:3:4:5:6:7:8::"));
  EXPECT_FALSE(is_ipv6_address("::1:2:3:4:5:6:7:8"));
  EXPECT_FALSE(is_ipv6_address("1:2:3:4:5:6:7"));
  EXPECT_FALSE(is_ipv6_address("1::2::3"));
  EXPECT_FALSE(is_ipv6_address(":::"));
  EXPECT_FALSE(is_ipv6_address(":1"));
  EXPECT_FALSE(is_ipv6_address("1:"));
  EXPECT_FALSE(is_ipv6_address("12345::"));
  EXPECT_FALSE(is_ipv6_address("1:2:3:4:5:6:7:1.2.3.4"));
  EXPECT_FALSE(is_ipv6_address("g::1"));
  EXPECT_FALSE(is_ipv6_address("fe80::1%eth0"));
  EXPECT_FALSE(is_ipv6_address("[::1]"));
  EXPECT_FALSE(is_ipv6_address(""));
}

TEST(SdpParse, SecondKeyLineInASectionIsRejected) {
  // Found by fuzz_sdp: a repeated k= was kept as an extra line and came out
  // in another order after a second round trip.
  const std::string body =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nk=clear:a\r\nk=clear:b\r\n";
  auto r = parse(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_sdp);
  EXPECT_EQ(r.error().offset, body.find("k=clear:b"));
}

}  // namespace
}  // namespace sip::sdp
