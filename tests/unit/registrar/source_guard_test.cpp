// policy::SourceGuard (failure counting, blocking, bounded table) and the
// IP access lists.
#include "sip/policy/source_guard.hpp"

#include <gtest/gtest.h>

#include "sip/policy/ip_acl.hpp"

namespace sip::policy {
namespace {

using namespace std::chrono_literals;

SourceGuardConfig cfg(std::size_t max_failures, std::size_t max_entries = 100) {
  SourceGuardConfig c;
  c.max_failures = max_failures;
  c.failure_window = 60s;
  c.block_for = 300s;
  c.max_entries = max_entries;
  return c;
}

TEST(SourceGuard, BlocksAfterMaxFailuresWithinTheWindow) {
  ManualClock clock;
  SourceGuard g(clock, cfg(3));
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Counted);
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Counted);
  EXPECT_FALSE(g.blocked("192.0.2.1"));
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Blocked);
  EXPECT_TRUE(g.blocked("192.0.2.1"));
  EXPECT_FALSE(g.blocked("192.0.2.2"));
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::AlreadyBlocked);
  EXPECT_EQ(g.blocked_count(), 1u);
  clock.advance(299s);
  EXPECT_TRUE(g.blocked("192.0.2.1"));
  clock.advance(1s);
  EXPECT_FALSE(g.blocked("192.0.2.1"));
  EXPECT_EQ(g.blocked_count(), 0u);
  EXPECT_EQ(g.size(), 0u);
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Counted);
}

TEST(SourceGuard, FailuresOutsideTheWindowStartOver) {
  ManualClock clock;
  SourceGuard g(clock, cfg(3));
  g.note_failure("192.0.2.1");
  g.note_failure("192.0.2.1");
  clock.advance(61s);
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Counted);
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Counted);
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Blocked);
}

TEST(SourceGuard, Ipv6CountsPerSlash64AndMappedAsIpv4) {
  ManualClock clock;
  SourceGuard g(clock, cfg(2));
  g.note_failure("2001:db8:0:1::1");
  g.note_failure("[2001:db8:0:1::ffff]");
  EXPECT_TRUE(g.blocked("2001:db8:0:1:abcd::9"));
  EXPECT_FALSE(g.blocked("2001:db8:0:2::1"));
  g.note_failure("::ffff:192.0.2.9");
  g.note_failure("192.0.2.9");
  EXPECT_TRUE(g.blocked("192.0.2.9"));
}

TEST(SourceGuard, TableIsBoundedAndKeepsBlocksLongest) {
  ManualClock clock;
  SourceGuard g(clock, cfg(2, 4));
  g.note_failure("198.51.100.1");
  g.note_failure("198.51.100.1");  // blocked
  for (int i = 0; i < 50; ++i) g.note_failure("192.0.2." + std::to_string(i));
  EXPECT_LE(g.size(), 4u);
  EXPECT_TRUE(g.blocked("198.51.100.1"));  // counting entries went first
}

TEST(SourceGuard, DisabledAndForgive) {
  ManualClock clock;
  SourceGuard off(clock, cfg(0));
  EXPECT_EQ(off.note_failure("192.0.2.1"), SourceGuard::Outcome::Disabled);
  EXPECT_FALSE(off.blocked("192.0.2.1"));
  SourceGuard g(clock, cfg(1));
  EXPECT_EQ(g.note_failure("192.0.2.1"), SourceGuard::Outcome::Blocked);
  g.forgive("192.0.2.1");
  EXPECT_FALSE(g.blocked("192.0.2.1"));
}

transport::SocketAddress ip(std::string_view s) {
  return *transport::SocketAddress::from_ip(s, 5060);
}

TEST(IpAcl, MatchesCidrsOfBothFamilies) {
  const std::string_view acl = "192.0.2.0/24, 198.51.100.7 ,2001:db8::/32,[2001:db8:1::]/48";
  EXPECT_TRUE(ip_acl_matches(acl, ip("192.0.2.200")));
  EXPECT_FALSE(ip_acl_matches(acl, ip("192.0.3.1")));
  EXPECT_TRUE(ip_acl_matches(acl, ip("198.51.100.7")));
  EXPECT_FALSE(ip_acl_matches(acl, ip("198.51.100.8")));
  EXPECT_TRUE(ip_acl_matches(acl, ip("2001:db8:ffff::1")));
  EXPECT_FALSE(ip_acl_matches(acl, ip("2001:db9::1")));
  EXPECT_TRUE(ip_acl_matches(acl, ip("::ffff:192.0.2.1")));
  EXPECT_TRUE(ip_acl_matches("10.1.0.0/15", ip("10.0.255.1")));
  EXPECT_FALSE(ip_acl_matches("10.1.0.0/16", ip("10.0.255.1")));
  EXPECT_TRUE(ip_acl_matches("0.0.0.0/0", ip("203.0.113.1")));
  EXPECT_FALSE(ip_acl_matches("", ip("203.0.113.1")));
  EXPECT_FALSE(ip_acl_matches("not-an-ip, 192.0.2.0/33", ip("192.0.2.1")));
}

TEST(IpAcl, CheckReportsTheBadEntry) {
  EXPECT_TRUE(check_ip_acl("192.0.2.0/24, 2001:db8::/32"));
  EXPECT_TRUE(check_ip_acl(""));
  const auto bad = check_ip_acl("192.0.2.0/24, 300.1.1.1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().offset, 13u);
}

}  // namespace
}  // namespace sip::policy
