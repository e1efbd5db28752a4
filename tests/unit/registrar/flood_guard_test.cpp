// policy::FloodGuard: the per-source request rate limit ahead of parsing
// (bucket, block, allow-list, IPv6 per /64, bounded table).
#include "sip/policy/flood_guard.hpp"

#include <gtest/gtest.h>

namespace sip::policy {
namespace {

using namespace std::chrono_literals;

transport::SocketAddress addr(const char* ip) {
  return *transport::SocketAddress::from_ip(ip, 5060);
}

FloodConfig cfg(unsigned per_second, unsigned burst) {
  FloodConfig c;
  c.per_second = per_second;
  c.burst = burst;
  c.block_for = 30s;
  return c;
}

TEST(FloodGuard, ABurstPassesThenTheSourceIsBlockedForAWhile) {
  ManualClock clock;
  FloodGuard g(clock, cfg(10, 20));
  const auto a = addr("192.0.2.1");
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(g.admit(a)) << i;
  EXPECT_FALSE(g.admit(a));  // bucket empty: blocked
  EXPECT_EQ(g.stats().blocks, 1u);
  EXPECT_EQ(g.blocked_count(), 1u);
  clock.advance(10s);  // refilled, but still blocked
  EXPECT_FALSE(g.admit(a));
  EXPECT_EQ(g.stats().dropped, 2u);
  // Another source is not affected.
  EXPECT_TRUE(g.admit(addr("192.0.2.2")));
  clock.advance(21s);  // the block is over: a fresh bucket
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(g.admit(a)) << i;
}

TEST(FloodGuard, TheSustainedRatePassesForever) {
  ManualClock clock;
  FloodGuard g(clock, cfg(100, 100));
  const auto a = addr("198.51.100.7");
  for (int s = 0; s < 60; ++s) {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(g.admit(a)) << s << "." << i;
    clock.advance(1s);
  }
  EXPECT_EQ(g.stats().dropped, 0u);
}

TEST(FloodGuard, AllowedSourcesAndIpv6PerSlash64) {
  ManualClock clock;
  FloodConfig c = cfg(1, 2);
  c.allow = "127.0.0.1,203.0.113.0/24";
  FloodGuard g(clock, c);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(g.admit(addr("127.0.0.1")));
    ASSERT_TRUE(g.admit(addr("203.0.113.9")));
  }
  EXPECT_EQ(g.size(), 0u);  // allowed sources are not even tracked
  // Two hosts of one /64 share a bucket; another /64 has its own.
  EXPECT_TRUE(g.admit(addr("2001:db8::1")));
  EXPECT_TRUE(g.admit(addr("2001:db8::2")));
  EXPECT_FALSE(g.admit(addr("2001:db8::3")));
  EXPECT_TRUE(g.admit(addr("2001:db8:0:1::1")));
  // IPv4-mapped IPv6 is its IPv4 address.
  EXPECT_TRUE(g.admit(addr("::ffff:198.51.100.1")));
  EXPECT_TRUE(g.admit(addr("198.51.100.1")));
  EXPECT_FALSE(g.admit(addr("198.51.100.1")));
}

TEST(FloodGuard, TheTableIsBoundedAndDisabledMeansAdmitAll) {
  ManualClock clock;
  FloodConfig c = cfg(1, 1);
  c.max_entries = 100;
  FloodGuard g(clock, c);
  for (int i = 0; i < 1000; ++i) {
    const std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    EXPECT_TRUE(g.admit(addr(ip.c_str())));
  }
  EXPECT_LE(g.size(), 100u);
  c.enabled = false;
  g.reconfigure(c);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(g.admit(addr("10.0.0.1")));
}

}  // namespace
}  // namespace sip::policy
