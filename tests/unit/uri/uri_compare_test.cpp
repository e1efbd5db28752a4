// uri_equal() (RFC 3261 section 19.1.4) and the address helpers.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "sip/uri/uri.hpp"

namespace sip::uri {
namespace {

struct Pair {
  std::string_view a;
  std::string_view b;
};

// Compares both ways: equality must be symmetric.
::testing::AssertionResult equal_both_ways(std::string_view a, std::string_view b) {
  const auto x = parse_uri(a);
  const auto y = parse_uri(b);
  if (!x.ok()) return ::testing::AssertionFailure() << "cannot parse " << a;
  if (!y.ok()) return ::testing::AssertionFailure() << "cannot parse " << b;
  const bool ab = uri_equal(*x, *y);
  const bool ba = uri_equal(*y, *x);
  if (ab != ba) return ::testing::AssertionFailure() << "asymmetric";
  if (ab) return ::testing::AssertionSuccess() << "equal";
  return ::testing::AssertionFailure() << "unequal";
}

TEST(UriEqual, Rfc3261EqualPairs) {
  const Pair pairs[] = {
      {"sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"},
      {"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"},
      {"sip:carol@chicago.com", "sip:carol@chicago.com;security=on"},
      {"sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"},
      {"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
       "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"},
      {"sip:alice@atlanta.com?subject=project%20x&priority=urgent",
       "sip:alice@atlanta.com?priority=urgent&subject=project%20x"},
  };
  for (const auto& p : pairs) EXPECT_TRUE(equal_both_ways(p.a, p.b)) << p.a << " vs " << p.b;
}

TEST(UriEqual, Rfc3261UnequalPairs) {
  const Pair pairs[] = {
      {"SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"},
      {"sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"},
      {"sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"},
      {"sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"},
      {"sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"},
      {"sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"},
      {"sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"},
  };
  for (const auto& p : pairs) EXPECT_FALSE(equal_both_ways(p.a, p.b)) << p.a << " vs " << p.b;
}

TEST(UriEqual, MoreSipRules) {
  const Pair equal[] = {
      {"sip:a@h", "SIP:a@H"},
      {"sip:a:pw@h", "sip:a:%70w@h"},
      {"sip:a@[2001:DB8::10]", "sip:a@[2001:0db8:0:0:0:0:0:10]"},
      {"sip:a@[::ffff:192.0.2.1]", "sip:a@[::FFFF:C000:201]"},
      {"sip:a@192.0.2.4", "sip:a@192.000.002.004"},
      {"sip:h;maddr=1.2.3.4;ttl=1", "sip:h;TTL=1;MADDR=1.2.3.4"},
      {"sip:h;lr", "sip:h;LR"},
      {"sip:h;x=%41", "sip:h;x=a"},
      {"sip:h?A=1&a=1", "sip:h?a=1&A=1"},
      {"sip:h?subject=x", "sip:h?Subject=x"},
  };
  for (const auto& p : equal) EXPECT_TRUE(equal_both_ways(p.a, p.b)) << p.a << " vs " << p.b;
  const Pair unequal[] = {
      {"sip:a@h", "sips:a@h"},
      {"sip:a@h", "sip:h"},
      {"sip:a@h", "sip:A@h"},
      {"sip:a:pw@h", "sip:a@h"},
      {"sip:a:pw@h", "sip:a:PW@h"},
      {"sip:a:@h", "sip:a@h"},
      {"sip:a;b@h", "sip:a%3Bb@h"},  // escaped reserved byte differs from the literal
      {"sip:a@[::1]", "sip:a@[::2]"},
      {"sip:a@127.0.0.1", "sip:a@[::ffff:127.0.0.1]"},
      {"sip:a@h:5060", "sip:a@h:5061"},
      {"sip:h;maddr=1.2.3.4", "sip:h"},
      {"sip:h;user=phone", "sip:h"},
      {"sip:h;method=INVITE", "sip:h"},
      {"sip:h;ttl=1", "sip:h;ttl=2"},
      {"sip:h;lr", "sip:h;lr=on"},
      {"sip:h?a=1&a=1", "sip:h?a=1"},
      {"sip:h?a=1&b=1", "sip:h?a=1&a=1"},
      {"sip:h?subject=x", "sip:h?subject=X"},
      {"sip:h?a=1", "sip:h?b=1"},
      {"sip:a@h", "tel:123"},
  };
  for (const auto& p : unequal) EXPECT_FALSE(equal_both_ways(p.a, p.b)) << p.a << " vs " << p.b;
}

TEST(UriEqual, TelAndOtherSchemes) {
  EXPECT_TRUE(equal_both_ways("tel:+1-201-555-0123", "tel:+1(201)5550123"));
  EXPECT_TRUE(equal_both_ways("tel:12AB", "TEL:12ab"));
  EXPECT_TRUE(
      equal_both_ways("tel:7042;phone-context=Example.com", "tel:7042;PHONE-CONTEXT=example.com"));
  EXPECT_FALSE(equal_both_ways("tel:+12015550123", "tel:12015550123"));
  EXPECT_FALSE(equal_both_ways("tel:123", "tel:1234"));
  EXPECT_FALSE(equal_both_ways("tel:7042;phone-context=example.com", "tel:7042"));
  EXPECT_TRUE(equal_both_ways("isbn:2983792873", "ISBN:2983792873"));
  EXPECT_FALSE(equal_both_ways("isbn:2983792873", "isbn:2983792874"));
  EXPECT_FALSE(equal_both_ways("urn:a", "urn:A"));
  EXPECT_FALSE(equal_both_ways("isbn:1", "issn:1"));
}

TEST(UriAddress, Ipv4) {
  std::array<std::uint8_t, 4> ip{};
  ASSERT_TRUE(parse_ipv4("192.0.2.255", ip));
  EXPECT_EQ(ip, (std::array<std::uint8_t, 4>{192, 0, 2, 255}));
  ASSERT_TRUE(parse_ipv4("010.0.0.1", ip));
  EXPECT_EQ(ip[0], 10);
  const std::string_view bad[] = {"",         "1.2.3",    "1.2.3.4.5",  "256.0.0.1", "1..2.3",
                                  "1.2.3.4.", "1.2.3.-4", "1.2.3.0004", "a.b.c.d",   " 1.2.3.4"};
  for (auto s : bad) EXPECT_FALSE(parse_ipv4(s, ip)) << s;
}

TEST(UriAddress, Ipv6Canonical) {
  std::array<std::uint8_t, 16> ip{};
  ASSERT_TRUE(parse_ipv6("2001:db8::10", ip));
  EXPECT_EQ(ip, (std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0, 0x10}));
  ASSERT_TRUE(parse_ipv6("::", ip));
  EXPECT_EQ(ip, (std::array<std::uint8_t, 16>{}));
  ASSERT_TRUE(parse_ipv6("1::", ip));
  EXPECT_EQ(ip[1], 1);
  EXPECT_EQ(ip[15], 0);
  ASSERT_TRUE(parse_ipv6("::ffff:192.0.2.1", ip));
  EXPECT_EQ(ip[10], 0xff);
  EXPECT_EQ(ip[11], 0xff);
  EXPECT_EQ(ip[12], 192);
  EXPECT_EQ(ip[15], 1);
  ASSERT_TRUE(parse_ipv6("1:2:3:4:5:6:7:8", ip));
  EXPECT_EQ(ip[14], 0);
  EXPECT_EQ(ip[15], 8);
  const std::string_view bad[] = {"",
                                  ":",
                                  ":::",
                                  "1:2",
                                  "1::2::3",
                                  "12345::",
                                  "1:2:3:4:5:6:7:8:9",
                                  "1:2:3:4::5:6:7:8",
                                  "1:",
                                  ":1",
                                  "g::1",
                                  "::1.2.3",
                                  "[::1]",
                                  "::1%eth0",
                                  "1:2:3:4:5:6:7:1.2.3.4",
                                  "1.2.3.4"};
  for (auto s : bad) EXPECT_FALSE(parse_ipv6(s, ip)) << s;
}

TEST(UriCompareRegression, RepeatedParameterIsStillReflexive) {
  // Found by fuzz_uri: "sip:a;t;t=m" was not equal to itself.
  auto a = parse_uri("sip:a;t;t=m");
  ASSERT_TRUE(a);
  EXPECT_TRUE(uri_equal(*a, *a));
  auto b = parse_uri("sip:a;t=m;t");
  ASSERT_TRUE(b);
  EXPECT_FALSE(uri_equal(*a, *b));  // first occurrences differ: flag vs "m"
}

}  // namespace
}  // namespace sip::uri
