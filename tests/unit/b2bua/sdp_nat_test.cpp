// SDP NAT mangling: private c= addresses become the sender's source address;
// public ones, equal ones, non-SDP bodies and ports stay as they are.
#include "sip/b2bua/sdp_nat.hpp"

#include <gtest/gtest.h>

namespace {

std::string offer(const std::string& session_c, const std::string& media_c = {}) {
  std::string s =
      "v=0\r\no=- 1 1 IN IP4 192.168.1.20\r\ns=-\r\nc=IN IP4 " + session_c + "\r\nt=0 0\r\n";
  s += "m=audio 4000 RTP/AVP 0\r\n";
  if (!media_c.empty()) s += "c=IN IP4 " + media_c + "\r\n";
  s += "a=rtcp:4001 IN IP4 " + session_c + "\r\n";
  return s;
}

TEST(SdpNat, PrivateAddressBecomesTheSource) {
  auto r = sip::b2bua::mangle_sdp("application/sdp", offer("192.168.1.20"), "203.0.113.9");
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("c=IN IP4 203.0.113.9"), std::string::npos);
  EXPECT_EQ(r->find("c=IN IP4 192.168.1.20"), std::string::npos);
  EXPECT_NE(r->find("a=rtcp:4001 IN IP4 203.0.113.9"), std::string::npos);
  EXPECT_NE(r->find("m=audio 4000 "), std::string::npos) << "ports never change";
  EXPECT_NE(r->find("o=- 1 1 IN IP4 192.168.1.20"), std::string::npos) << "o= is kept";
}

TEST(SdpNat, MediaLevelPrivateAddressIsFound) {
  auto r = sip::b2bua::mangle_sdp("application/sdp; charset=x", offer("198.51.100.7", "10.0.0.5"),
                                  "127.0.0.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->find("10.0.0.5"), std::string::npos);
}

TEST(SdpNat, PublicOrEqualAddressesAndOtherBodiesStay) {
  EXPECT_FALSE(sip::b2bua::mangle_sdp("application/sdp", offer("198.51.100.7"), "203.0.113.9"));
  EXPECT_FALSE(sip::b2bua::mangle_sdp("application/sdp", offer("10.0.0.5"), "10.0.0.5"));
  EXPECT_FALSE(sip::b2bua::mangle_sdp("text/plain", offer("10.0.0.5"), "203.0.113.9"));
  EXPECT_FALSE(sip::b2bua::mangle_sdp("application/sdp", "not sdp at all", "203.0.113.9"));
  EXPECT_FALSE(sip::b2bua::mangle_sdp("application/sdp", offer("10.0.0.5"), ""));
}

TEST(SdpOrigin, ContinuesTheIdentityAPartySawWithOneVersionPerChange) {
  const std::string first = "v=0\r\no=bob 2 7 IN IP4 203.0.113.50\r\ns=-\r\nt=0 0\r\n";
  auto seen = sip::b2bua::sdp_origin(first);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->user, "bob");
  EXPECT_EQ(seen->session, "2");
  EXPECT_EQ(seen->version, 7u);
  sip::b2bua::OriginContinuity state{*seen, first};
  // Another sender's description: bob's identity, version 8, the rest kept.
  const std::string other =
      "v=0\r\no=carol 99 1 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\n";
  EXPECT_EQ(sip::b2bua::continue_origin(state, other),
            "v=0\r\no=bob 2 8 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\n");
  // The same description again (a refresh): the same version.
  EXPECT_EQ(sip::b2bua::continue_origin(state, other),
            "v=0\r\no=bob 2 8 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\n");
  // A change: the next version; bare \n line ends are kept.
  EXPECT_EQ(sip::b2bua::continue_origin(state, "v=0\no=carol 99 2 IN IP4 198.51.100.9\ns=x\n"),
            "v=0\no=bob 2 9 IN IP4 198.51.100.9\ns=x\n");
  // Not SDP enough to rewrite: as it is.
  EXPECT_EQ(sip::b2bua::continue_origin(state, "v=0\r\no=broken\r\n"), "v=0\r\no=broken\r\n");
  EXPECT_FALSE(sip::b2bua::sdp_origin("v=0\r\no=a b notanumber IN IP4 x\r\n"));
  EXPECT_FALSE(sip::b2bua::sdp_origin("v=0\r\ns=-\r\n"));
}

}  // namespace
