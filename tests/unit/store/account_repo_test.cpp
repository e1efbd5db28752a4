// SIP accounts in a real SQLite file: every field round-trips, usernames are
// unique per domain case-insensitively, the domain must be a served name.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using AccountRepo = RepoTest;

TEST_P(AccountRepo, EveryFieldRoundTrips) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  SipAccount a = account(base.customer, "Alice+Mobile", "SIPSMITH.TEST");
  a.ha1_md5 = std::string(32, 'A');
  a.ha1_sha256 = std::string(64, 'f');
  a.out_dialplan = "default-out";
  a.in_dialplan = "default-in";
  a.incoming_only = true;
  a.disabled = true;
  a.keepalive = KeepAliveMode::Options;
  a.ip_acl = "192.0.2.0/24,2001:db8::/32";
  a.dont_mangle = true;
  a.network_id = "lan-1";
  a.digest_algorithms = "sha-256, md5";  // stored in canonical form
  a.description = "desk phone";
  a.created = 1700000000;
  auto id = s->accounts().add(a);
  ASSERT_TRUE(id.ok()) << id.error().to_string();

  auto got = s->accounts().get(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->owner_id, base.customer);
  EXPECT_EQ(got->username, "Alice+Mobile");  // case kept
  EXPECT_EQ(got->domain, "sipsmith.test");
  EXPECT_EQ(got->ha1_md5, std::string(32, 'a'));
  EXPECT_EQ(got->ha1_sha256, std::string(64, 'f'));
  EXPECT_EQ(got->out_dialplan, "default-out");
  EXPECT_EQ(got->in_dialplan, "default-in");
  EXPECT_TRUE(got->incoming_only);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->keepalive, KeepAliveMode::Options);
  EXPECT_EQ(got->ip_acl, "192.0.2.0/24,2001:db8::/32");
  EXPECT_TRUE(got->dont_mangle);
  EXPECT_EQ(got->network_id, "lan-1");
  EXPECT_EQ(got->digest_algorithms, "SHA-256,MD5");
  EXPECT_EQ(got->description, "desk phone");
  EXPECT_EQ(got->created, 1700000000);

  auto found = s->accounts().find("alice+MOBILE", "SipSmith.Test");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, *id);

  SipAccount changed = *got;
  changed.keepalive = KeepAliveMode::None;
  changed.disabled = false;
  changed.description.clear();
  changed.digest_algorithms.clear();
  ASSERT_TRUE(s->accounts().update(changed).ok());
  auto again = s->accounts().get(*id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest_algorithms, "");
  changed.digest_algorithms = "SHA-1";
  EXPECT_EQ(s->accounts().update(changed).error().code, Errc::invalid_argument);
  changed.digest_algorithms = "MD5,MD5";
  EXPECT_EQ(s->accounts().update(changed).error().code, Errc::invalid_argument);
  EXPECT_EQ(again->keepalive, KeepAliveMode::None);
  EXPECT_FALSE(again->disabled);
  EXPECT_EQ(again->description, "");
}

TEST_P(AccountRepo, ListIsOrderedAndFiltersByOwner) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);  // 1001@sipsmith.test
  ASSERT_TRUE(s->domains().add(domain("a.test")).ok());
  auto other = s->customers().add(customer("other"));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(s->accounts().add(account(*other, "2000", "a.test")).ok());
  ASSERT_TRUE(s->accounts().add(account(base.customer, "0999", "sipsmith.test")).ok());
  auto all = s->accounts().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].username, "2000");  // a.test first
  EXPECT_EQ((*all)[1].username, "0999");
  EXPECT_EQ((*all)[2].username, "1001");
  auto mine = s->accounts().list(base.customer);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 2u);
  for (const auto& a : *mine) EXPECT_EQ(a.owner_id, base.customer);
}

TEST_P(AccountRepo, ConflictsAndNotFound) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  auto dup = s->accounts().add(account(base.customer, "1001", "sipsmith.test"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::conflict);
  EXPECT_EQ(s->accounts().add(account(base.customer, "ALICE", "sipsmith.test")).ok(), true);
  EXPECT_EQ(s->accounts().add(account(base.customer, "alice", "sipsmith.test")).error().code,
            Errc::conflict);
  // The same user name in another domain is another account.
  ASSERT_TRUE(s->domains().add(domain("other.test")).ok());
  auto elsewhere = s->accounts().add(account(base.customer, "1001", "other.test"));
  ASSERT_TRUE(elsewhere.ok());
  // Moving it onto the taken name conflicts.
  SipAccount move = *s->accounts().get(*elsewhere);
  move.domain = "sipsmith.test";
  EXPECT_EQ(s->accounts().update(move).error().code, Errc::conflict);

  EXPECT_EQ(s->accounts().get(999).error().code, Errc::not_found);
  EXPECT_EQ(s->accounts().find("1001", "nowhere.test").error().code, Errc::not_found);
  EXPECT_EQ(s->accounts().find("nobody", "sipsmith.test").error().code, Errc::not_found);
  SipAccount ghost = account(base.customer, "ghost", "sipsmith.test");
  ghost.id = 999;
  EXPECT_EQ(s->accounts().update(ghost).error().code, Errc::not_found);
  EXPECT_EQ(s->accounts().remove(999).error().code, Errc::not_found);
}

TEST_P(AccountRepo, ValidationRules) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  Domain with_alias = *s->domains().find("sipsmith.test");
  with_alias.aliases = {"local"};
  ASSERT_TRUE(s->domains().update(with_alias).ok());

  const auto code = [&](SipAccount a) { return s->accounts().add(a).error().code; };
  EXPECT_EQ(code(account(base.customer, "", "sipsmith.test")), Errc::invalid_argument);
  EXPECT_EQ(code(account(base.customer, std::string(65, '1'), "sipsmith.test")),
            Errc::invalid_argument);
  EXPECT_EQ(code(account(base.customer, "a b", "sipsmith.test")), Errc::invalid_argument);
  EXPECT_EQ(code(account(base.customer, "a@b", "sipsmith.test")), Errc::invalid_argument);
  EXPECT_EQ(code(account(base.customer, "Dispatcher", "sipsmith.test")), Errc::invalid_argument);
  EXPECT_EQ(code(account(base.customer, "2002", "local")), Errc::invalid_argument);  // alias
  EXPECT_EQ(code(account(base.customer, "2002", "unserved.test")), Errc::invalid_argument);
  EXPECT_EQ(code(account(999, "2002", "sipsmith.test")), Errc::invalid_argument);  // no owner
  SipAccount bad_ha1 = account(base.customer, "2002", "sipsmith.test");
  bad_ha1.ha1_md5 = "1234";
  EXPECT_EQ(code(bad_ha1), Errc::invalid_argument);
  EXPECT_TRUE(
      s->accounts().add(account(base.customer, std::string(64, '1'), "sipsmith.test")).ok());
  // Lookups accept an alias of the domain.
  auto by_alias = s->accounts().find("1001", "local");
  ASSERT_TRUE(by_alias.ok());
  EXPECT_EQ(by_alias->id, base.account);
}

TEST_P(AccountRepo, OwnerMaxAccountsIsEnforced) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->domains().add(domain("sipsmith.test")).ok());
  Customer small = customer("small");
  small.max_accounts = 1;
  auto id = s->customers().add(small);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(s->accounts().add(account(*id, "1", "sipsmith.test")).ok());
  auto over = s->accounts().add(account(*id, "2", "sipsmith.test"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::limit_reached);
}

TEST_P(AccountRepo, RemoveTakesItsBindings) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  ASSERT_TRUE(s->bindings().upsert(binding(base.account, "k")).ok());
  ASSERT_TRUE(s->accounts().remove(base.account).ok());
  auto left = s->bindings().list();
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

SIPSMITH_ON_BOTH_BACKENDS(AccountRepo);

}  // namespace
}  // namespace sip::store::testing
