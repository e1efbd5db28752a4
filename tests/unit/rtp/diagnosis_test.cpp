#include "sip/rtp/diagnosis.hpp"

#include <gtest/gtest.h>

namespace sip::rtp {
namespace {

TEST(RtpDiagnosis, PublicSdpAddressIsExpected) {
  const auto x = expected_source({"198.51.100.7", 4000}, "203.0.113.9");
  EXPECT_EQ(x.socket, (Endpoint{"198.51.100.7", 4000}));
  EXPECT_FALSE(x.from_signalling);
}

TEST(RtpDiagnosis, PrivateSdpAddressIsReplacedByTheSignallingSource) {
  for (const char* ip : {"10.1.2.3", "172.16.0.1", "192.168.1.20", "127.0.0.1"}) {
    const auto x = expected_source({ip, 4000}, "203.0.113.9");
    EXPECT_EQ(x.socket, (Endpoint{"203.0.113.9", 4000})) << ip;
    EXPECT_TRUE(x.from_signalling) << ip;
  }
  // Not private by the library's rule (docs/private-addresses.md).
  EXPECT_FALSE(expected_source({"100.64.0.1", 4000}, "203.0.113.9").from_signalling);
  EXPECT_FALSE(expected_source({"169.254.0.1", 4000}, "203.0.113.9").from_signalling);
}

TEST(RtpDiagnosis, Verdicts) {
  Observation o;
  EXPECT_EQ(judge(o), Verdict::NoCall);
  o.call = true;
  o.expected = expected_source({"192.168.1.20", 4000}, "203.0.113.9");
  EXPECT_EQ(judge(o), Verdict::NoRtp);
  o.packets = 50;
  o.actual = Endpoint{"203.0.113.9", 4000};
  EXPECT_EQ(judge(o), Verdict::Match);
  o.actual = Endpoint{"203.0.113.9", 61000};
  EXPECT_EQ(judge(o), Verdict::Mismatch);
  o.back_to_actual_failed = true;
  EXPECT_EQ(judge(o), Verdict::Unreachable);
  EXPECT_EQ(verdict_name(Verdict::NoRtp), "no_rtp");
  EXPECT_EQ(to_string(Endpoint{"2001:db8::1", 5}), "[2001:db8::1]:5");
}

}  // namespace
}  // namespace sip::rtp
