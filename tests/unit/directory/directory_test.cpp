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

}  // namespace
}  // namespace sip::directory
