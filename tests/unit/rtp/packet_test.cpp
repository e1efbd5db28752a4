#include "sip/rtp/packet.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sip::rtp {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

TEST(RtpPacket, BuildThenParseRoundTrips) {
  const std::string p = build(0, true, 65535, 0xdeadbeef, 0x01020304, std::string(160, '\xff'));
  ASSERT_EQ(p.size(), 172u);
  const auto b = bytes(p);
  auto h = parse(b);
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(h->version, 2);
  EXPECT_TRUE(h->marker);
  EXPECT_EQ(h->payload_type, 0);
  EXPECT_EQ(h->sequence, 65535);
  EXPECT_EQ(h->timestamp, 0xdeadbeefu);
  EXPECT_EQ(h->ssrc, 0x01020304u);
  EXPECT_EQ(h->payload_offset, 12u);
  EXPECT_EQ(h->payload_size, 160u);
}

TEST(RtpPacket, CsrcExtensionAndPaddingAreSkipped) {
  // V=2 P=1 X=1 CC=1, PT 8; one CSRC; extension of one word; 3 bytes of padding.
  std::vector<std::uint8_t> b = {0xb1, 8,    0, 1, 0, 0, 0, 160, 0, 0, 0, 7,  // fixed
                                 0,    0,    0, 9,                            // CSRC
                                 0xbe, 0xde, 0, 1, 1, 2, 3, 4,                // extension
                                 0x55, 0x55, 0, 0, 3};                        // payload+pad
  auto h = parse(b);
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(h->payload_offset, 24u);
  EXPECT_EQ(h->payload_size, 2u);
}

TEST(RtpPacket, RejectsWhatIsNotRtp) {
  EXPECT_EQ(parse(bytes("short")).error().code, Errc::truncated);
  auto v1 = bytes(build(0, false, 1, 1, 1, "x"));
  v1[0] = 0x40;
  EXPECT_EQ(parse(v1).error().code, Errc::bad_value);
  auto csrc = bytes(build(0, false, 1, 1, 1, ""));
  csrc[0] = 0x8f;  // 15 CSRCs announced, none present
  EXPECT_EQ(parse(csrc).error().code, Errc::truncated);
  auto pad = bytes(build(0, false, 1, 1, 1, "ab"));
  pad[0] |= 0x20;
  pad.back() = 9;  // more padding than payload
  EXPECT_EQ(parse(pad).error().code, Errc::bad_value);
  // An RTCP sender report (200 = marker + 72) multiplexed on the RTP port.
  std::vector<std::uint8_t> sr = {0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(parse(sr).error().code, Errc::bad_value);
}

TEST(RtpPacket, ClockRates) {
  EXPECT_EQ(static_clock_rate(0), 8000u);
  EXPECT_EQ(static_clock_rate(8), 8000u);
  EXPECT_EQ(static_clock_rate(101), 0u);
}

}  // namespace
}  // namespace sip::rtp
