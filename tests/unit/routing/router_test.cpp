// Dial string resolution to legs: served accounts -> bindings, provider
// names -> provider legs with credentials and From, other URIs -> anonymous
// legs; duplicates, the leg cap, options and substitution.
#include "sip/routing/router.hpp"

#include <gtest/gtest.h>

#include <map>

#include "sip/base/ci.hpp"

namespace {

using sip::routing::LegKind;

class FakeSource final : public sip::routing::RouteSource {
 public:
  FakeSource() {
    bob.id = 7;
    bob.owner_id = 1;
    bob.username = "bob";
    bob.domain = "sipsmith.test";
    carol = bob;
    carol.id = 8;
    carol.username = "carol";
    prov.id = 3;
    prov.owner_id = 1;
    prov.name = "prov1";
    prov.server = "sip:127.0.0.1:5099";
    prov.username = "acct123";
    prov.password = "secret";
    prov.custom_headers = "X-Acct: ${fromuriuser}|bad header|X-Two: 2";
  }
  std::optional<std::string> canonical_domain(std::string_view host) override {
    if (sip::ci_equal(host, "sipsmith.test") || sip::ci_equal(host, "local"))
      return std::string("sipsmith.test");
    return std::nullopt;
  }
  const sip::store::SipAccount* find_account(std::string_view user,
                                             std::string_view domain) override {
    if (domain != "sipsmith.test") return nullptr;
    if (user == "bob" || user.ends_with(".bob")) return &bob;
    if (user == "carol") return &carol;
    return nullptr;
  }
  std::vector<sip::routing::BindingTarget> bindings(const sip::store::SipAccount& a) override {
    std::vector<sip::routing::BindingTarget> out;
    if (a.id != bob.id) return out;  // carol has none
    for (int port : {5070, 5071}) {
      sip::routing::BindingTarget t;
      t.contact_uri = "sip:bob@127.0.0.1:" + std::to_string(port);
      t.destination.address = *sip::transport::SocketAddress::from_ip("127.0.0.1", port);
      t.local = "127.0.0.1:5060";
      out.push_back(t);
    }
    return out;
  }
  const sip::store::Provider* find_provider(sip::store::Id owner, std::string_view name) override {
    return owner == 1 && sip::ci_equal(name, "prov1") ? &prov : nullptr;
  }

  sip::store::SipAccount bob, carol;
  sip::store::Provider prov;
};

sip::routing::ResolveInput input(const sip::dialplan::Dial& d) {
  sip::routing::ResolveInput in;
  in.dial = &d;
  in.owner = 1;
  in.subst.dst = "0123";
  in.subst.from_user = "alice";
  in.caller_display = "Alice";
  in.caller_user = "alice";
  in.caller_host = "sipsmith.test";
  return in;
}

TEST(Router, ServedAccountRingsEveryBinding) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "bob@local";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->legs.size(), 2u);
  EXPECT_EQ(r->legs[0].kind, LegKind::Binding);
  EXPECT_EQ(r->legs[0].request_uri, "sip:bob@127.0.0.1:5070");
  EXPECT_EQ(r->legs[1].request_uri, "sip:bob@127.0.0.1:5071");
  ASSERT_TRUE(r->legs[0].route);
  EXPECT_EQ(r->legs[0].route->address.port, 5070);
  EXPECT_EQ(r->legs[0].to, "<sip:bob@sipsmith.test>");
  EXPECT_EQ(r->legs[0].from_user, "alice");
  EXPECT_EQ(r->legs[0].from_display, "Alice");
  EXPECT_EQ(r->legs[0].account, &src.bob);
}

TEST(Router, DottedFallbackAndAccountWithoutBindingsIsDropped) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "prov1.bob@sipsmith.test&carol@local";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->legs.size(), 2u);
  ASSERT_EQ(r->dropped.size(), 1u);
  EXPECT_NE(r->dropped[0].reason.find("no bindings"), std::string::npos);
}

TEST(Router, ProviderLegCarriesServerCredentialsFromAndHeaders) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "${dst}@prov1[fd=Office]";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 1u);
  const auto& l = r->legs[0];
  EXPECT_EQ(l.kind, LegKind::Provider);
  EXPECT_EQ(l.request_uri, "sip:0123@127.0.0.1:5099");
  EXPECT_EQ(l.next_hop, "sip:0123@127.0.0.1:5099");
  EXPECT_EQ(l.from_user, "acct123");
  EXPECT_EQ(l.from_host, "127.0.0.1");
  EXPECT_EQ(l.from_display, "Office");
  EXPECT_EQ(l.auth_user, "acct123");
  EXPECT_EQ(l.auth_password, "secret");
  ASSERT_EQ(l.headers.size(), 2u);
  EXPECT_EQ(l.headers[0], "X-Acct: alice");
  EXPECT_EQ(l.headers[1], "X-Two: 2");
}

TEST(Router, ProviderAuthUsernameAndOutboundProxyWin) {
  FakeSource src;
  src.prov.auth_username = "authid";
  src.prov.outbound_proxy = "sip:127.0.0.1:5098";
  src.prov.from_template = "\"Main Line\" <sip:main@example.com>";
  sip::dialplan::Dial d;
  d.dial_string = "555@prov1";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 1u);
  EXPECT_EQ(r->legs[0].auth_user, "authid");
  EXPECT_EQ(r->legs[0].next_hop, "sip:127.0.0.1:5098");
  EXPECT_EQ(r->legs[0].from_user, "main");
  EXPECT_EQ(r->legs[0].from_host, "example.com");
  EXPECT_EQ(r->legs[0].from_display, "Main Line");
}

TEST(Router, OtherUrisAreAnonymousLegsAndStagesAreKept) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "music@iptel.org|bob@local[dt=5,cd=60,ma=false]";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stages, 2u);
  ASSERT_EQ(r->legs.size(), 3u);
  EXPECT_EQ(r->legs[0].kind, LegKind::Uri);
  EXPECT_EQ(r->legs[0].stage, 0u);
  EXPECT_EQ(r->legs[0].request_uri, "sip:music@iptel.org");
  EXPECT_EQ(r->legs[0].from_user, "alice");
  EXPECT_TRUE(r->legs[0].auth_user.empty());
  EXPECT_EQ(r->legs[1].stage, 1u);
  EXPECT_EQ(r->legs[1].options.delay, 5u);
  EXPECT_EQ(r->legs[1].options.call_duration, 60u);
  EXPECT_FALSE(r->legs[1].options.mangle);
}

TEST(Router, DuplicatesAndTheLegCapAreDropped) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "a@x.org&a@x.org|b@x.org&c@x.org&d@x.org";
  auto in = input(d);
  in.max_legs = 3;
  auto r = sip::routing::resolve(in, src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 3u);
  ASSERT_EQ(r->dropped.size(), 2u);
  EXPECT_EQ(r->dropped[0].reason, "duplicate");
  EXPECT_EQ(r->dropped[1].reason, "leg limit");
}

TEST(Router, CallerControlledValuesCannotAddLegs) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "${dst}@x.org";
  auto in = input(d);
  in.subst.dst = "1&0900@premium.example|2";
  auto r = sip::routing::resolve(in, src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 1u);
  EXPECT_EQ(r->stages, 1u);
}

TEST(Router, SetFromHeaderAppliesButLegOptionsWin) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "x@y.org&z@y.org[fu=anon]";
  d.from = sip::dialplan::FromOverride{std::string("Sales"), std::string("sales"), std::nullopt};
  d.custom_headers = {"X-Plan: ${dst}"};
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 2u);
  EXPECT_EQ(r->legs[0].from_user, "sales");
  EXPECT_EQ(r->legs[0].from_display, "Sales");
  EXPECT_EQ(r->legs[0].from_host, "sipsmith.test");
  EXPECT_EQ(r->legs[1].from_user, "anon");
  ASSERT_EQ(r->legs[0].headers.size(), 1u);
  EXPECT_EQ(r->legs[0].headers[0], "X-Plan: 0123");
}

TEST(Router, BadDialStringIsAnError) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "a@b[dt=5";
  EXPECT_FALSE(sip::routing::resolve(input(d), src));
}

TEST(Router, LegacyFormCarriesItsCredentials) {
  FakeSource src;
  sip::dialplan::Dial d;
  d.dial_string = "user1,pass1,sip:303@sip.example.org";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 1u);
  EXPECT_EQ(r->legs[0].request_uri, "sip:303@sip.example.org");
  EXPECT_EQ(r->legs[0].auth_user, "user1");
  EXPECT_EQ(r->legs[0].auth_password, "pass1");
}

TEST(Router, AccountWithItsOwnInPlanIsALoopBackLegUnlessItIsTheRunningPlan) {
  FakeSource src;
  src.bob.in_dialplan = "bob-in";
  src.carol.in_dialplan = "carol-in";
  sip::dialplan::Dial d;
  d.dial_string = "carol@local&bob@local[fu=0123]";
  auto in = input(d);
  in.account_user = "alice";
  in.account_host = "sipsmith.test";
  in.executing_plan = "bob-in";  // bob's own plan runs: bob rings his bindings
  auto r = sip::routing::resolve(in, src);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->legs.size(), 3u);
  EXPECT_EQ(r->legs[0].kind, LegKind::Loopback);
  EXPECT_EQ(r->legs[0].request_uri, "sip:carol@sipsmith.test");
  EXPECT_EQ(r->legs[0].account_aor, "carol@sipsmith.test");
  EXPECT_EQ(sip::routing::render_from(r->legs[0]), "<sip:alice@sipsmith.test>");
  EXPECT_EQ(r->legs[1].kind, LegKind::Binding);
  EXPECT_EQ(r->legs[1].from_user, "0123");
  // Another owner's plan of the same name is not a loop.
  src.bob.owner_id = 2;
  r = sip::routing::resolve(in, src);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->legs[1].kind, LegKind::Loopback);
}

TEST(Router, DisabledAccountIsDropped) {
  FakeSource src;
  src.bob.disabled = true;
  sip::dialplan::Dial d;
  d.dial_string = "bob@local";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->legs.empty());
  ASSERT_EQ(r->dropped.size(), 1u);
  EXPECT_EQ(r->dropped[0].reason, "SIP account disabled");
}

TEST(Router, ProviderFromTemplateIsNotOverriddenBySetFromHeaderButLegOptionsApply) {
  FakeSource src;
  src.prov.from_template = "\"Joe ${fromuriuser}\" <sip:joe@tmpl.example>";
  sip::dialplan::Dial d;
  d.dial_string = "1@prov1&2@prov1[fu=anon]&3@other.example";
  d.from = sip::dialplan::FromOverride{std::string("Set"), std::string("setuser"), std::nullopt};
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->legs.size(), 3u);
  EXPECT_EQ(sip::routing::render_from(r->legs[0]), "\"Joe alice\" <sip:joe@tmpl.example>");
  EXPECT_EQ(sip::routing::render_from(r->legs[1]), "\"Joe alice\" <sip:anon@tmpl.example>");
  // Not a provider: SetFromHeader applies.
  EXPECT_EQ(sip::routing::render_from(r->legs[2]), "\"Set\" <sip:setuser@sipsmith.test>");
  // Without a template SetFromHeader applies to provider legs too.
  src.prov.from_template.clear();
  r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r);
  EXPECT_EQ(sip::routing::render_from(r->legs[0]), "\"Set\" <sip:setuser@127.0.0.1>");
}

TEST(Router, ProviderLegKeepsTheLegsUriParametersTheServerLacks) {
  FakeSource src;
  src.prov.server = "sip:[2001:db8::5]:5099;transport=tcp";
  sip::dialplan::Dial d;
  d.dial_string = "<sip:123@prov1;transport=udp;user=phone?X-A=1>";
  auto r = sip::routing::resolve(input(d), src);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->legs.size(), 1u);
  EXPECT_EQ(r->legs[0].request_uri, "sip:123@[2001:db8::5]:5099;transport=tcp;user=phone?X-A=1");
  EXPECT_EQ(r->legs[0].from_host, "[2001:db8::5]");
}

}  // namespace
