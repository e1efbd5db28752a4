#include "sip/transport/address.hpp"

#include <gtest/gtest.h>

namespace sip::transport {
namespace {

TEST(SocketAddressTest, ParseAndFormat) {
  auto a = SocketAddress::parse("192.0.2.1:5070");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(a->port, 5070);
  EXPECT_EQ(a->to_string(), "192.0.2.1:5070");
  auto b = SocketAddress::parse("[2001:db8::1]:5061");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->v6);
  EXPECT_EQ(b->ip_string(), "2001:db8::1");
  EXPECT_EQ(b->host_string(), "[2001:db8::1]");
  EXPECT_EQ(b->to_string(), "[2001:db8::1]:5061");
  EXPECT_EQ(SocketAddress::parse("::1", 5060)->to_string(), "[::1]:5060");
  EXPECT_EQ(SocketAddress::parse("127.0.0.1", 5060)->port, 5060);
  EXPECT_FALSE(SocketAddress::parse("example.com:5060"));
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4:70000"));
  EXPECT_FALSE(SocketAddress::parse("[::1"));
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4:"));
}

TEST(SocketAddressTest, LoopbackAndOrdering) {
  EXPECT_TRUE(SocketAddress::parse("127.0.0.2:1")->is_loopback());
  EXPECT_TRUE(SocketAddress::parse("[::1]:1")->is_loopback());
  EXPECT_FALSE(SocketAddress::parse("[::2]:1")->is_loopback());
  EXPECT_TRUE(SocketAddress::parse("0.0.0.0:0")->is_unspecified());
  EXPECT_LT(*SocketAddress::parse("1.1.1.1:1"), *SocketAddress::parse("1.1.1.1:2"));
  EXPECT_EQ(*SocketAddress::parse("1.1.1.1:1"), *SocketAddress::parse("1.1.1.1:1"));
}

TEST(KindTest, Names) {
  EXPECT_EQ(kind_name(Kind::Tls), "TLS");
  EXPECT_EQ(kind_from_name("tcp"), Kind::Tcp);
  EXPECT_FALSE(kind_from_name("sctp"));
  EXPECT_TRUE(is_reliable(Kind::Tcp));
  EXPECT_FALSE(is_reliable(Kind::Udp));
  EXPECT_EQ(default_port(Kind::Tls), 5061);
}

}  // namespace
}  // namespace sip::transport
