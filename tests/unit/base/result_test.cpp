#include "sip/base/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sip {
namespace {

Result<int> half(int v) {
  if (v % 2) return make_error(Errc::bad_value, 3, "odd");
  return v / 2;
}

TEST(Result, HoldsValueOrError) {
  auto a = half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  auto b = half(7);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::bad_value);
  EXPECT_EQ(b.error().offset, 3u);
  EXPECT_EQ(b.error().to_string(), "bad_value at 3: odd");
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(Result, VoidAndNames) {
  Result<void> ok;
  EXPECT_TRUE(ok);
  Result<void> bad = make_error(Errc::truncated, 0);
  EXPECT_FALSE(bad);
  EXPECT_STREQ(errc_name(Errc::line_too_long), "line_too_long");
  EXPECT_EQ(bad.error().to_string(), "truncated at 0: input ends before the message is complete");
}

}  // namespace
}  // namespace sip
