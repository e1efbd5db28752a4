#include "sip/dns/cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace sip::dns {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

AnswerPtr answer(AnswerStatus status, std::uint32_t ttl) {
  auto a = std::make_shared<Answer>();
  a->status = status;
  a->ttl = ttl;
  return a;
}

TEST(DnsCache, EffectiveTtlCapsAndNegativeDefaults) {
  ManualClock clock;
  const Cache cache(clock, CacheLimits{16, 600, 30});
  EXPECT_EQ(cache.effective_ttl(AnswerStatus::Ok, 120), 120u);
  EXPECT_EQ(cache.effective_ttl(AnswerStatus::Ok, 86400), 600u);
  EXPECT_EQ(cache.effective_ttl(AnswerStatus::NxDomain, std::nullopt), 30u);
  EXPECT_EQ(cache.effective_ttl(AnswerStatus::NoData, 5), 5u);      // SOA says less
  EXPECT_EQ(cache.effective_ttl(AnswerStatus::NoData, 3600), 30u);  // capped
  EXPECT_EQ(cache.effective_ttl(AnswerStatus::Timeout, 100), 0u);
}

TEST(DnsCache, HitUntilTtlExpiresWithTimeLeft) {
  ManualClock clock;
  Cache cache(clock, CacheLimits{});
  cache.insert(RecordType::Srv, "_sip._udp.Example.COM", answer(AnswerStatus::Ok, 60));
  auto hit = cache.find(RecordType::Srv, "_sip._udp.example.com.");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->ttl, 60u);
  EXPECT_FALSE(cache.find(RecordType::A, "_sip._udp.example.com"));  // type is part of the key
  clock.advance(seconds(59) + milliseconds(500));
  hit = cache.find(RecordType::Srv, "_sip._udp.example.com");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->ttl, 1u);
  clock.advance(milliseconds(500));
  EXPECT_FALSE(cache.find(RecordType::Srv, "_sip._udp.example.com"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCache, NegativeAnswersCachedFailuresNot) {
  ManualClock clock;
  Cache cache(clock, CacheLimits{});
  cache.insert(RecordType::A, "nx.example", answer(AnswerStatus::NxDomain, 30));
  cache.insert(RecordType::A, "to.example", answer(AnswerStatus::Timeout, 30));
  cache.insert(RecordType::A, "zero.example", answer(AnswerStatus::Ok, 0));
  ASSERT_TRUE(cache.find(RecordType::A, "nx.example"));
  EXPECT_EQ(cache.find(RecordType::A, "nx.example")->status, AnswerStatus::NxDomain);
  EXPECT_FALSE(cache.find(RecordType::A, "to.example"));
  EXPECT_FALSE(cache.find(RecordType::A, "zero.example"));
  clock.advance(seconds(30));
  EXPECT_FALSE(cache.find(RecordType::A, "nx.example"));
}

TEST(DnsCache, EvictsLeastRecentlyUsed) {
  ManualClock clock;
  Cache cache(clock, CacheLimits{2, 3600, 30});
  cache.insert(RecordType::A, "one", answer(AnswerStatus::Ok, 60));
  cache.insert(RecordType::A, "two", answer(AnswerStatus::Ok, 60));
  ASSERT_TRUE(cache.find(RecordType::A, "one"));  // "two" is now the oldest
  cache.insert(RecordType::A, "three", answer(AnswerStatus::Ok, 60));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find(RecordType::A, "one"));
  EXPECT_FALSE(cache.find(RecordType::A, "two"));
  EXPECT_TRUE(cache.find(RecordType::A, "three"));
}

TEST(DnsCache, ReplacingAnEntryResetsItsExpiry) {
  ManualClock clock;
  Cache cache(clock, CacheLimits{});
  cache.insert(RecordType::A, "one", answer(AnswerStatus::Ok, 10));
  clock.advance(seconds(8));
  cache.insert(RecordType::A, "one", answer(AnswerStatus::Ok, 10));
  clock.advance(seconds(8));
  ASSERT_TRUE(cache.find(RecordType::A, "one"));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(DnsCache, ZeroEntriesDisablesCaching) {
  ManualClock clock;
  Cache cache(clock, CacheLimits{0, 3600, 30});
  cache.insert(RecordType::A, "one", answer(AnswerStatus::Ok, 60));
  EXPECT_FALSE(cache.find(RecordType::A, "one"));
}

}  // namespace
}  // namespace sip::dns
