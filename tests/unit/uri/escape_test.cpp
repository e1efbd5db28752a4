// %-escaping: unescape, escape per component, escaped_equal.
#include "sip/uri/escape.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sip::uri {
namespace {

const Component kAll[] = {Component::User, Component::Password, Component::Param,
                          Component::Header};

TEST(Escape, Unescape) {
  EXPECT_EQ(unescape("%61lice"), "alice");
  EXPECT_EQ(unescape("a%2fb%2F"), "a/b/");
  EXPECT_EQ(unescape("null-%00-null"), std::string("null-\0-null", 11));
  EXPECT_EQ(unescape("%Z1%4%"), "%Z1%4%");  // invalid escapes stay literal
  EXPECT_EQ(unescape("%%41"), "%A");
  EXPECT_EQ(unescape("%FF"), "\xff");
  EXPECT_EQ(unescape(""), "");
}

TEST(Escape, EscapePerComponent) {
  EXPECT_EQ(escape("alice smith", Component::User), "alice%20smith");
  EXPECT_EQ(escape("a;b?c/d&e=f+g$h,i", Component::User), "a;b?c/d&e=f+g$h,i");
  EXPECT_EQ(escape("a;b?c/d&e=f+g$h,i", Component::Password), "a%3Bb%3Fc%2Fd&e=f+g$h,i");
  EXPECT_EQ(escape("[::1]/a:b&c+d$e;f=g", Component::Param), "[::1]/a:b&c+d$e%3Bf%3Dg");
  EXPECT_EQ(escape("[x]/?:+$&=", Component::Header), "[x]/?:+$%26%3D");
  EXPECT_EQ(escape("-_.!~*'()", Component::Header), "-_.!~*'()");
  EXPECT_EQ(escape("%", Component::User), "%25");
  EXPECT_EQ(escape("@<>\"", Component::User), "%40%3C%3E%22");
  EXPECT_EQ(escape(std::string("\0\xff", 2), Component::Param), "%00%FF");
  EXPECT_EQ(escape("", Component::User), "");
}

TEST(Escape, IsAllowedMatchesSets) {
  EXPECT_TRUE(is_allowed('?', Component::User));
  EXPECT_FALSE(is_allowed('?', Component::Password));
  EXPECT_FALSE(is_allowed('?', Component::Param));
  EXPECT_TRUE(is_allowed('?', Component::Header));
  EXPECT_TRUE(is_allowed(':', Component::Param));
  EXPECT_FALSE(is_allowed(':', Component::User));
  EXPECT_FALSE(is_allowed('&', Component::Header));
  EXPECT_FALSE(is_allowed('\0', Component::User));
  EXPECT_FALSE(is_allowed('%', Component::Header));
  EXPECT_TRUE(is_allowed('~', Component::Password));
}

TEST(Escape, RoundTripEveryByteInEveryComponent) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (Component component : kAll) {
    const std::string e = escape(all, component);
    EXPECT_EQ(unescape(e), all);
    EXPECT_TRUE(escaped_equal(e, all, false));
    for (char c : e) EXPECT_TRUE(c == '%' || is_allowed(c, component)) << static_cast<int>(c);
  }
}

TEST(Escape, EscapedEqual) {
  EXPECT_TRUE(escaped_equal("%61lice", "alice", false));
  EXPECT_TRUE(escaped_equal("alice", "%61%6c%69%63%65", false));
  EXPECT_FALSE(escaped_equal("ALICE", "alice", false));
  EXPECT_TRUE(escaped_equal("ALICE", "alice", true));
  EXPECT_TRUE(escaped_equal("%41", "a", true));
  EXPECT_FALSE(escaped_equal("%41", "a", false));
  EXPECT_TRUE(escaped_equal("a%2", "a%2", false));  // invalid escapes compare literally
  EXPECT_FALSE(escaped_equal("a%2", "a%20", false));
  EXPECT_FALSE(escaped_equal("a", "ab", false));
  EXPECT_FALSE(escaped_equal("ab", "a", true));
  EXPECT_TRUE(escaped_equal("", "", false));
  EXPECT_FALSE(escaped_equal("%00", "", false));
  EXPECT_TRUE(escaped_equal("%00", std::string_view("\0", 1), false));
  EXPECT_TRUE(escaped_equal("project%20x", "project x", false));
}

TEST(Escape, DecodeStepReportsEscapes) {
  const std::string_view s = "a%41%4";
  std::size_t i = 0;
  bool escaped = true;
  EXPECT_EQ(decode_step(s, i, escaped), 'a');
  EXPECT_FALSE(escaped);
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(decode_step(s, i, escaped), 'A');
  EXPECT_TRUE(escaped);
  EXPECT_EQ(i, 4u);
  EXPECT_EQ(decode_step(s, i, escaped), '%');
  EXPECT_FALSE(escaped);
  EXPECT_EQ(i, 5u);
}

}  // namespace
}  // namespace sip::uri
