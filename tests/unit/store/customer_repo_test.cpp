// Customers in a real SQLite file: CRUD, validation, conflicts, cascade.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using CustomerRepo = RepoTest;

TEST_P(CustomerRepo, AddGetFindListUpdate) {
  auto s = open();
  ASSERT_TRUE(s);
  Customer c = customer("Demo.User");
  c.password_hash = "pbkdf2-sha256$1$AAAA$BBBB";
  c.api_key = std::string(64, 'A');
  c.time_zone = "Europe/Dublin";
  c.max_executions = 3;
  c.max_accounts = 7;
  c.admin = true;
  auto id = s->customers().add(c);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_GT(*id, 0);

  auto got = s->customers().get(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->username, "demo.user");  // stored lower case
  EXPECT_EQ(got->password_hash, c.password_hash);
  EXPECT_EQ(got->api_key, std::string(64, 'a'));
  EXPECT_EQ(got->time_zone, "Europe/Dublin");
  EXPECT_EQ(got->max_executions, 3);
  EXPECT_EQ(got->max_accounts, 7);
  EXPECT_TRUE(got->admin);
  EXPECT_FALSE(got->disabled);
  EXPECT_GT(got->created, 1600000000);  // 0 means now

  auto by_name = s->customers().find("DEMO.user");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, *id);
  auto by_key = s->customers().find_by_api_key(std::string(64, 'a'));
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(by_key->id, *id);
  EXPECT_EQ(s->customers().find_by_api_key("").error().code, Errc::not_found);

  ASSERT_TRUE(s->customers().add(customer("alice")).ok());
  auto all = s->customers().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].username, "alice");  // ordered by username
  EXPECT_EQ((*all)[1].username, "demo.user");

  Customer changed = *got;
  changed.disabled = true;
  changed.time_zone = "UTC";
  changed.max_accounts = 1;
  ASSERT_TRUE(s->customers().update(changed).ok());
  auto again = s->customers().get(*id);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->disabled);
  EXPECT_EQ(again->time_zone, "UTC");
  EXPECT_EQ(again->max_accounts, 1);
  EXPECT_EQ(again->created, got->created);
}

TEST_P(CustomerRepo, RejectsInvalidUsernamesAndFields) {
  auto s = open();
  ASSERT_TRUE(s);
  for (const char* bad : {"ab", "has space", "ümlaut", "semi;colon", "a/b"}) {
    auto r = s->customers().add(customer(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
    EXPECT_STRNE(r.error().detail, "");
  }
  EXPECT_EQ(s->customers().add(customer(std::string(65, 'a'))).error().code,
            Errc::invalid_argument);
  EXPECT_TRUE(s->customers().add(customer(std::string(64, 'a'))).ok());
  Customer c = customer("keyed");
  c.api_key = "not-hex";
  EXPECT_EQ(s->customers().add(c).error().code, Errc::invalid_argument);
  c = customer("negative");
  c.max_accounts = -1;
  EXPECT_EQ(s->customers().add(c).error().code, Errc::invalid_argument);
}

TEST_P(CustomerRepo, DuplicatesConflictAndUnknownIdsAreNotFound) {
  auto s = open();
  ASSERT_TRUE(s);
  Customer c = customer("demo");
  c.api_key = std::string(64, 'b');
  auto id = s->customers().add(c);
  ASSERT_TRUE(id.ok());
  auto dup = s->customers().add(customer("DEMO"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::conflict);
  Customer other = customer("other");
  other.api_key = std::string(64, 'b');
  EXPECT_EQ(s->customers().add(other).error().code, Errc::conflict);
  other.api_key.clear();  // many customers may have no key yet
  auto other_id = s->customers().add(other);
  ASSERT_TRUE(other_id.ok());
  EXPECT_TRUE(s->customers().add(customer("third")).ok());
  // Renaming onto a taken name conflicts too.
  Customer rename = *s->customers().get(*other_id);
  rename.username = "demo";
  EXPECT_EQ(s->customers().update(rename).error().code, Errc::conflict);

  EXPECT_EQ(s->customers().get(999).error().code, Errc::not_found);
  EXPECT_EQ(s->customers().find("nobody").error().code, Errc::not_found);
  Customer ghost = customer("ghost");
  ghost.id = 999;
  EXPECT_EQ(s->customers().update(ghost).error().code, Errc::not_found);
  EXPECT_EQ(s->customers().remove(999).error().code, Errc::not_found);
}

TEST_P(CustomerRepo, RemoveCascadesToDomainsAccountsAndBindings) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);  // operator domain sipsmith.test, account 1001
  Domain own = domain("own.test", base.customer);
  own.aliases = {"own-alias.test"};
  auto own_id = s->domains().add(own);
  ASSERT_TRUE(own_id.ok());
  auto a2 = s->accounts().add(account(base.customer, "2002", "own.test"));
  ASSERT_TRUE(a2.ok());
  ASSERT_TRUE(s->bindings().upsert(binding(base.account, "k1")).ok());
  ASSERT_TRUE(s->bindings().upsert(binding(*a2, "k2")).ok());
  auto keep = s->customers().add(customer("keep"));
  ASSERT_TRUE(keep.ok());
  auto kept_account = s->accounts().add(account(*keep, "3003", "sipsmith.test"));
  ASSERT_TRUE(kept_account.ok());

  ASSERT_TRUE(s->customers().remove(base.customer).ok());
  EXPECT_EQ(s->customers().get(base.customer).error().code, Errc::not_found);
  EXPECT_EQ(s->accounts().get(base.account).error().code, Errc::not_found);
  EXPECT_EQ(s->accounts().get(*a2).error().code, Errc::not_found);
  EXPECT_EQ(s->domains().find("own.test").error().code, Errc::not_found);
  EXPECT_EQ(s->domains().find("own-alias.test").error().code, Errc::not_found);
  EXPECT_TRUE(s->domains().find("sipsmith.test").ok());  // the operator's domain stays
  auto left = s->bindings().list();
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
  auto accounts = s->accounts().list();
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ(accounts->front().id, *kept_account);
  // The alias is free again.
  EXPECT_TRUE(s->domains().add(domain("own-alias.test")).ok());
}

TEST_P(CustomerRepo, OwnedDomainsAreClosedToOtherCustomers) {
  auto s = open();
  ASSERT_TRUE(s);
  auto owner = s->customers().add(customer("owner"));
  ASSERT_TRUE(owner.ok());
  auto d = s->domains().add(domain("owned.test", *owner));
  ASSERT_TRUE(d.ok());
  auto guest = s->customers().add(customer("guest"));
  ASSERT_TRUE(guest.ok());
  // Owned domains are open to their owner only.
  auto refused = s->accounts().add(account(*guest, "1", "owned.test"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  // Give the domain to the operator, add the guest's account, give it back: refused.
  Domain open_domain = *s->domains().find("owned.test");
  open_domain.owner_id = 0;
  ASSERT_TRUE(s->domains().update(open_domain).ok());
  ASSERT_TRUE(s->accounts().add(account(*guest, "1", "owned.test")).ok());
  open_domain.owner_id = *owner;
  EXPECT_EQ(s->domains().update(open_domain).error().code, Errc::invalid_argument);
  EXPECT_TRUE(s->customers().remove(*owner).ok());  // the domain was not its own any more
}

SIPSMITH_ON_BOTH_BACKENDS(CustomerRepo);

}  // namespace
}  // namespace sip::store::testing
