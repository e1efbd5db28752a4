#include "sip/base/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace sip {
namespace {

bool all_alnum(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}

TEST(Random, TagsAreAlnumAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string t = make_tag();
    ASSERT_EQ(t.size(), 16u);
    ASSERT_TRUE(all_alnum(t)) << t;
    ASSERT_TRUE(seen.insert(t).second) << "duplicate tag " << t;
  }
}

TEST(Random, BranchCarriesMagicCookie) {
  const std::string b = make_branch();
  ASSERT_EQ(b.rfind("z9hG4bK", 0), 0u);
  EXPECT_EQ(b.size(), 7u + 22u);
  EXPECT_TRUE(all_alnum(b.substr(7)));
  EXPECT_NE(make_branch(), b);
}

TEST(Random, CallIdWithAndWithoutHost) {
  const std::string a = make_call_id();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.find('@'), std::string::npos);
  const std::string b = make_call_id("example.com");
  EXPECT_EQ(b.substr(24), "@example.com");
}

TEST(Random, TokenCharactersAreRoughlyUniform) {
  // 62 symbols, 62,000 draws: each should appear ~1000 times. A biased
  // modulo mapping would push the first 8 symbols about 3% higher; a broken
  // generator (constant output) fails at once. Bounds are ~6 sigma wide.
  std::array<int, 128> count{};
  const std::string s = random_token(62000);
  for (char c : s) ++count[static_cast<unsigned char>(c)];
  int distinct = 0;
  for (int c = 0; c < 128; ++c) {
    if (count[c] == 0) continue;
    ++distinct;
    EXPECT_GT(count[c], 800) << static_cast<char>(c);
    EXPECT_LT(count[c], 1200) << static_cast<char>(c);
  }
  EXPECT_EQ(distinct, 62);
}

TEST(Random, BytesLargeAndSmall) {
  std::array<std::uint8_t, 1024> big{};
  random_bytes(big);
  int zeros = 0;
  for (auto b : big) zeros += (b == 0);
  EXPECT_LT(zeros, 30);  // expected ~4
}

}  // namespace
}  // namespace sip
