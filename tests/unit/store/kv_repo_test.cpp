// The dial plans' key/value store: per-owner isolation, upsert, delete,
// sorted keys, limits, removal with the owner.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using KvRepo = RepoTest;

TEST_P(KvRepo, ValuesArePerOwner) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alpha"));
  const Id b = *s->customers().add(customer("bravo"));
  ASSERT_TRUE(s->kv().put(a, "k2", "one", 10).ok());
  ASSERT_TRUE(s->kv().put(a, "k1", "two", 10).ok());
  ASSERT_TRUE(s->kv().put(a, "k2", "three", 11).ok());  // update
  EXPECT_EQ(s->kv().get(a, "k2")->value_or("?"), "three");
  EXPECT_FALSE(s->kv().get(b, "k2")->has_value()) << "another customer's key";
  EXPECT_EQ(*s->kv().keys(a), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_TRUE(s->kv().keys(b)->empty());
  ASSERT_TRUE(s->kv().remove(a, "k2").ok());
  ASSERT_TRUE(s->kv().remove(a, "absent").ok());
  EXPECT_FALSE(s->kv().get(a, "k2")->has_value());
  ASSERT_TRUE(s->customers().remove(a).ok());
  EXPECT_TRUE(s->kv().keys(a)->empty()) << "keys go with their owner";
}

TEST_P(KvRepo, KeyAndValueLimits) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alpha"));
  EXPECT_EQ(s->kv().put(a, "", "v", 1).error().code, Errc::invalid_argument);
  EXPECT_EQ(s->kv().put(a, std::string(257, 'k'), "v", 1).error().code, Errc::invalid_argument);
  EXPECT_EQ(s->kv().put(a, "k", std::string(10001, 'v'), 1).error().code, Errc::invalid_argument);
  EXPECT_TRUE(s->kv().put(a, "k", std::string(10000, 'v'), 1).ok());
}

TEST_P(KvRepo, ScanReadsOneOwnerOrEveryOwnerInOrder) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alice"));
  const Id b = *s->customers().add(customer("bob"));
  ASSERT_TRUE(s->kv().put(b, "y", "2", 1).ok());
  ASSERT_TRUE(s->kv().put(a, "z", "3", 1).ok());
  ASSERT_TRUE(s->kv().put(a, "B", "1", 1).ok());
  std::vector<std::string> seen;
  auto collect = [&seen](Id owner, const std::string& k, const std::string& v) {
    seen.push_back(std::to_string(owner) + k + v);
    return true;
  };
  ASSERT_TRUE(s->kv().scan(0, collect).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{std::to_string(a) + "B1", std::to_string(a) + "z3",
                                            std::to_string(b) + "y2"}));
  seen.clear();
  ASSERT_TRUE(s->kv().scan(b, collect).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{std::to_string(b) + "y2"}));
}

SIPSMITH_ON_BOTH_BACKENDS(KvRepo);

}  // namespace
}  // namespace sip::store::testing
