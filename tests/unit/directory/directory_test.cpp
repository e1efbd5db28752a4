#include "sip/directory/directory.hpp"

#include <gtest/gtest.h>

namespace sip::directory {
namespace {

store::SipAccount account(store::Id id, std::string user, std::string domain) {
  store::SipAccount a;
  a.id = id;
  a.owner_id = 1;
  a.username = std::move(user);
  a.domain = std::move(domain);
  return a;
}

Directory sample() {
  Directory d;
  store::Domain main;
  main.id = 1;
  main.name = "example.com";
  main.aliases = {"Alias.Example.net", "10.0.0.1"};
  store::Domain other;
  other.id = 2;
  other.name = "other.org";
  d.set_domains({main, other}, "example.com");
  d.set_accounts({account(10, "joe", "example.com"), account(11, "Ann", "other.org")});
  return d;
}

TEST(Directory, CanonicalDomainCoversNamesAliasesAndLocal) {
  Directory d = sample();
  EXPECT_EQ(d.canonical_domain("EXAMPLE.com"), "example.com");
  EXPECT_EQ(d.canonical_domain("alias.example.NET"), "example.com");
  EXPECT_EQ(d.canonical_domain("10.0.0.1"), "example.com");
  EXPECT_EQ(d.canonical_domain("local"), "example.com");
  EXPECT_EQ(d.canonical_domain("other.org"), "other.org");
  EXPECT_FALSE(d.canonical_domain("example.org"));
  EXPECT_FALSE(d.canonical_domain(""));
}

TEST(Directory, FindIsCaseInsensitiveAndScopedToTheDomain) {
  Directory d = sample();
  ASSERT_NE(d.find("JOE", "alias.example.net"), nullptr);
  EXPECT_EQ(d.find("joe", "local")->id, 10);
  EXPECT_EQ(d.find("ann", "other.org")->id, 11);
  EXPECT_EQ(d.find("ann", "example.com"), nullptr);  // another domain's account
  EXPECT_EQ(d.find("joe", "unknown.example"), nullptr);
}

TEST(Directory, DottedFallbackUsesTheLastSegment) {
  Directory d = sample();
  EXPECT_EQ(d.find_with_fallback("office.joe", "example.com")->id, 10);
  EXPECT_EQ(d.find_with_fallback("a.b.joe", "example.com")->id, 10);
  EXPECT_EQ(d.find_with_fallback("joe.", "example.com"), nullptr);
  EXPECT_EQ(d.find_with_fallback("office.bob", "example.com"), nullptr);
  EXPECT_EQ(d.find("office.joe", "example.com"), nullptr);  // no fallback in find()
}

TEST(Directory, UpsertRenamesAndRemoveForgets) {
  Directory d = sample();
  auto joe = *d.get(10);
  joe.username = "joseph";
  d.upsert_account(joe);
  EXPECT_EQ(d.find("joe", "example.com"), nullptr);
  EXPECT_EQ(d.find("joseph", "example.com")->id, 10);
  EXPECT_EQ(d.account_count(), 2u);
  d.remove_account(10);
  EXPECT_EQ(d.find("joseph", "example.com"), nullptr);
  EXPECT_EQ(d.get(10), nullptr);
  d.remove_account(99);  // unknown: no effect
  EXPECT_EQ(d.account_count(), 1u);
}

TEST(Directory, DomainChangesReindexAliases) {
  Directory d = sample();
  store::Domain main = d.domains().front();
  main.aliases = {"new.example.net"};
  d.upsert_domain(main);
  EXPECT_FALSE(d.canonical_domain("alias.example.net"));
  EXPECT_EQ(d.canonical_domain("new.example.net"), "example.com");
  d.remove_domain(2);
  EXPECT_FALSE(d.canonical_domain("other.org"));
  EXPECT_EQ(d.find("ann", "other.org"), nullptr);
}

store::Provider provider(store::Id id, store::Id owner, std::string name) {
  store::Provider p;
  p.id = id;
  p.owner_id = owner;
  p.name = std::move(name);
  p.server = "sip:sip.example.net";
  return p;
}

store::DialPlan plan(store::Id id, store::Id owner, std::string name) {
  store::DialPlan d;
  d.id = id;
  d.owner_id = owner;
  d.name = std::move(name);
  return d;
}

store::Customer customer(store::Id id, std::string username) {
  store::Customer c;
  c.id = id;
  c.username = std::move(username);
  c.password_hash = "pbkdf2$secret";
  c.api_key = std::string(64, 'a');
  c.time_zone = "Europe/Dublin";
  return c;
}

TEST(Directory, CustomersByIdAndNameWithoutSecrets) {
  Directory d;
  d.set_customers({customer(1, "demo"), customer(2, "other")});
  ASSERT_NE(d.customer(1), nullptr);
  EXPECT_EQ(d.customer(1)->username, "demo");
  EXPECT_EQ(d.customer(1)->time_zone, "Europe/Dublin");
  EXPECT_TRUE(d.customer(1)->password_hash.empty());
  EXPECT_TRUE(d.customer(1)->api_key.empty());
  EXPECT_EQ(d.find_customer("DEMO")->id, 1);
  EXPECT_EQ(d.find_customer("nobody"), nullptr);
  EXPECT_EQ(d.customer(3), nullptr);

  d.upsert_customer(customer(1, "renamed"));
  EXPECT_EQ(d.find_customer("demo"), nullptr);
  EXPECT_EQ(d.find_customer("renamed")->id, 1);
  d.set_customers({customer(5, "fresh")});  // replaces everything
  EXPECT_EQ(d.customer(1), nullptr);
  EXPECT_EQ(d.find_customer("other"), nullptr);
  EXPECT_EQ(d.find_customer("fresh")->id, 5);
}

TEST(Directory, ProvidersByOwnerAndCaseInsensitiveName) {
  Directory d;
  d.set_providers({provider(1, 10, "Zeta"), provider(2, 10, "alpha"), provider(3, 20, "alpha")});
  ASSERT_NE(d.find_provider(10, "ALPHA"), nullptr);
  EXPECT_EQ(d.find_provider(10, "ALPHA")->id, 2);
  EXPECT_EQ(d.find_provider(20, "alpha")->id, 3);
  EXPECT_EQ(d.find_provider(30, "alpha"), nullptr);
  auto mine = d.providers_of(10);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0]->name, "alpha");
  EXPECT_EQ(mine[1]->name, "Zeta");
  EXPECT_TRUE(d.providers_of(99).empty());

  store::Provider renamed = provider(1, 10, "beta");
  d.upsert_provider(renamed);
  EXPECT_EQ(d.find_provider(10, "zeta"), nullptr);
  EXPECT_EQ(d.find_provider(10, "Beta")->id, 1);
  d.remove_provider(2);
  d.remove_provider(42);  // unknown: no effect
  EXPECT_EQ(d.find_provider(10, "alpha"), nullptr);
  EXPECT_EQ(d.providers_of(10).size(), 1u);
}

TEST(Directory, DialPlansByOwnerAndCaseInsensitiveName) {
  Directory d;
  d.set_dialplans({plan(1, 10, "Default.Out"), plan(2, 20, "default.out")});
  EXPECT_EQ(d.find_dialplan(10, "default.OUT")->id, 1);
  EXPECT_EQ(d.find_dialplan(20, "Default.Out")->id, 2);
  store::DialPlan changed = plan(1, 10, "Default.Out");
  changed.source = "new";
  changed.updated = 77;
  d.upsert_dialplan(changed);
  EXPECT_EQ(d.find_dialplan(10, "default.out")->updated, 77);
  d.upsert_dialplan(plan(1, 10, "in"));
  EXPECT_EQ(d.find_dialplan(10, "default.out"), nullptr);
  EXPECT_EQ(d.find_dialplan(10, "IN")->id, 1);
  d.remove_dialplan(1);
  EXPECT_EQ(d.find_dialplan(10, "in"), nullptr);
  EXPECT_EQ(d.find_dialplan(20, "default.out")->id, 2);
}

TEST(Directory, RemovingACustomerForgetsItsProvidersAndPlans) {
  Directory d;
  d.set_customers({customer(10, "demo"), customer(20, "other")});
  d.set_providers({provider(1, 10, "a"), provider(2, 20, "a")});
  d.set_dialplans({plan(1, 10, "p"), plan(2, 20, "p")});
  d.remove_customer(10);
  EXPECT_EQ(d.customer(10), nullptr);
  EXPECT_EQ(d.find_customer("demo"), nullptr);
  EXPECT_EQ(d.find_provider(10, "a"), nullptr);
  EXPECT_EQ(d.find_dialplan(10, "p"), nullptr);
  EXPECT_EQ(d.find_provider(20, "a")->id, 2);
  EXPECT_EQ(d.find_dialplan(20, "p")->id, 2);
  EXPECT_NE(d.customer(20), nullptr);
}

}  // namespace
}  // namespace sip::directory
