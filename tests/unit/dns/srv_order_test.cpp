#include "sip/dns/srv_order.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sip::dns {
namespace {

SrvRecord srv(std::uint16_t priority, std::uint16_t weight, std::string target) {
  return SrvRecord{priority, weight, 5060, std::move(target)};
}

std::vector<std::string> names(const std::vector<SrvRecord>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.target);
  return out;
}

TEST(DnsSrvOrder, EmptyInputGivesEmptyOutput) {
  EXPECT_TRUE(order_srv({}, make_random(1)).empty());
}

TEST(DnsSrvOrder, PrioritiesAreStrictlyAscendingForEverySeed) {
  const std::vector<SrvRecord> in = {srv(30, 5, "c1"),  srv(10, 60, "a1"), srv(20, 0, "b1"),
                                     srv(10, 40, "a2"), srv(30, 5, "c2"),  srv(20, 1, "b2")};
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    const auto out = order_srv(in, make_random(seed));
    ASSERT_EQ(out.size(), in.size());
    for (std::size_t i = 1; i < out.size(); ++i) {
      ASSERT_LE(out[i - 1].priority, out[i].priority) << "seed " << seed;
    }
  }
}

TEST(DnsSrvOrder, AllZeroWeightsKeepDnsOrder) {
  const std::vector<SrvRecord> in = {srv(1, 0, "x"), srv(1, 0, "y"), srv(1, 0, "z")};
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    EXPECT_EQ(names(order_srv(in, make_random(seed))), (std::vector<std::string>{"x", "y", "z"}));
  }
}

TEST(DnsSrvOrder, ScriptedRandomPicksByRunningSum) {
  // Weight-0 first in the running sum: [z:0, a:10, b:20] -> sums 0, 10, 30.
  const std::vector<SrvRecord> in = {srv(1, 10, "a"), srv(1, 20, "b"), srv(1, 0, "z")};
  std::vector<std::uint32_t> script = {11, 0, 0};  // 11 -> b; then [z:0, a:10]: 0 -> z; then a
  std::vector<std::uint32_t> bounds;
  std::size_t next = 0;
  const RandomFn scripted = [&](std::uint32_t max_inclusive) {
    bounds.push_back(max_inclusive);
    return script[next++];
  };
  EXPECT_EQ(names(order_srv(in, scripted)), (std::vector<std::string>{"b", "z", "a"}));
  EXPECT_EQ(bounds, (std::vector<std::uint32_t>{30, 10, 10}));
}

TEST(DnsSrvOrder, ZeroWeightIsRarelyFirstBesideWeightedRecords) {
  const std::vector<SrvRecord> in = {srv(1, 0, "zero"), srv(1, 10, "ten")};
  const RandomFn rnd = make_random(7);
  int zero_first = 0;
  constexpr int kRuns = 11000;
  for (int i = 0; i < kRuns; ++i) {
    if (order_srv(in, rnd).front().target == "zero") ++zero_first;
  }
  // P = 1 / (sum + 1) = 1/11 ~ 1000 of 11000.
  EXPECT_GT(zero_first, 700);
  EXPECT_LT(zero_first, 1300);
}

TEST(DnsSrvOrder, FirstPickFollowsWeights) {
  const std::vector<SrvRecord> in = {srv(5, 10, "w10"), srv(5, 30, "w30"), srv(5, 60, "w60")};
  const RandomFn rnd = make_random(12345);
  std::map<std::string, int> first;
  constexpr int kRuns = 20000;
  for (int i = 0; i < kRuns; ++i) ++first[order_srv(in, rnd).front().target];
  EXPECT_NEAR(first["w10"] / double{kRuns}, 0.10, 0.02);
  EXPECT_NEAR(first["w30"] / double{kRuns}, 0.30, 0.02);
  EXPECT_NEAR(first["w60"] / double{kRuns}, 0.60, 0.02);
}

TEST(DnsSrvOrder, SameSeedSameOrder) {
  const std::vector<SrvRecord> in = {srv(1, 10, "a"), srv(1, 10, "b"), srv(1, 10, "c"),
                                     srv(1, 10, "d")};
  EXPECT_EQ(names(order_srv(in, make_random(99))), names(order_srv(in, make_random(99))));
}

}  // namespace
}  // namespace sip::dns
