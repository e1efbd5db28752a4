// Ringing the bindings of an account (dialer::Runner and Forker through the
// daemon's RunnerPort, b2bua/plans.cpp and dial.cpp): one INVITE per binding,
// first 2xx wins, the others are cancelled; busy, no bindings, the ring
// timeout and the caller's CANCEL.
#include <gtest/gtest.h>

#include <set>

#include "call_test_support.hpp"

namespace sip::b2bua::test {
namespace {

class CallForkingTest : public CallTest {
 protected:
  void SetUp() override {
    register_phone("bob", kBob1);
    register_phone("bob", kBob2);
  }
  // The one INVITE the phone at `address` got.
  msg::Message invite_at(std::string_view address) const {
    EXPECT_EQ(count_to(address, "INVITE "), 1u) << address;
    return last_to(address, "INVITE ");
  }
  // Both phones ring (180).
  void both_ring() {
    reply(kBob1, invite_at(kBob1), 180, "b1");
    reply(kBob2, invite_at(kBob2), 180, "b2");
  }

  const Invite caller_{};
};

TEST_F(CallForkingTest, EveryBindingGetsItsOwnInviteWithTheCallersOffer) {
  send_invite(caller_);
  std::set<std::string> call_ids{caller_.call_id};
  for (std::string_view at : {kBob1, kBob2}) {
    const msg::Message inv = invite_at(at);
    EXPECT_EQ(inv.request_uri_text(), "sip:bob@" + std::string(at));
    EXPECT_TRUE(call_ids.insert(std::string(inv.call_id())).second) << "Call-ID reused";
    EXPECT_EQ(inv.value(msg::HeaderId::Contact), kOurContact);
    EXPECT_EQ(inv.value(msg::HeaderId::To), "<sip:bob@sipsmith.test>");
    const auto from = inv.from();
    ASSERT_TRUE(from);
    EXPECT_EQ(from->uri.text, "sip:alice@example.com");
    EXPECT_EQ(from->display, "Alice");
    EXPECT_FALSE(from->tag().empty());
    EXPECT_NE(from->tag(), caller_.from_tag);
    EXPECT_EQ(inv.value(msg::HeaderId::ContentType), "application/sdp");
    EXPECT_EQ(inv.body(), kOffer);
    EXPECT_EQ(inv.top_via()->host, "192.0.2.1");
    EXPECT_EQ(inv.top_via()->port, 5060);
  }
  EXPECT_EQ(calls->stats().legs, 2u);
}

TEST_F(CallForkingTest, FirstAnswerWinsAndTheOtherLegIsCancelled) {
  send_invite(caller_);
  both_ring();
  const auto ringing = sent_to(kCaller, "SIP/2.0 180");
  ASSERT_EQ(ringing.size(), 2u);  // each leg's 180 is relayed
  EXPECT_EQ(ringing[0].value(msg::HeaderId::Contact), kOurContact);

  reply(kBob1, invite_at(kBob1), 200, "b1", kAnswer);
  const msg::Message ok = last_to(kCaller, "SIP/2.0 200");
  EXPECT_EQ(ok.body(), kAnswer);
  EXPECT_EQ(ok.value(msg::HeaderId::ContentType), "application/sdp");
  EXPECT_EQ(ok.value(msg::HeaderId::Contact), kOurContact);
  EXPECT_EQ(ok.call_id(), caller_.call_id);
  EXPECT_EQ(to_tag_of(ok), to_tag_of(ringing[0]));  // one dialog towards the caller

  const msg::Message inv2 = invite_at(kBob2);
  ASSERT_EQ(count_to(kBob2, "CANCEL "), 1u);
  const msg::Message cancel = last_to(kBob2, "CANCEL ");
  EXPECT_EQ(cancel.request_uri_text(), inv2.request_uri_text());
  EXPECT_EQ(cancel.call_id(), inv2.call_id());
  EXPECT_EQ(cancel.value(msg::HeaderId::CSeq), "1 CANCEL");
  EXPECT_EQ(cancel.top_via()->branch(), inv2.top_via()->branch());
  EXPECT_EQ(count_to(kBob1, "CANCEL "), 0u);

  // The cancelled phone ends its INVITE: the layer ACKs the 487 itself.
  reply(kBob2, cancel, 200, "b2");
  reply(kBob2, inv2, 487, "b2");
  EXPECT_EQ(count_to(kBob2, "ACK "), 1u);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"200 OK"}));
  EXPECT_EQ(calls->stats().answered, 1u);
}

TEST_F(CallForkingTest, CancelOfASilentLegWaitsForItsFirstProvisional) {
  send_invite(caller_);
  reply(kBob1, invite_at(kBob1), 200, "b1", kAnswer);
  EXPECT_EQ(count_to(kBob2, "CANCEL "), 0u);  // 9.1: not before a provisional
  reply(kBob2, invite_at(kBob2), 180, "b2");
  EXPECT_EQ(count_to(kBob2, "CANCEL "), 1u);
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 180"), 0u);  // the call is answered already
}

TEST_F(CallForkingTest, ASecondAnswerIsAcknowledgedAndHungUp) {
  send_invite(caller_);
  both_ring();
  reply(kBob1, invite_at(kBob1), 200, "b1", kAnswer);
  reply(kBob2, invite_at(kBob2), 200, "b2", kAnswer);  // crossed our CANCEL
  const msg::Message ack = last_to(kBob2, "ACK ");
  EXPECT_EQ(ack.request_uri_text(), "sip:phone@127.0.0.22:5060");
  EXPECT_EQ(ack.value(msg::HeaderId::CSeq), "1 ACK");
  ASSERT_EQ(count_to(kBob2, "BYE "), 1u);
  const msg::Message bye = last_to(kBob2, "BYE ");
  EXPECT_EQ(bye.call_id(), invite_at(kBob2).call_id());
  EXPECT_EQ(bye.value(msg::HeaderId::CSeq), "2 BYE");
  EXPECT_EQ(to_tag_of(bye), "b2");
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"200 OK"}));
  EXPECT_EQ(count_to(kBob1, "BYE "), 0u);
}

TEST_F(CallForkingTest, AllBindingsBusyGivesTheCaller486) {
  send_invite(caller_);
  reply(kBob1, invite_at(kBob1), 486, "b1");
  EXPECT_TRUE(finals_to(kCaller).empty());  // the other leg still rings
  reply(kBob2, invite_at(kBob2), 486, "b2");
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"486 Busy Here"}));
  EXPECT_EQ(count_to(kBob1, "ACK "), 1u);
  EXPECT_EQ(count_to(kBob2, "ACK "), 1u);
  EXPECT_EQ(calls->stats().failed, 1u);
  EXPECT_EQ(calls->stats().active, 0u);
}

TEST_F(CallForkingTest, AccountWithoutBindingsGives480) {
  Invite i;
  i.uri = "sip:carol@sipsmith.test";
  i.to = "<sip:carol@sipsmith.test>";
  send_invite(i);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"480 Temporarily Unavailable"}));
  EXPECT_EQ(calls->stats().legs, 0u);
}

TEST_F(CallForkingTest, RingTimeoutCancelsEveryLegAndGives480) {
  send_invite(caller_);
  both_ring();
  timers.advance(179s);
  EXPECT_EQ(count_to(kBob1, "CANCEL "), 0u);
  EXPECT_TRUE(finals_to(kCaller).empty());
  timers.advance(1s);  // the built-in plan rings for 180 s
  EXPECT_EQ(count_to(kBob1, "CANCEL "), 1u);
  EXPECT_EQ(count_to(kBob2, "CANCEL "), 1u);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"480 Temporarily Unavailable"}));
  // Answers after the timeout reach no one: a late 200 is ACKed and hung up.
  reply(kBob1, invite_at(kBob1), 487, "b1");
  reply(kBob2, invite_at(kBob2), 200, "b2", kAnswer);
  EXPECT_EQ(count_to(kBob2, "BYE "), 1u);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"480 Temporarily Unavailable"}));
}

TEST_F(CallForkingTest, CallerCancelWhileRingingCancelsLegsAnd487) {
  send_invite(caller_);
  both_ring();
  send_cancel(caller_);
  const auto finals = finals_to(kCaller);
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0], "200 OK");  // the CANCEL
  EXPECT_EQ(finals[1], "487 Request Terminated");
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 487").value(msg::HeaderId::CSeq), "1 INVITE");
  EXPECT_EQ(count_to(kBob1, "CANCEL "), 1u);
  EXPECT_EQ(count_to(kBob2, "CANCEL "), 1u);
  EXPECT_EQ(calls->stats().cancelled, 1u);
  EXPECT_EQ(calls->stats().active, 0u);
}

}  // namespace
}  // namespace sip::b2bua::test
