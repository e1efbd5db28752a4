#include "sip/dns/wire.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <vector>

namespace sip::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

void u16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void u32(Bytes& b, std::uint32_t v) {
  u16(b, static_cast<std::uint16_t>(v >> 16));
  u16(b, static_cast<std::uint16_t>(v));
}

// Header + question "ex.t" type A.
Bytes message(std::uint16_t an, std::uint16_t ns) {
  Bytes b;
  u16(b, 0x1234);
  u16(b, 0x8180);
  u16(b, 1);
  u16(b, an);
  u16(b, ns);
  u16(b, 0);
  const std::uint8_t name[] = {2, 'e', 'x', 1, 't', 0};
  b.insert(b.end(), std::begin(name), std::end(name));
  u16(b, 1);
  u16(b, 1);
  return b;
}

void a_record(Bytes& b, std::uint32_t ttl) {
  u16(b, 0xC00C);  // pointer to the question name
  u16(b, 1);
  u16(b, 1);
  u32(b, ttl);
  u16(b, 4);
  const std::uint8_t ip[] = {192, 0, 2, 1};
  b.insert(b.end(), std::begin(ip), std::end(ip));
}

void soa_record(Bytes& b, std::uint32_t ttl, std::uint32_t minimum) {
  u16(b, 0xC00C);
  u16(b, 6);
  u16(b, 1);
  u32(b, ttl);
  u16(b, 2 + 2 + 20);
  u16(b, 0xC00C);  // mname
  u16(b, 0xC00C);  // rname
  for (int i = 0; i < 4; ++i) u32(b, 1);
  u32(b, minimum);
}

TEST(DnsWire, SmallestAnswerTtl) {
  Bytes b = message(3, 0);
  a_record(b, 300);
  a_record(b, 60);
  a_record(b, 0x80000000u);  // top bit set: RFC 2181 says zero
  const auto t = scan_ttls(b);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.answer_min, 0u);
  EXPECT_FALSE(t.negative);
}

TEST(DnsWire, NegativeTtlFromSoa) {
  Bytes b = message(0, 1);
  soa_record(b, 3600, 45);
  auto t = scan_ttls(b);
  ASSERT_TRUE(t.ok);
  EXPECT_FALSE(t.answer_min);
  EXPECT_EQ(t.negative, 45u);
  b = message(0, 1);
  soa_record(b, 20, 45);
  EXPECT_EQ(scan_ttls(b).negative, 20u);
}

TEST(DnsWire, TruncatedOrHostileInputIsRejected) {
  Bytes b = message(1, 0);
  a_record(b, 60);
  for (std::size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(scan_ttls(std::span<const std::uint8_t>(b.data(), n)).ok) << n;
  }
  Bytes bad = message(1, 0);
  bad.push_back(0x80);  // reserved label type
  EXPECT_FALSE(scan_ttls(bad).ok);
  Bytes many = message(0, 0);
  many[5] = 2;  // one more question than present
  EXPECT_FALSE(scan_ttls(many).ok);
}

}  // namespace
}  // namespace sip::dns
