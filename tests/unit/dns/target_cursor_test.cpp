#include <gtest/gtest.h>

#include "sip/dns/target.hpp"

namespace sip::dns {
namespace {

Target target(const char* ip, std::uint16_t port) {
  return Target{transport::Kind::Udp, *transport::SocketAddress::from_ip(ip, port), "x", 60};
}

TEST(DnsTargetCursor, WalksInOrderUntilExhausted) {
  TargetCursor c({target("192.0.2.1", 5060), target("192.0.2.2", 5060)});
  ASSERT_NE(c.current(), nullptr);
  EXPECT_EQ(c.current()->to_string(), "UDP 192.0.2.1:5060");
  EXPECT_EQ(c.remaining(), 2u);
  EXPECT_TRUE(c.next());
  EXPECT_EQ(c.current()->to_string(), "UDP 192.0.2.2:5060");
  EXPECT_EQ(c.index(), 1u);
  EXPECT_FALSE(c.next());
  EXPECT_TRUE(c.exhausted());
  EXPECT_EQ(c.current(), nullptr);
  EXPECT_EQ(c.remaining(), 0u);
  EXPECT_FALSE(c.next());  // stays exhausted
  c.reset({target("192.0.2.3", 5070)});
  ASSERT_NE(c.current(), nullptr);
  EXPECT_EQ(c.current()->to_string(), "UDP 192.0.2.3:5070");
}

TEST(DnsTargetCursor, EmptyListIsExhausted) {
  TargetCursor c;
  EXPECT_TRUE(c.exhausted());
  EXPECT_EQ(c.current(), nullptr);
  EXPECT_FALSE(c.next());
}

}  // namespace
}  // namespace sip::dns
