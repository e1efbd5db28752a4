// SIP providers in the SQLite store: CRUD, per-owner case-insensitive names,
// field rules (server forms, expiry range), removal with the customer.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using ProviderRepo = RepoTest;

Provider provider(Id owner, std::string name, std::string server = "sip:sip.example.net") {
  Provider p;
  p.owner_id = owner;
  p.name = std::move(name);
  p.server = std::move(server);
  p.username = "joe";
  p.password = "pw";
  return p;
}

TEST_P(ProviderRepo, AddGetFindUpdateRemove) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id owner = *s->customers().add(customer("demo"));
  Provider p = provider(owner, "MyITSP");
  p.register_enabled = true;
  p.register_expiry = 600;
  p.custom_headers = "X-A: 1|X-B: 2";
  p.from_template = "\"Joe\" <sip:joe@example.net>";
  auto id = s->providers().add(p);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto got = s->providers().get(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "MyITSP");
  EXPECT_EQ(got->password, "pw");
  EXPECT_EQ(got->custom_headers, "X-A: 1|X-B: 2");
  EXPECT_EQ(got->from_template, "\"Joe\" <sip:joe@example.net>");
  EXPECT_TRUE(got->register_enabled);
  EXPECT_EQ(got->register_expiry, 600);
  EXPECT_GT(got->created, 0);

  auto found = s->providers().find(owner, "myitsp");  // case-insensitive
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, *id);
  EXPECT_EQ(s->providers().find(owner, "other").error().code, Errc::not_found);

  got->server = "sips:sip2.example.net:5061;transport=tcp";
  got->password.clear();
  ASSERT_TRUE(s->providers().update(*got).ok());
  EXPECT_EQ(s->providers().get(*id)->server, "sips:sip2.example.net:5061;transport=tcp");
  EXPECT_EQ(s->providers().get(*id)->password, "");
  EXPECT_EQ(s->providers().get(*id)->created, got->created);

  ASSERT_TRUE(s->providers().remove(*id).ok());
  EXPECT_EQ(s->providers().get(*id).error().code, Errc::not_found);
  EXPECT_EQ(s->providers().remove(*id).error().code, Errc::not_found);
  Provider ghost = provider(owner, "ghost");
  ghost.id = 999;
  EXPECT_EQ(s->providers().update(ghost).error().code, Errc::not_found);
}

TEST_P(ProviderRepo, NamesAreUniquePerOwnerCaseInsensitively) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alice"));
  const Id b = *s->customers().add(customer("bob"));
  ASSERT_TRUE(s->providers().add(provider(a, "itsp")).ok());
  EXPECT_EQ(s->providers().add(provider(a, "ITSP")).error().code, Errc::conflict);
  EXPECT_TRUE(s->providers().add(provider(b, "ITSP")).ok());  // another owner
  auto second = s->providers().add(provider(a, "other"));
  ASSERT_TRUE(second.ok());
  Provider renamed = *s->providers().get(*second);
  renamed.name = "Itsp";
  EXPECT_EQ(s->providers().update(renamed).error().code, Errc::conflict);

  auto all = s->providers().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].owner_id, a);  // by owner, then name
  EXPECT_EQ((*all)[0].name, "itsp");
  EXPECT_EQ((*all)[1].name, "other");
  EXPECT_EQ((*all)[2].owner_id, b);
  EXPECT_EQ(s->providers().list(b)->size(), 1u);
}

TEST_P(ProviderRepo, FieldRulesAndServerForms) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id owner = *s->customers().add(customer("demo"));
  auto server_of = [&](const std::string& name, const std::string& server) -> std::string {
    auto id = s->providers().add(provider(owner, name, server));
    if (!id) return "error: " + std::string(errc_text(id.error().code));
    return s->providers().get(*id)->server;
  };
  EXPECT_EQ(server_of("p1", "sip.example.net"), "sip:sip.example.net");
  EXPECT_EQ(server_of("p2", "sip.example.net:5080"), "sip:sip.example.net:5080");
  EXPECT_EQ(server_of("p3", "SIPS:sip.example.net"), "SIPS:sip.example.net");
  EXPECT_EQ(server_of("p4", "[2001:db8::1]:5060"), "sip:[2001:db8::1]:5060");
  const std::string bad = std::string("error: ") + errc_text(Errc::invalid_argument);
  EXPECT_EQ(server_of("p5", ""), bad);
  EXPECT_EQ(server_of("p6", "tel:+15551234"), bad);
  EXPECT_EQ(server_of("p7", "sip:"), bad);
  EXPECT_EQ(server_of("p8", "a:b:c"), bad);

  auto code = [&](Provider p) { return s->providers().add(p).error().code; };
  EXPECT_EQ(code(provider(owner, "has.dot")), Errc::invalid_argument);
  EXPECT_EQ(code(provider(owner, "")), Errc::invalid_argument);
  EXPECT_EQ(code(provider(owner, std::string(65, 'a'))), Errc::invalid_argument);
  Provider p = provider(owner, "exp");
  p.register_expiry = 59;
  EXPECT_EQ(code(p), Errc::invalid_argument);
  p.register_expiry = 86401;
  EXPECT_EQ(code(p), Errc::invalid_argument);
  p.register_expiry = 86400;
  p.outbound_proxy = "proxy.example.net:5070";
  auto id = s->providers().add(p);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(s->providers().get(*id)->outbound_proxy, "sip:proxy.example.net:5070");
  Provider typed = provider(owner, "typed");
  typed.type = "iax";
  EXPECT_EQ(code(typed), Errc::invalid_argument);
  EXPECT_EQ(code(provider(4242, "orphan")), Errc::invalid_argument);  // no such owner
}

TEST_P(ProviderRepo, RemovedWithTheirCustomer) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id a = *s->customers().add(customer("alice"));
  const Id b = *s->customers().add(customer("bob"));
  ASSERT_TRUE(s->providers().add(provider(a, "one")).ok());
  ASSERT_TRUE(s->providers().add(provider(a, "two")).ok());
  ASSERT_TRUE(s->providers().add(provider(b, "one")).ok());
  ASSERT_TRUE(s->customers().remove(a).ok());
  EXPECT_EQ(s->providers().list(a)->size(), 0u);
  EXPECT_EQ(s->providers().list()->size(), 1u);
}

SIPSMITH_ON_BOTH_BACKENDS(ProviderRepo);

}  // namespace
}  // namespace sip::store::testing
