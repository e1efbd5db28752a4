// The Directory's versions: a kept Snapshot never changes, changes share
// the tables they do not touch, an Edit publishes one version.
#include <gtest/gtest.h>

#include "sip/directory/directory.hpp"

namespace sip::directory {
namespace {

store::SipAccount account(store::Id id, std::string user) {
  store::SipAccount a;
  a.id = id;
  a.owner_id = 1;
  a.username = std::move(user);
  a.domain = "example.com";
  return a;
}

store::Provider provider(store::Id id, store::Id owner, std::string name) {
  store::Provider p;
  p.id = id;
  p.owner_id = owner;
  p.name = std::move(name);
  p.server = "sip.example.net";
  return p;
}

Directory sample() {
  Directory d;
  store::Domain main;
  main.id = 1;
  main.name = "example.com";
  Directory::Edit e(d);
  e.set_domains({main}, "example.com");
  e.set_accounts({account(10, "joe"), account(11, "ann")});
  store::Customer c;
  c.id = 1;
  c.username = "acme";
  e.set_customers({c});
  e.set_providers({provider(20, 1, "voip")});
  e.commit();
  return d;
}

TEST(DirectorySnapshot, AnEditPublishesOneVersion) {
  Directory d;
  EXPECT_EQ(d.version(), 0u);
  Directory loaded = sample();
  EXPECT_EQ(loaded.version(), 1u);  // domains, accounts, customers, providers: one version
  Directory::Edit nothing(loaded);
  nothing.commit();
  EXPECT_EQ(loaded.version(), 1u);  // no change, no version
  loaded.upsert_account(account(12, "bob"));
  EXPECT_EQ(loaded.version(), 2u);
}

TEST(DirectorySnapshot, AKeptSnapshotNeverChanges) {
  Directory d = sample();
  SnapshotPtr kept = d.snapshot();
  const store::SipAccount* joe = kept->find("joe", "example.com");
  const store::Provider* voip = kept->find_provider(1, "VOIP");
  ASSERT_NE(joe, nullptr);
  ASSERT_NE(voip, nullptr);

  store::SipAccount renamed = account(10, "joseph");
  renamed.description = "changed";
  d.upsert_account(renamed);
  d.remove_provider(20);
  d.set_domains({}, "");

  // The current version has the changes...
  EXPECT_EQ(d.find("joe", "example.com"), nullptr);
  EXPECT_EQ(d.find_provider(1, "voip"), nullptr);
  EXPECT_FALSE(d.canonical_domain("example.com"));
  // ...the kept one still answers as before, with the same rows (ASan
  // catches a row freed under it).
  EXPECT_EQ(kept->find("joe", "example.com"), joe);
  EXPECT_EQ(joe->username, "joe");
  EXPECT_TRUE(joe->description.empty());
  EXPECT_EQ(kept->find_provider(1, "voip"), voip);
  EXPECT_EQ(voip->server, "sip.example.net");
  EXPECT_EQ(kept->canonical_domain("example.com"), "example.com");
  EXPECT_EQ(kept->version() + 3, d.version());
}

TEST(DirectorySnapshot, AChangeSharesTheRowsAndTablesItDoesNotTouch) {
  Directory d = sample();
  SnapshotPtr before = d.snapshot();
  d.upsert_account(account(12, "bob"));
  SnapshotPtr after = d.snapshot();
  // Untouched tables: the very same rows.
  EXPECT_EQ(after->find_provider(1, "voip"), before->find_provider(1, "voip"));
  EXPECT_EQ(after->customer(1), before->customer(1));
  // The touched table: a new index, the untouched rows shared.
  EXPECT_EQ(after->get(10), before->get(10));
  EXPECT_EQ(before->get(12), nullptr);
  ASSERT_NE(after->get(12), nullptr);
  EXPECT_EQ(after->account_count(), 3u);
  EXPECT_EQ(before->account_count(), 2u);
}

TEST(DirectorySnapshot, AnUncommittedEditIsInvisible) {
  Directory d = sample();
  {
    Directory::Edit e(d);
    e.remove_account(10);
    e.remove_customer(1);
    EXPECT_NE(d.find("joe", "example.com"), nullptr);
    EXPECT_NE(d.find_provider(1, "voip"), nullptr);
  }  // dropped without commit()
  EXPECT_NE(d.find("joe", "example.com"), nullptr);
  EXPECT_NE(d.find_customer("acme"), nullptr);
  EXPECT_EQ(d.version(), 1u);
}

TEST(DirectorySnapshot, RemovingACustomerTakesItsProvidersInTheSameVersion) {
  Directory d = sample();
  SnapshotPtr before = d.snapshot();
  d.remove_customer(1);
  EXPECT_EQ(d.version(), before->version() + 1);
  EXPECT_EQ(d.find_customer("acme"), nullptr);
  EXPECT_EQ(d.find_provider(1, "voip"), nullptr);
  EXPECT_NE(before->find_provider(1, "voip"), nullptr);
}

TEST(DirectorySnapshot, CustomersNeverKeepTheirSecrets) {
  Directory d;
  store::Customer c;
  c.id = 5;
  c.username = "acme";
  c.password_hash = "hash";
  c.api_key = "key";
  d.set_customers({c});
  ASSERT_NE(d.customer(5), nullptr);
  EXPECT_TRUE(d.customer(5)->password_hash.empty());
  EXPECT_TRUE(d.customer(5)->api_key.empty());
  d.upsert_customer(c);
  EXPECT_TRUE(d.find_customer("ACME")->password_hash.empty());
  EXPECT_TRUE(d.find_customer("acme")->api_key.empty());
}

}  // namespace
}  // namespace sip::directory
