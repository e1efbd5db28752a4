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

namespace sip::auth {
namespace {

std::string hex_of(const HmacSha256& h) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : h) {
    s.push_back(d[b >> 4]);
    s.push_back(d[b & 15]);
  }
  return s;
}

std::span<const std::uint8_t> bytes_of(std::string_view v) {
  return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size()};
}

// RFC 4231 test cases 2 and 6 (key shorter than and longer than a block),
// and agreement with the one-shot hmac_sha256 over split input.
TEST(HmacSha256Key, MatchesRfc4231AndTheOneShotHmac) {
  HmacSha256 out{};
  HmacSha256Key jefe(bytes_of("Jefe"));
  ASSERT_TRUE(jefe.ok());
  ASSERT_TRUE(jefe.mac({bytes_of("what do ya want "), bytes_of("for nothing?")}, out));
  EXPECT_EQ(hex_of(out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  const std::string long_key(131, '\xaa');
  HmacSha256Key big(bytes_of(long_key));
  ASSERT_TRUE(big.mac({bytes_of("Test Using Larger Than Block-Size Key - Hash Key First")}, out));
  EXPECT_EQ(hex_of(out), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

  HmacSha256 one_shot{};
  const std::string data = "stamp-random|realm|ip";
  ASSERT_TRUE(hmac_sha256(bytes_of("Jefe"), bytes_of(data), one_shot));
  ASSERT_TRUE(jefe.mac({bytes_of("stamp-"), bytes_of(""), bytes_of("random|realm|ip")}, out));
  EXPECT_EQ(out, one_shot);
}

}  // namespace
}  // namespace sip::auth
