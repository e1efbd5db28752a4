// Registrar bindings in a real SQLite file: upsert by key, list, removal,
// expiry, unknown accounts.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using BindingRepo = RepoTest;

TEST_P(BindingRepo, UpsertInsertsThenReplacesByKey) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  Binding b = binding(base.account, "<urn:uuid:1>");
  b.instance_id = "<urn:uuid:1>";
  b.user_agent = "phone/1.0";
  b.transport = "tls";
  b.remote = "[2001:db8::1]:5061";
  ASSERT_TRUE(s->bindings().upsert(b).ok());
  auto got = s->bindings().list_for(base.account);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  const Binding& g = got->front();
  EXPECT_EQ(g.account_id, base.account);
  EXPECT_EQ(g.contact_key, "<urn:uuid:1>");
  EXPECT_EQ(g.contact_uri, b.contact_uri);
  EXPECT_EQ(g.mangled_uri, b.mangled_uri);
  EXPECT_EQ(g.instance_id, "<urn:uuid:1>");
  EXPECT_EQ(g.user_agent, "phone/1.0");
  EXPECT_EQ(g.call_id, b.call_id);
  EXPECT_EQ(g.cseq, 7u);
  EXPECT_FLOAT_EQ(g.q, 0.5f);
  EXPECT_EQ(g.transport, "tls");
  EXPECT_EQ(g.remote, "[2001:db8::1]:5061");
  EXPECT_EQ(g.local, b.local);
  EXPECT_EQ(g.registered, b.registered);
  EXPECT_EQ(g.updated, b.updated);
  EXPECT_EQ(g.expires, b.expires);

  b.cseq = 4294967295u;
  b.contact_uri = "sip:moved@198.51.100.1";
  b.expires = 5000000000;
  ASSERT_TRUE(s->bindings().upsert(b).ok());
  got = s->bindings().list_for(base.account);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().cseq, 4294967295u);
  EXPECT_EQ(got->front().contact_uri, "sip:moved@198.51.100.1");
  EXPECT_EQ(got->front().expires, 5000000000);
}

TEST_P(BindingRepo, ListRemoveAndExpire) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  auto second = s->accounts().add(account(base.customer, "1002", "sipsmith.test"));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(s->bindings().upsert(binding(base.account, "a", 100)).ok());
  ASSERT_TRUE(s->bindings().upsert(binding(base.account, "b", 200)).ok());
  ASSERT_TRUE(s->bindings().upsert(binding(*second, "c", 300)).ok());
  auto all = s->bindings().list();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(s->bindings().list_for(*second)->size(), 1u);
  EXPECT_TRUE(s->bindings().list_for(999)->empty());

  ASSERT_TRUE(s->bindings().remove(base.account, "a").ok());
  ASSERT_TRUE(s->bindings().remove(base.account, "a").ok());  // absent is fine
  EXPECT_EQ(s->bindings().list_for(base.account)->size(), 1u);

  auto expired = s->bindings().remove_expired(200);  // expires <= now
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1u);
  ASSERT_TRUE(s->bindings().upsert(binding(*second, "d", 400)).ok());
  ASSERT_TRUE(s->bindings().remove_account(*second).ok());
  EXPECT_TRUE(s->bindings().list()->empty());
}

TEST_P(BindingRepo, UnknownAccountAndEmptyKeyAreRefused) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  auto r = s->bindings().upsert(binding(999, "k"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(s->bindings().upsert(binding(base.account, "")).error().code, Errc::invalid_argument);
}

TEST_P(BindingRepo, TransactionCommitsOrRollsBackAsAWhole) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  auto failed = s->transaction([&]() -> Result<void> {
    if (auto r = s->bindings().upsert(binding(base.account, "x")); !r) return r;
    return make_error(Errc::invalid_argument, 0, "test abort");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::invalid_argument);
  EXPECT_TRUE(s->bindings().list()->empty());
  auto ok = s->transaction([&]() -> Result<void> {
    if (auto r = s->bindings().upsert(binding(base.account, "x")); !r) return r;
    return s->bindings().upsert(binding(base.account, "y"));
  });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(s->bindings().list()->size(), 2u);
}

SIPSMITH_ON_BOTH_BACKENDS(BindingRepo);

}  // namespace
}  // namespace sip::store::testing
