// Stateless nonces: valid, stale, invalid, tampered, bound to realm and client.
#include "sip/auth/nonce_service.hpp"

#include <gtest/gtest.h>

#include <set>

#include "sip/auth/nonce_counter.hpp"

namespace sip::auth {
namespace {

using std::chrono::seconds;

constexpr NonceService::Secret kSecret = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                          12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                          23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

char flip(char c) {
  return c == 'A' ? 'B' : 'A';
}

TEST(NonceService, WellFormedAndUnique) {
  ManualClock clock;
  NonceService svc(clock);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto n = svc.issue("atlanta.com");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->size(), NonceService::kNonceLength);
    EXPECT_EQ(
        n->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    seen.insert(*n);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(NonceService, ValidThenStaleAfterLifetime) {
  ManualClock clock;
  NonceService svc(clock, seconds(30));
  const std::string n = *svc.issue("atlanta.com");
  EXPECT_EQ(svc.verify(n, "atlanta.com"), NonceStatus::Valid);
  clock.advance(seconds(30));
  EXPECT_EQ(svc.verify(n, "atlanta.com"), NonceStatus::Valid);
  clock.advance(seconds(1));
  EXPECT_EQ(svc.verify(n, "atlanta.com"), NonceStatus::Stale);
  // Still stale, never invalid, long after.
  clock.advance(seconds(86400));
  EXPECT_EQ(svc.verify(n, "atlanta.com"), NonceStatus::Stale);
}

TEST(NonceService, BoundToRealmAndClient) {
  ManualClock clock;
  NonceService svc(clock);
  const std::string n = *svc.issue("atlanta.com", "192.0.2.7");
  EXPECT_EQ(svc.verify(n, "atlanta.com", "192.0.2.7"), NonceStatus::Valid);
  EXPECT_EQ(svc.verify(n, "biloxi.com", "192.0.2.7"), NonceStatus::Invalid);
  EXPECT_EQ(svc.verify(n, "atlanta.com", "192.0.2.8"), NonceStatus::Invalid);
  EXPECT_EQ(svc.verify(n, "atlanta.com"), NonceStatus::Invalid);
  // Length prefixes keep realm and address apart.
  const std::string m = *svc.issue("ab", "c");
  EXPECT_EQ(svc.verify(m, "a", "bc"), NonceStatus::Invalid);
}

TEST(NonceService, InvalidWhenMalformedOrTampered) {
  ManualClock clock;
  NonceService svc(clock);
  const std::string n = *svc.issue("r");
  EXPECT_EQ(svc.verify("", "r"), NonceStatus::Invalid);
  EXPECT_EQ(svc.verify("abc", "r"), NonceStatus::Invalid);
  EXPECT_EQ(svc.verify(n + "A", "r"), NonceStatus::Invalid);
  EXPECT_EQ(svc.verify(n.substr(1), "r"), NonceStatus::Invalid);
  std::string bad_char = n;
  bad_char[10] = '+';
  EXPECT_EQ(svc.verify(bad_char, "r"), NonceStatus::Invalid);
  // One character changed in the timestamp, the random part and the MAC.
  for (std::size_t at : {std::size_t{2}, std::size_t{20}, std::size_t{60}}) {
    std::string t = n;
    t[at] = flip(t[at]);
    EXPECT_EQ(svc.verify(t, "r"), NonceStatus::Invalid) << at;
  }
  // Non-canonical last character (unused low bits set) decodes to the same
  // bytes but is not what we issued.
  std::string last = n;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto v = alphabet.find(last.back());
  last.back() = alphabet[v ^ 1];
  EXPECT_EQ(svc.verify(last, "r"), NonceStatus::Invalid);
}

TEST(NonceService, SecretDecides) {
  ManualClock clock;
  NonceService a(clock, seconds(60), kSecret);
  NonceService b(clock, seconds(60), kSecret);
  NonceService other(clock);
  const std::string n = *a.issue("r");
  EXPECT_EQ(b.verify(n, "r"), NonceStatus::Valid);
  EXPECT_EQ(other.verify(n, "r"), NonceStatus::Invalid);
}

TEST(NonceService, TimestampFromTheFuture) {
  ManualClock early(1'700'000'000);
  ManualClock late(1'700'000'000 + 60);
  NonceService issuer(late, seconds(300), kSecret);
  NonceService checker(early, seconds(300), kSecret);
  const std::string n = *issuer.issue("r");
  EXPECT_EQ(checker.verify(n, "r"), NonceStatus::Stale);
  early.advance(seconds(60) - NonceService::kMaxClockSkew);
  EXPECT_EQ(checker.verify(n, "r"), NonceStatus::Valid);
}

TEST(NonceService, StatusNames) {
  EXPECT_EQ(nonce_status_name(NonceStatus::Valid), "valid");
  EXPECT_EQ(nonce_status_name(NonceStatus::Stale), "stale");
  EXPECT_EQ(nonce_status_name(NonceStatus::Invalid), "invalid");
}

TEST(NonceCounter, CountsPerNonceAndForgetsOldest) {
  NonceCounter nc;
  EXPECT_EQ(nc.next("a"), 1u);
  EXPECT_EQ(nc.next("a"), 2u);
  EXPECT_EQ(nc.next("b"), 1u);
  EXPECT_EQ(nc.next("a"), 3u);
  EXPECT_EQ(nc.current("a"), 3u);
  EXPECT_EQ(nc.current("zzz"), 0u);
  for (int i = 0; i < static_cast<int>(NonceCounter::kMaxNonces); ++i)
    nc.next("x" + std::to_string(i));
  EXPECT_EQ(nc.current("a"), 0u);
  EXPECT_EQ(nc.next("a"), 1u);
  nc.clear();
  EXPECT_EQ(nc.current("a"), 0u);
}

}  // namespace
}  // namespace sip::auth
