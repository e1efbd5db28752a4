#include "sip/base/ci.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sip {
namespace {

TEST(Ci, EqualFoldsAsciiOnly) {
  EXPECT_TRUE(ci_equal("Call-ID", "call-id"));
  EXPECT_TRUE(ci_equal("", ""));
  EXPECT_FALSE(ci_equal("Call-ID", "Call-IDs"));
  EXPECT_FALSE(ci_equal("\xC3\x89", "\xC3\xA9"));  // no Unicode folding
}

TEST(Ci, CompareOrdersLikeLowerCase) {
  EXPECT_LT(ci_compare("abc", "ABD"), 0);
  EXPECT_GT(ci_compare("b", "A"), 0);
  EXPECT_EQ(ci_compare("Via", "vIA"), 0);
  EXPECT_LT(ci_compare("ab", "abc"), 0);
}

TEST(Ci, HashAgreesWithEquality) {
  EXPECT_EQ(CiHash{}("Content-Length"), CiHash{}("content-length"));
  EXPECT_NE(CiHash{}("To"), CiHash{}("From"));
  std::set<std::string, CiLess> s{"Via", "VIA", "via"};
  EXPECT_EQ(s.size(), 1u);
}

TEST(Ci, StartsWith) {
  EXPECT_TRUE(ci_starts_with("SIPS:alice", "sips:"));
  EXPECT_FALSE(ci_starts_with("sip", "sips"));
  EXPECT_EQ(to_lower("MiXeD-1"), "mixed-1");
}

}  // namespace
}  // namespace sip
