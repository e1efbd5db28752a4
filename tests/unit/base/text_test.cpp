#include "sip/base/text.hpp"

#include <gtest/gtest.h>

namespace sip {
namespace {

TEST(Text, TokenChars) {
  EXPECT_TRUE(is_token("!interesting-Method0123456789_*+`.%indeed'~"));
  EXPECT_FALSE(is_token("a b"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("a,b"));
  EXPECT_FALSE(is_token("a\"b"));
}

TEST(Text, TrimLws) {
  EXPECT_EQ(trim_lws(" \t a b \r\n "), "a b");
  EXPECT_EQ(trim_lws("   "), "");
  EXPECT_EQ(trim_lws_left("  x "), "x ");
  EXPECT_EQ(trim_lws_right("  x "), "  x");
}

TEST(Text, ParseUintBounds) {
  EXPECT_EQ(parse_uint("0009"), 9u);
  EXPECT_EQ(parse_uint("4294967295", 0xFFFFFFFFu), 4294967295u);
  EXPECT_FALSE(parse_uint("4294967296", 0xFFFFFFFFu));
  EXPECT_FALSE(parse_uint("36893488147419103232"));  // > 2^64
  EXPECT_FALSE(parse_uint("-1"));
  EXPECT_FALSE(parse_uint(""));
  EXPECT_FALSE(parse_uint("1 2"));
  EXPECT_EQ(parse_uint("18446744073709551615"), UINT64_MAX);
}

TEST(Text, QuotedStrings) {
  EXPECT_EQ(quoted_string_length("\"abc\" rest"), 5u);
  EXPECT_EQ(quoted_string_length(R"("a\"b")"), 6u);
  EXPECT_EQ(quoted_string_length(R"("J Rosenberg \\\"")"), 18u);
  EXPECT_EQ(quoted_string_length("\"open"), 0u);
  EXPECT_EQ(quoted_string_length("\"ends in backslash\\"), 0u);
}

TEST(Text, FindUnquoted) {
  EXPECT_EQ(find_unquoted(R"("a,b" <sip:x,y@h>, next)", ','), 17u);
  EXPECT_EQ(find_unquoted("abc", ','), std::string_view::npos);
  EXPECT_EQ(find_unquoted("\"unterminated, x", ','), std::string_view::npos);
}

}  // namespace
}  // namespace sip
