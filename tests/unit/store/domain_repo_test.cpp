// Domains and aliases in a real SQLite file: names and aliases unique across
// both, lower-cased, find by either, removal refused while accounts use it.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using DomainRepo = RepoTest;

TEST_P(DomainRepo, AddFindByNameOrAliasListUpdate) {
  auto s = open();
  ASSERT_TRUE(s);
  Domain d = domain("SipSmith.Test");
  d.aliases = {"Local", "192.0.2.10"};
  auto id = s->domains().add(d);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto by_name = s->domains().find("SIPSMITH.test");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, *id);
  EXPECT_EQ(by_name->name, "sipsmith.test");
  EXPECT_EQ(by_name->aliases, (std::vector<std::string>{"192.0.2.10", "local"}));
  EXPECT_EQ(by_name->owner_id, 0);
  EXPECT_GT(by_name->created, 0);
  auto by_alias = s->domains().find("LOCAL");
  ASSERT_TRUE(by_alias.ok());
  EXPECT_EQ(by_alias->id, *id);
  EXPECT_EQ(s->domains().find("other.test").error().code, Errc::not_found);

  ASSERT_TRUE(s->domains().add(domain("a.test")).ok());
  auto all = s->domains().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a.test");
  EXPECT_TRUE((*all)[0].aliases.empty());
  EXPECT_EQ((*all)[1].aliases.size(), 2u);

  Domain renamed = *by_name;
  renamed.name = "new.test";
  renamed.aliases = {"local", "extra.test"};
  ASSERT_TRUE(s->domains().update(renamed).ok());
  EXPECT_EQ(s->domains().find("sipsmith.test").error().code, Errc::not_found);
  EXPECT_EQ(s->domains().find("192.0.2.10").error().code, Errc::not_found);
  auto after = s->domains().find("extra.test");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->name, "new.test");
  EXPECT_EQ(after->aliases, (std::vector<std::string>{"extra.test", "local"}));
}

TEST_P(DomainRepo, NamesAndAliasesAreUniqueAcrossBoth) {
  auto s = open();
  ASSERT_TRUE(s);
  Domain first = domain("one.test");
  first.aliases = {"local"};
  ASSERT_TRUE(s->domains().add(first).ok());

  EXPECT_EQ(s->domains().add(domain("ONE.test")).error().code, Errc::conflict);  // name/name
  EXPECT_EQ(s->domains().add(domain("local")).error().code, Errc::conflict);     // name/alias
  Domain alias_clash = domain("two.test");
  alias_clash.aliases = {"local"};  // alias/alias
  EXPECT_EQ(s->domains().add(alias_clash).error().code, Errc::conflict);
  alias_clash.aliases = {"one.test"};  // alias/name
  EXPECT_EQ(s->domains().add(alias_clash).error().code, Errc::conflict);
  // A failed add leaves nothing behind.
  EXPECT_EQ(s->domains().find("two.test").error().code, Errc::not_found);

  Domain self_alias = domain("three.test");
  self_alias.aliases = {"three.test"};
  EXPECT_EQ(s->domains().add(self_alias).error().code, Errc::invalid_argument);
  self_alias.aliases = {"x.test", "X.test"};
  EXPECT_EQ(s->domains().add(self_alias).error().code, Errc::invalid_argument);

  auto two = s->domains().add(domain("two.test"));
  ASSERT_TRUE(two.ok());
  Domain update = *s->domains().find("two.test");
  update.aliases = {"local"};
  EXPECT_EQ(s->domains().update(update).error().code, Errc::conflict);
  update.aliases = {};
  update.name = "one.test";
  EXPECT_EQ(s->domains().update(update).error().code, Errc::conflict);
  // Keeping its own name and aliases is not a clash with itself.
  Domain same = *s->domains().find("one.test");
  EXPECT_TRUE(s->domains().update(same).ok());
}

TEST_P(DomainRepo, RejectsBadHostNamesAndUnknownOwners) {
  auto s = open();
  ASSERT_TRUE(s);
  for (const char* bad : {"", "has space.test", "-lead.test", "trail-.test", "a..b", "dot.",
                          "under_score.test", "x:5060"}) {
    auto r = s->domains().add(domain(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
  }
  Domain bad_alias = domain("ok.test");
  bad_alias.aliases = {"bad alias"};
  EXPECT_EQ(s->domains().add(bad_alias).error().code, Errc::invalid_argument);
  EXPECT_EQ(s->domains().add(domain("owned.test", 42)).error().code, Errc::invalid_argument);
  EXPECT_TRUE(s->domains().add(domain("[2001:db8::1]")).ok());
}

TEST_P(DomainRepo, RemoveRefusedWhileAccountsUseItAndUnknownIdsNotFound) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  auto r = s->domains().remove(base.domain);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_TRUE(s->domains().find("sipsmith.test").ok());
  ASSERT_TRUE(s->accounts().remove(base.account).ok());
  EXPECT_TRUE(s->domains().remove(base.domain).ok());
  EXPECT_EQ(s->domains().find("sipsmith.test").error().code, Errc::not_found);
  EXPECT_EQ(s->domains().remove(base.domain).error().code, Errc::not_found);
  Domain ghost = domain("ghost.test");
  ghost.id = 999;
  EXPECT_EQ(s->domains().update(ghost).error().code, Errc::not_found);
}

SIPSMITH_ON_BOTH_BACKENDS(DomainRepo);

}  // namespace
}  // namespace sip::store::testing
