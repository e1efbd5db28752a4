// Provider legs (b2bua/dial.cpp): the next hop located through the
// dns::Resolver (a numeric server needs no query: the result is posted to the
// core loop, here a queue the test runs), the provider's From, one digest
// retry with its credentials, and the sanitised failure when it refuses them.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "../dns/dns_test_util.hpp"
#include "call_test_support.hpp"
#include "sip/dns/resolver.hpp"

namespace sip::b2bua::test {
namespace {

inline constexpr std::string_view kItsp = "127.0.0.50:5060";

class CallProviderTest : public CallTest {
 protected:
  void SetUp() override {
    store::Provider p;
    p.id = 1;
    p.owner_id = 1;
    p.name = "itsp";
    p.server = "sip:127.0.0.50:5060";
    p.username = "acct";
    p.password = "pw";
    directory.set_providers({p});
    set_plan("out", "dialstring", "${dst}@itsp");
  }
  // A resolver whose server is never asked (numeric hosts only).
  void with_resolver() {
    dns::ResolverOptions o;
    o.nameservers = {"127.0.0.1:9"};
    o.tries = 1;
    o.on_query = [this](dns::RecordType, std::string_view) { ++queries_; };
    resolver_ = std::make_unique<dns::Resolver>(std::move(o), loop_.post_fn());
    start_calls(resolver_.get());
  }
  ~CallProviderTest() override {
    tu.calls = nullptr;
    calls.reset();  // before the resolver it uses
  }
  // A 407 from the provider to `invite`.
  void challenge(const msg::Message& invite, std::string_view nonce) {
    reply(kItsp, invite, 407, "p1", {},
          {"Proxy-Authenticate: Digest realm=\"itsp\", nonce=\"" + std::string(nonce) +
           "\", algorithm=MD5, qop=\"auth\""});
  }

  dns::test::CoreLoop loop_;
  std::unique_ptr<dns::Resolver> resolver_;
  std::atomic<int> queries_{0};
};

TEST_F(CallProviderTest, ProviderLegIsLocatedThenAnswersOneChallenge) {
  with_resolver();
  send_invite(out_call("sip:5551234@sipsmith.test"));
  EXPECT_EQ(count_to(kItsp, "INVITE "), 0u);  // the target is posted, not given inline
  EXPECT_EQ(loop_.run_ready(), 1u);
  EXPECT_EQ(queries_.load(), 0);
  ASSERT_EQ(count_to(kItsp, "INVITE "), 1u);
  const msg::Message first = last_to(kItsp, "INVITE ");
  EXPECT_EQ(first.request_uri_text(), "sip:5551234@127.0.0.50:5060");
  ASSERT_TRUE(first.from());
  EXPECT_EQ(first.from()->uri.text, "sip:acct@127.0.0.50");
  EXPECT_EQ(first.value(msg::HeaderId::To), "<sip:5551234@127.0.0.50:5060>");
  EXPECT_EQ(first.body(), kOffer);

  challenge(first, "n1");
  EXPECT_EQ(count_to(kItsp, "ACK "), 1u);  // the layer ACKs the 407
  ASSERT_EQ(count_to(kItsp, "INVITE "), 2u);
  const msg::Message retry = last_to(kItsp, "INVITE ");
  EXPECT_EQ(retry.call_id(), first.call_id());
  EXPECT_EQ(retry.value(msg::HeaderId::CSeq), "2 INVITE");
  EXPECT_EQ(retry.from()->tag(), first.from()->tag());
  const std::string creds(retry.value(msg::HeaderId::ProxyAuthorization));
  EXPECT_NE(creds.find("username=\"acct\""), std::string::npos) << creds;
  EXPECT_NE(creds.find("realm=\"itsp\""), std::string::npos) << creds;
  EXPECT_NE(creds.find("nonce=\"n1\""), std::string::npos) << creds;

  reply(kItsp, retry, 200, "p1", kAnswer);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"200 OK"}));
  const auto out = cdrs.latest("out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].account, "itsp");
  EXPECT_EQ(out[0].answer_status, 200);
  EXPECT_EQ(out[0].remote_socket, "udp:127.0.0.50:5060");
}

TEST_F(CallProviderTest, ALegToTheRegisteredAddressLeavesThroughTheRegistrationsFlow) {
  store::Id asked_owner = 0;
  std::string asked;
  transport::Origin reg{transport::Kind::Udp, txn::test::addr("127.0.0.1:5070"),
                        txn::test::addr(kItsp), 77};
  provider_flow = [&](store::Id owner, std::string_view name) -> std::optional<transport::Origin> {
    asked_owner = owner;
    asked = std::string(name);
    return reg;
  };
  with_resolver();
  send_invite(out_call("sip:5551234@sipsmith.test"));
  loop_.run_ready();
  ASSERT_EQ(count_to(kItsp, "INVITE "), 1u);
  EXPECT_EQ(asked_owner, 1);
  EXPECT_EQ(asked, "itsp");
  const txn::test::SentMessage* sent = nullptr;
  for (const auto& s : sender.sent)
    if (s.bytes.rfind("INVITE ", 0) == 0 && s.to.address.to_string() == kItsp) sent = &s;
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->to.flow, 77u);
  const msg::Message invite = last_to(kItsp, "INVITE ");
  EXPECT_NE(std::string(invite.value(msg::HeaderId::Via)).find("127.0.0.1:5070"), std::string::npos)
      << invite.value(msg::HeaderId::Via);
}

TEST_F(CallProviderTest, ARegistrationAtAnotherAddressIsNotUsedForTheLeg) {
  transport::Origin reg{transport::Kind::Udp, txn::test::addr("127.0.0.1:5070"),
                        txn::test::addr("127.0.0.51:5060"), 77};
  provider_flow = [&](store::Id, std::string_view) -> std::optional<transport::Origin> {
    return reg;
  };
  with_resolver();
  send_invite(out_call("sip:5551234@sipsmith.test"));
  loop_.run_ready();
  ASSERT_EQ(count_to(kItsp, "INVITE "), 1u);
  for (const auto& s : sender.sent) {
    if (s.bytes.rfind("INVITE ", 0) == 0 && s.to.address.to_string() == kItsp) {
      EXPECT_EQ(s.to.flow, 0u);
    }
  }
}

TEST_F(CallProviderTest, SecondChallengeEndsTheLegAndTheCallerGets480) {
  with_resolver();
  set_plan("out", "lua", R"(
    sys.Dial("${dst}@itsp")
    sys.Log("last " .. sys.LastFailureStatus)
  )");
  send_invite(out_call("sip:5551234@sipsmith.test"));
  loop_.run_ready();
  challenge(last_to(kItsp, "INVITE "), "n1");
  challenge(last_to(kItsp, "INVITE "), "n2");
  EXPECT_EQ(count_to(kItsp, "INVITE "), 2u);  // one retry only
  // A B2BUA does not pass on a challenge meant for itself (docs/dialling.md).
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"480 Temporarily Unavailable"}));
  EXPECT_EQ(cdrs.latest("out").at(0).answer_status, 407);
}

// Services::resolver "may be null: only numeric hosts then" (call_manager.hpp).
TEST_F(CallProviderTest, NumericProviderNeedsNoResolver) {
  send_invite(out_call("sip:5551234@sipsmith.test"));
  ASSERT_EQ(count_to(kItsp, "INVITE "), 1u);
  EXPECT_EQ(last_to(kItsp, "INVITE ").request_uri_text(), "sip:5551234@127.0.0.50:5060");
  EXPECT_TRUE(finals_to(kDesk).empty());
}

TEST_F(CallProviderTest, ProviderNamedByHostNeedsAResolver) {
  store::Provider p = *directory.find_provider(1, "itsp");
  p.server = "sip:sip.itsp.example";
  directory.upsert_provider(p);
  send_invite(out_call("sip:5551234@sipsmith.test"));
  EXPECT_EQ(count_to(kItsp, "INVITE "), 0u);
  // The leg fails locally (503), which the caller gets sanitised to 500.
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"500 Server Internal Error"}));
  EXPECT_EQ(cdrs.latest("out").at(0).answer_status, 503);
}

}  // namespace
}  // namespace sip::b2bua::test
