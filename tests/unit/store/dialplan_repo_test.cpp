// Dial plans in the SQLite store: CRUD, per-owner case-insensitive names,
// type/size rules, `updated` growing on every update, removal with the owner.
#include "sip/store/validate.hpp"
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using DialPlanRepo = RepoTest;

DialPlan plan(Id owner, std::string name, std::string type = "lua") {
  DialPlan d;
  d.owner_id = owner;
  d.name = std::move(name);
  d.type = std::move(type);
  d.source = "sys.Log('hi')\n";
  return d;
}

TEST_P(DialPlanRepo, AddGetFindUpdateRemove) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id owner = *s->customers().add(customer("demo"));
  DialPlan d = plan(owner, "Default.Out");
  d.description = "outgoing";
  auto id = s->dialplans().add(d);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto got = s->dialplans().get(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->source, "sys.Log('hi')\n");
  EXPECT_EQ(got->description, "outgoing");
  EXPECT_GT(got->created, 0);
  EXPECT_EQ(got->updated, got->created);
  EXPECT_EQ(s->dialplans().find(owner, "default.out")->id, *id);
  EXPECT_EQ(s->dialplans().find(owner, "nope").error().code, Errc::not_found);

  // Two updates in the same second still move `updated`.
  got->source = "sys.Log('one')";
  got->updated = 0;
  ASSERT_TRUE(s->dialplans().update(*got).ok());
  const auto first = s->dialplans().get(*id)->updated;
  EXPECT_GT(first, got->created);
  got->source = "sys.Log('two')";
  ASSERT_TRUE(s->dialplans().update(*got).ok());
  const auto second = *s->dialplans().get(*id);
  EXPECT_GT(second.updated, first);
  EXPECT_EQ(second.source, "sys.Log('two')");

  ASSERT_TRUE(s->dialplans().remove(*id).ok());
  EXPECT_EQ(s->dialplans().get(*id).error().code, Errc::not_found);
  EXPECT_EQ(s->dialplans().remove(*id).error().code, Errc::not_found);
}

TEST_P(DialPlanRepo, NamesTypesAndSizes) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alice"));
  const Id b = *s->customers().add(customer("bob"));
  ASSERT_TRUE(s->dialplans().add(plan(a, "main")).ok());
  EXPECT_EQ(s->dialplans().add(plan(a, "MAIN")).error().code, Errc::conflict);
  EXPECT_TRUE(s->dialplans().add(plan(b, "MAIN", "wizard")).ok());
  EXPECT_TRUE(s->dialplans().add(plan(a, "ds", "dialstring")).ok());
  EXPECT_EQ(s->dialplans().add(plan(a, "x", "python")).error().code, Errc::invalid_argument);
  EXPECT_EQ(s->dialplans().add(plan(a, "bad name")).error().code, Errc::invalid_argument);
  EXPECT_EQ(s->dialplans().add(plan(a, "")).error().code, Errc::invalid_argument);
  EXPECT_EQ(s->dialplans().add(plan(4242, "orphan")).error().code, Errc::invalid_argument);
  DialPlan big = plan(a, "big");
  big.source.assign(kMaxDialPlanSource + 1, 'x');
  EXPECT_EQ(s->dialplans().add(big).error().code, Errc::invalid_argument);
  big.source.resize(kMaxDialPlanSource);
  EXPECT_TRUE(s->dialplans().add(big).ok());

  auto all = s->dialplans().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].name, "big");
  EXPECT_EQ((*all)[1].name, "ds");
  EXPECT_EQ((*all)[2].name, "main");
  EXPECT_EQ((*all)[3].owner_id, b);
  EXPECT_EQ(s->dialplans().list(b)->size(), 1u);
}

TEST_P(DialPlanRepo, RemovedWithTheirCustomerAndInsideTransactions) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alice"));
  ASSERT_TRUE(s->dialplans().add(plan(a, "one")).ok());
  // A failed transaction leaves nothing behind.
  auto r = s->transaction([&]() -> Result<void> {
    if (auto id = s->dialplans().add(plan(a, "two")); !id) return id.error();
    return make_error(Errc::invalid_argument, 0, "abort");
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(s->dialplans().list(a)->size(), 1u);
  ASSERT_TRUE(s->customers().remove(a).ok());
  EXPECT_EQ(s->dialplans().list()->size(), 0u);
}

SIPSMITH_ON_BOTH_BACKENDS(DialPlanRepo);

}  // namespace
}  // namespace sip::store::testing
