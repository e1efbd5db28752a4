#include "sip/rtp/stats.hpp"

#include <gtest/gtest.h>

namespace sip::rtp {
namespace {

using std::chrono::milliseconds;

RtpHeader packet(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc = 1) {
  RtpHeader h;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = ssrc;
  return h;
}

TEST(RtpStats, SteadyStreamHasNoLossAndNoJitter) {
  Reception r;
  for (int i = 0; i < 50; ++i)
    r.add(packet(static_cast<std::uint16_t>(1000 + i), 160u * i), milliseconds(20 * i), 8000);
  EXPECT_EQ(r.packets(), 50u);
  EXPECT_EQ(r.expected(), 50u);
  EXPECT_EQ(r.lost(), 0u);
  EXPECT_NEAR(r.jitter_ms(), 0.0, 1e-9);
  EXPECT_EQ(r.payload_types().at(0), 50u);
}

TEST(RtpStats, GapsCountAsLossAcrossTheSequenceWrap) {
  SourceStats s;
  for (int i = 0; i < 20; ++i) {
    if (i == 5 || i == 12) continue;  // two lost, the second after the wrap
    s.add(packet(static_cast<std::uint16_t>(65530 + i), 160u * i), milliseconds(20 * i), 8000);
  }
  EXPECT_EQ(s.received(), 18u);
  EXPECT_EQ(s.expected(), 20u);
  EXPECT_EQ(s.lost(), 2u);
}

TEST(RtpStats, DuplicatesAndLatePacketsAreNotLoss) {
  SourceStats s;
  s.add(packet(10, 0), milliseconds(0), 8000);
  s.add(packet(12, 320), milliseconds(40), 8000);
  s.add(packet(11, 160), milliseconds(45), 8000);  // late
  s.add(packet(12, 320), milliseconds(46), 8000);  // duplicate
  EXPECT_EQ(s.expected(), 3u);
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.duplicates_or_late(), 2u);
}

TEST(RtpStats, JitterFollowsRfc3550A8) {
  // Packets every 20 ms of media, arriving alternately 0 and 10 ms late:
  // |D| is 80 timestamp units (10 ms) each time; J converges towards 10 ms.
  SourceStats s;
  for (int i = 0; i < 400; ++i)
    s.add(packet(static_cast<std::uint16_t>(i), 160u * i), milliseconds(20 * i + (i % 2) * 10),
          8000);
  EXPECT_NEAR(s.jitter_ms(), 10.0, 0.01);
  // One step of the estimator by hand: J = J + (|D| - J) / 16.
  SourceStats one;
  one.add(packet(0, 0), milliseconds(0), 8000);
  one.add(packet(1, 160), milliseconds(36), 8000);  // 16 ms late: |D| = 128 units
  EXPECT_NEAR(one.jitter_ms(), 16.0 / 16.0, 1e-9);
}

TEST(RtpStats, UnknownClockLeavesJitterAlone) {
  SourceStats s;
  s.add(packet(0, 0), milliseconds(0), 0);
  s.add(packet(1, 0), milliseconds(50), 0);
  EXPECT_EQ(s.jitter_ms(), 0.0);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(RtpStats, SourcesAreKeptApart) {
  Reception r;
  r.add(packet(1, 0, 7), milliseconds(0), 8000);
  r.add(packet(500, 0, 8), milliseconds(0), 8000);
  r.add(packet(502, 320, 8), milliseconds(40), 8000);
  EXPECT_EQ(r.sources().size(), 2u);
  EXPECT_EQ(r.expected(), 4u);
  EXPECT_EQ(r.lost(), 1u);
}

}  // namespace
}  // namespace sip::rtp
