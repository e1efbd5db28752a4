// The pure parts of provider registrations: the REGISTER plan of a provider
// row (AOR, contact, instance, credentials), its fingerprint and the retry
// delays.
#include "sip/provreg/plan.hpp"

#include <gtest/gtest.h>

namespace sip::provreg {
namespace {

using namespace std::chrono_literals;

store::Provider provider() {
  store::Provider p;
  p.id = 7;
  p.owner_id = 1;
  p.name = "voip1";
  p.server = "sip:sip.example.net";
  p.username = "12345";
  p.password = "pw";
  p.register_enabled = true;
  return p;
}

TEST(ProviderPlan, DefaultsFollowTheProviderRow) {
  std::string why;
  auto plan = make_plan(provider(), "sipsmith.test", "sipsmith", &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(plan->config.aor, "sip:12345@sip.example.net");
  EXPECT_EQ(plan->config.registrar_uri, "sip:sip.example.net");
  EXPECT_EQ(plan->config.contact, "sip:voip1.12345@sipsmith.test");
  EXPECT_EQ(plan->contact_user, "voip1.12345");
  EXPECT_EQ(plan->config.expires, 3600u);
  ASSERT_TRUE(plan->config.credentials);
  EXPECT_EQ(plan->config.credentials->username, "12345");
  EXPECT_NE(plan->config.contact_params.find(";+sip.instance=\"<urn:uuid:"), std::string::npos);
}

TEST(ProviderPlan, RegisterFieldsOverrideTheDefaults) {
  store::Provider p = provider();
  p.auth_username = "auth-id";
  p.register_server = "sip:reg.example.net:5080";
  p.register_realm = "example.net";
  p.register_contact = "alice.joe@sipsmith.test";
  p.register_expiry = 120;
  std::string why;
  auto plan = make_plan(p, "sipsmith.test", "sipsmith", &why);
  ASSERT_TRUE(plan) << why;
  EXPECT_EQ(plan->config.aor, "sip:12345@example.net");
  EXPECT_EQ(plan->config.registrar_uri, "sip:reg.example.net:5080");
  EXPECT_EQ(plan->config.contact, "sip:alice.joe@sipsmith.test");
  EXPECT_EQ(plan->config.credentials->username, "auth-id");
  EXPECT_EQ(plan->config.expires, 120u);
}

TEST(ProviderPlan, TheOutboundProxyIsTheNextHopNotTheRequestUri) {
  store::Provider p = provider();
  std::string why;
  auto direct = make_plan(p, "sipsmith.test", "sipsmith", &why);
  ASSERT_TRUE(direct) << why;
  EXPECT_EQ(direct->next_hop.uri, direct->registrar.uri);
  p.outbound_proxy = "sip:198.51.100.7:5070;transport=tcp";
  auto proxied = make_plan(p, "sipsmith.test", "sipsmith", &why);
  ASSERT_TRUE(proxied) << why;
  EXPECT_EQ(proxied->config.registrar_uri, "sip:sip.example.net");
  EXPECT_EQ(proxied->next_hop.host, "198.51.100.7");
  EXPECT_EQ(proxied->next_hop.port, 5070);
  EXPECT_EQ(proxied->next_hop.kind, transport::Kind::Tcp);
  EXPECT_TRUE(proxied->config.route.empty());
  p.outbound_proxy = "sip:[bad";
  EXPECT_FALSE(make_plan(p, "sipsmith.test", "sipsmith", &why));
  EXPECT_NE(why.find("outbound proxy"), std::string::npos) << why;
}

TEST(ProviderPlan, ContactWithoutUserIsRefused) {
  store::Provider p = provider();
  p.register_contact = "sip:sipsmith.test";
  std::string why;
  EXPECT_FALSE(make_plan(p, "sipsmith.test", "sipsmith", &why));
  EXPECT_NE(why.find("user part"), std::string::npos) << why;
}

TEST(ProviderPlan, InstanceIsStablePerProviderAndServer) {
  EXPECT_EQ(instance_id(7, "a"), instance_id(7, "a"));
  EXPECT_NE(instance_id(7, "a"), instance_id(8, "a"));
  EXPECT_NE(instance_id(7, "a"), instance_id(7, "b"));
  EXPECT_EQ(instance_id(7, "a").size(), std::string("<urn:uuid:>").size() + 36);
}

TEST(ProviderPlan, FingerprintChangesWithRegistrationFieldsOnly) {
  const store::Provider p = provider();
  store::Provider same = p;
  same.created = 99;
  same.custom_headers = "X-A: 1";  // calls only
  EXPECT_EQ(fingerprint(p, "d"), fingerprint(same, "d"));
  store::Provider pw = p;
  pw.password = "other";
  EXPECT_NE(fingerprint(p, "d"), fingerprint(pw, "d"));
  EXPECT_NE(fingerprint(p, "d"), fingerprint(p, "e"));  // the default contact's domain
}

TEST(RetryDelay, GrowsWithFailuresWithinBoundsAndNeverBelowTheMinimumGap) {
  RetryPolicy r;
  r.min_gap = 20s;
  r.base = 30s;
  r.max = 600s;
  EXPECT_EQ(retry_delay(r, 1, 1.0), 30s);
  EXPECT_EQ(retry_delay(r, 1, 0.0), 20s);  // 15 s raised to the minimum gap
  EXPECT_EQ(retry_delay(r, 2, 1.0), 60s);
  EXPECT_EQ(retry_delay(r, 3, 0.5), 90s);  // 120 s scaled by 0.75
  EXPECT_EQ(retry_delay(r, 10, 1.0), 600s);
  EXPECT_EQ(retry_delay(r, 1000, 0.0), 300s);
  for (std::uint32_t f = 1; f < 40; ++f) EXPECT_GE(retry_delay(r, f, 0.0), r.min_gap) << f;
}

}  // namespace
}  // namespace sip::provreg
