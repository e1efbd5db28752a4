// sipproxyd's B2BUA placing calls for an account through SIP providers
// played by SIPp (docs/dialling.md): digest both ways (the caller answers the
// daemon's 407, the daemon answers the provider's 401 with the provider's
// credentials and From), stage fall-over on 503, all parallel legs busy ->
// 486 to the caller; and the NAT rewriting of private c= addresses (and
// ma=false keeping them). Each party's exit status is its verdict.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sip/auth/digest.hpp"
#include "sip/message/header_values.hpp"
#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};
constexpr const char* kNumber = "5551234";

// An out call from an ip_acl account "dave" (no digest) with `plan` as
// its out dial plan over providers prov1/prov2 at the given SIPp ports.
void provision_dave(CallEnv& env, const std::string& plan, std::uint16_t prov1,
                    std::uint16_t prov2) {
  env.provision(json::array({account_record("dave", true, "", "dave-out")}),
                json::array({provider_record("prov1", prov1), provider_record("prov2", prov2)}),
                json::array({dialstring_plan("dave-out", plan)}));
}

std::vector<std::pair<std::string, std::string>> from_account(const std::string& user) {
  return {{"from_user", user}, {"from_host", kCallDomain}};
}

TEST(SipproxydOutCalls, ProviderDigestAndFromAreTheProviders) {
  CallEnv env;
  auto provider = env.provider("call_provider_auth.xml");
  env.provision(json::array({account_record("alice", false, kAlicePassword, "alice-out")}),
                json::array({provider_record("prov1", provider->port())}),
                json::array({dialstring_plan("alice-out", "${dst}@prov1")}));

  auto caller = env.caller("call_uac_auth.xml", kNumber, from_account("alice"));
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(provider->finish(kCall), 0) << provider->diagnostics();

  // sipproxyd challenged alice (MD5 offered, realm = her domain).
  const std::string challenge = caller->logged("CHALLENGE");
  EXPECT_NE(challenge.find("realm=\"sipsmith.test\""), std::string::npos) << caller->log();

  // The provider saw: request-URI <number>@<its host:port>, From provuser@
  // its host, a retry with the same Call-ID and CSeq + 1 carrying
  // Authorization (checked against the password by the scenario).
  const std::string first = provider->logged("INVITE1-RECEIVED");
  const std::string retry = provider->logged("INVITE2-RECEIVED");
  ASSERT_FALSE(first.empty()) << provider->log();
  ASSERT_FALSE(retry.empty()) << provider->log();
  const std::string ruri = "INVITE sip:" + std::string(kNumber) +
                           "@127.0.0.1:" + std::to_string(provider->port()) + " SIP/2.0";
  EXPECT_EQ(sip_start_line(first), ruri);
  EXPECT_EQ(sip_start_line(retry), ruri);
  EXPECT_NE(sip_header(first, "From").find("sip:provuser@127.0.0.1"), std::string::npos) << first;
  EXPECT_EQ(sip_header(retry, "Call-ID"), sip_header(first, "Call-ID"));
  const auto cseq_number = [](const std::string& m) {
    return std::stol("0" + sip_header(m, "CSeq").substr(0, sip_header(m, "CSeq").find(' ')));
  };
  EXPECT_EQ(cseq_number(retry), cseq_number(first) + 1) << first << retry;
  EXPECT_NE(sip_header(retry, "Authorization").find("username=\"provuser\""), std::string::npos);
  EXPECT_NE(sip_header(first, "Call-ID"), caller->first_call_id());
  EXPECT_NE(provider->log().find("CHECKED username=\"provuser\""), std::string::npos);

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  const json in = cdrs_with(cdrs, "in");
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(in[0].value("account", ""), "alice@sipsmith.test");
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
  EXPECT_EQ(out[0].value("answer_status", 0), 200);
  EXPECT_EQ(out[0].value("dialplan", ""), "alice-out");
  EXPECT_EQ(out[0].value("bridge_id", ""), in[0].value("bridge_id", "x"));
}

// A provider that lists MD5 first and SHA-256 second gets the
// SHA-256 answer (the leg picks the strongest challenge, whatever the order).
TEST(SipproxydOutCalls, ProviderLegAnswersSha256EvenWhenMd5IsListedFirst) {
  CallEnv env;
  auto provider = env.provider("call_provider_auth_sha256.xml");
  env.provision(json::array({account_record("alice", false, kAlicePassword, "alice-out")}),
                json::array({provider_record("prov1", provider->port())}),
                json::array({dialstring_plan("alice-out", "${dst}@prov1")}));
  auto caller = env.caller("call_uac_auth.xml", kNumber, from_account("alice"));
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(provider->finish(kCall), 0) << provider->diagnostics() << provider->log();

  const std::string retry = provider->logged("INVITE2-RECEIVED");
  ASSERT_FALSE(retry.empty()) << provider->log();
  const std::string authorization = sip_header(retry, "Authorization");
  const auto value = sip::msg::parse_auth(authorization);
  ASSERT_TRUE(value) << authorization;
  EXPECT_EQ(value->param("algorithm"), "SHA-256") << authorization;
  const auto ha1 = sip::auth::ha1(sip::auth::DigestHash::Sha256, kProviderUser, "provider.test",
                                  kProviderPassword);
  EXPECT_EQ(sip::auth::verify_digest(*value, "provider.test", "INVITE", sip_body(retry), *ha1),
            sip::auth::DigestVerdict::Ok)
      << authorization;
}
TEST(SipproxydOutCalls, NextStageIsTriedAfter503) {
  CallEnv env;
  auto prov1 = env.provider("call_uas_unavailable.xml");
  auto prov2 = env.provider("call_uas_answer.xml");
  provision_dave(env, "${dst}@prov1|${dst}@prov2", prov1->port(), prov2->port());

  auto caller = env.caller("call_uac.xml", kNumber, from_account("dave"));
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(prov1->finish(kCall), 0) << prov1->diagnostics();
  EXPECT_EQ(prov2->finish(kCall), 0) << prov2->diagnostics();
  EXPECT_FALSE(prov2->logged("BYE-RECEIVED").empty()) << prov2->log();

  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(cdrs_with(cdrs, "in").size(), 1u);
  std::multiset<int> statuses;
  for (const auto& c : out) statuses.insert(c.value("answer_status", 0));
  EXPECT_EQ(statuses, (std::multiset<int>{200, 503}));
  EXPECT_EQ(cdrs_with(cdrs, "in")[0].value("answer_status", 0), 200);
}

TEST(SipproxydOutCalls, AllParallelLegsBusyGive486) {
  CallEnv env;
  auto prov1 = env.provider("call_uas_busy.xml");
  auto prov2 = env.provider("call_uas_busy.xml");
  provision_dave(env, "${dst}@prov1&${dst}@prov2", prov1->port(), prov2->port());

  // call_uac_busy.xml fails on any final response but 486.
  auto caller = env.caller("call_uac_busy.xml", kNumber, from_account("dave"));
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(prov1->finish(kCall), 0) << prov1->diagnostics();
  EXPECT_EQ(prov2->finish(kCall), 0) << prov2->diagnostics();

  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 3u);
  for (const auto& c : cdrs) EXPECT_EQ(c.value("answer_status", 0), 486);
}

// The c= addresses each side sees when the caller offers 192.168.1.20 and
// bob's phone answers 10.0.0.5, with bob's in dial plan `plan` (none when
// empty: all bindings ring).
struct SeenAddresses {
  std::string at_callee, at_caller;
};

SeenAddresses nat_call(const std::string& plan) {
  CallEnv env;
  if (plan.empty()) {
    env.provision(json::array({account_record("bob", true)}));
  } else {
    env.provision(json::array({account_record("bob", true, "", "", "bob-in")}), json::array(),
                  json::array({dialstring_plan("bob-in", plan)}));
  }
  auto phone = env.phone("bob", "call_uas_answer.xml", {{"answer_ip", "10.0.0.5"}});
  auto caller = env.caller("call_uac.xml", "bob", {{"offer_ip", "192.168.1.20"}});
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  SeenAddresses seen;
  const std::string body = sip_body(phone->logged("INVITE-RECEIVED"));
  const auto c = body.find("c=IN IP4 ");
  if (c != std::string::npos) seen.at_callee = body.substr(c + 9, body.find('\r', c) - c - 9);
  EXPECT_NE(body.find("m=audio 40000 RTP/AVP 0"), std::string::npos) << body;  // ports kept
  const std::string answer = caller->logged("ANSWER");  // "c=IN IP4 <a> c=<a>"
  const auto a = answer.rfind(" c=");
  if (a != std::string::npos) seen.at_caller = answer.substr(a + 3, answer.find('\n', a) - a - 3);
  return seen;
}

TEST(SipproxydNat, PrivateSdpAddressesBecomeTheSourceAddress) {
  const SeenAddresses seen = nat_call("");
  EXPECT_EQ(seen.at_callee, "127.0.0.1");
  EXPECT_EQ(seen.at_caller, "127.0.0.1");
}

TEST(SipproxydNat, MaFalseKeepsSdpAddresses) {
  const SeenAddresses seen = nat_call("bob@local[ma=false]");
  EXPECT_EQ(seen.at_callee, "192.168.1.20");
  EXPECT_EQ(seen.at_caller, "10.0.0.5");
}

}  // namespace
}  // namespace sipsmith::itest
