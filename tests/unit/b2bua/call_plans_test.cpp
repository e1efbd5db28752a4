// Dial plans through the daemon (b2bua/plans.cpp over dialer::Runner and
// Forker; docs/dialling.md): dial string stages, dt= delays, Lua plans and
// their sys.Respond, the sanitised final response, and loop-backs into an
// account's own in dial plan.
#include <gtest/gtest.h>

#include "call_test_support.hpp"

namespace sip::b2bua::test {
namespace {

class CallPlansTest : public CallTest {
 protected:
  void SetUp() override {
    register_phone("bob", kBob1);
    register_phone("dave", kDave);
  }
  // 1001 calls `uri` through the plan `source` (of `type`).
  void call_through(const std::string& type, const std::string& source,
                    std::string uri = "sip:bob@sipsmith.test") {
    set_plan("test", type, source);
    use_plan("1001", "test");
    send_invite(out_call(std::move(uri)));
  }
};

TEST_F(CallPlansTest, NextStageStartsWhenEveryLegOfTheFirstFailed) {
  call_through("dialstring", "dave@sipsmith.test|bob@sipsmith.test");
  ASSERT_EQ(count_to(kDave, "INVITE "), 1u);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 0u);
  reply(kDave, last_to(kDave, "INVITE "), 486, "d1");
  ASSERT_EQ(count_to(kBob1, "INVITE "), 1u);
  EXPECT_TRUE(finals_to(kDesk).empty());
  reply(kBob1, last_to(kBob1, "INVITE "), 200, "b1", kAnswer);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"200 OK"}));
}

TEST_F(CallPlansTest, ACallKeepsTheDirectoryVersionItArrivedWith) {
  call_through("dialstring", "dave@sipsmith.test|bob@sipsmith.test");
  ASSERT_EQ(count_to(kDave, "INVITE "), 1u);
  // While dave rings, a reload empties the Directory (every account, plan
  // and customer gone): the call goes on with the version it arrived with.
  directory.set_accounts({});
  directory.set_dialplans({});
  directory.set_customers({});
  reply(kDave, last_to(kDave, "INVITE "), 486, "d1");
  ASSERT_EQ(count_to(kBob1, "INVITE "), 1u);  // bob found in the call's version
  reply(kBob1, last_to(kBob1, "INVITE "), 200, "b1", kAnswer);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"200 OK"}));
  ASSERT_EQ(cdrs.latest("in").size(), 1u);
  EXPECT_EQ(cdrs.latest("in")[0].account, "1001@sipsmith.test");

  // A new call sees the new version: 1001 is gone, so its IP ACL no longer
  // lets the desk phone in (it is challenged like any unknown caller).
  Invite next = out_call();
  next.call_id = "out-2@127.0.0.1";
  next.from_tag = "desk-2";
  next.branch = "z9hG4bKdesk2";
  send_invite(next);
  EXPECT_EQ(finals_to(kDesk),
            (std::vector<std::string>{"200 OK", "407 Proxy Authentication Required"}));
}

TEST_F(CallPlansTest, DelayedLegStartsAfterItsDelay) {
  call_through("dialstring", "dave@sipsmith.test&bob@sipsmith.test[dt=30]");
  reply(kDave, last_to(kDave, "INVITE "), 180, "d1");
  timers.advance(29s);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 0u);
  timers.advance(1s);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 1u);
}

TEST_F(CallPlansTest, DelayedLegStartsAtOnceWhenTheOthersFailed) {
  call_through("dialstring", "dave@sipsmith.test&bob@sipsmith.test[dt=30]");
  EXPECT_EQ(count_to(kBob1, "INVITE "), 0u);
  reply(kDave, last_to(kDave, "INVITE "), 486, "d1");
  EXPECT_EQ(count_to(kBob1, "INVITE "), 1u);  // no time has passed
  reply(kBob1, last_to(kBob1, "INVITE "), 603, "b1");
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"603 Decline"}));
}

TEST_F(CallPlansTest, LuaPlanRespondsWithItsOwnStatus) {
  call_through("lua", R"(
    local r = sys.Dial("dave@sipsmith.test")
    if r ~= "Answered" then sys.Respond(486, "Nobody Home") end
  )");
  reply(kDave, last_to(kDave, "INVITE "), 603, "d1");
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"486 Nobody Home"}));
  EXPECT_EQ(calls->running_executions(), 0u);
}

TEST_F(CallPlansTest, LuaPlanSeesTheLastFailure) {
  call_through("lua", R"(
    sys.Dial("dave@sipsmith.test")
    sys.Respond(480, "Last " .. sys.LastFailureStatus .. " " .. sys.LastFailureReason)
  )");
  reply(kDave, last_to(kDave, "INVITE "), 486, "d1");
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"480 Last 486 Busy Here"}));
}

TEST_F(CallPlansTest, LuaProvisionalReachesTheCaller) {
  call_through("lua", R"(
    sys.Respond(183, "Thinking")
    sys.Dial("bob@sipsmith.test")
  )");
  EXPECT_EQ(last_to(kDesk, "SIP/2.0 18").value(msg::HeaderId::CSeq), "1 INVITE");
  EXPECT_EQ(count_to(kDesk, "SIP/2.0 183 Thinking"), 1u);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 1u);
}

TEST_F(CallPlansTest, ALeg503ReachesTheCallerAs500) {
  call_through("dialstring", "dave@sipsmith.test");
  reply(kDave, last_to(kDave, "INVITE "), 503, "d1");
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"500 Server Internal Error"}));
}

TEST_F(CallPlansTest, ALegChallengeReachesTheCallerAs480) {
  call_through("dialstring", "dave@sipsmith.test");
  reply(kDave, last_to(kDave, "INVITE "), 407, "d1", {},
        {"Proxy-Authenticate: Digest realm=\"dave\", nonce=\"n\""});
  const auto finals = finals_to(kDesk);
  EXPECT_EQ(finals, (std::vector<std::string>{"480 Temporarily Unavailable"}));
  EXPECT_EQ(registrar::test::values(last_to(kDesk, "SIP/2.0 480"), msg::HeaderId::ProxyAuthenticate)
                .size(),
            0u);
}

TEST_F(CallPlansTest, LoopBackRunsTheCalledAccountsInPlan) {
  // 2000's in plan "ring-bob" rings bob's phone.
  call_through("dialstring", "2000@sipsmith.test", "sip:2000@sipsmith.test");
  ASSERT_EQ(count_to(kBob1, "INVITE "), 1u);
  const msg::Message inv = last_to(kBob1, "INVITE ");
  EXPECT_EQ(inv.request_uri_text(), "sip:bob@127.0.0.21:5060");
  EXPECT_EQ(inv.value(msg::HeaderId::To), "<sip:bob@sipsmith.test>");
  // The loop-back leg's From is the calling account (docs/dialling.md).
  ASSERT_TRUE(inv.from());
  EXPECT_EQ(inv.from()->uri.text, "sip:1001@sipsmith.test");
  EXPECT_EQ(inv.body(), kOffer);
  reply(kBob1, inv, 200, "b1", kAnswer);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"200 OK"}));
  EXPECT_EQ(last_to(kDesk, "SIP/2.0 200").body(), kAnswer);
}

TEST_F(CallPlansTest, LoopBackFailureIsTheLegsFailure) {
  call_through("lua", R"(
    sys.Dial("2000@sipsmith.test")
    sys.Respond(480, "Last " .. sys.LastFailureStatus)
  )",
               "sip:2000@sipsmith.test");
  reply(kBob1, last_to(kBob1, "INVITE "), 486, "b1");
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"480 Last 486"}));
}

TEST_F(CallPlansTest, InCallRunsTheCalledAccountsInPlan) {
  Invite i;
  i.uri = "sip:2000@sipsmith.test";
  i.to = "<sip:2000@sipsmith.test>";
  send_invite(i);
  ASSERT_EQ(count_to(kBob1, "INVITE "), 1u);
  EXPECT_EQ(last_to(kBob1, "INVITE ").from()->uri.text, "sip:alice@example.com");
  EXPECT_EQ(cdrs.latest("in").at(0).dialplan, "ring-bob");
}

TEST_F(CallPlansTest, CallerCancelStopsALoopBacksLegs) {
  call_through("dialstring", "2000@sipsmith.test", "sip:2000@sipsmith.test");
  reply(kBob1, last_to(kBob1, "INVITE "), 180, "b1");
  EXPECT_EQ(count_to(kDesk, "SIP/2.0 180"), 1u);
  send_cancel(out_call("sip:2000@sipsmith.test"));
  EXPECT_EQ(count_to(kBob1, "CANCEL "), 1u);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"200 OK", "487 Request Terminated"}));
}

}  // namespace
}  // namespace sip::b2bua::test
