// The bridged call (b2bua/answer.cpp, dialog.cpp): the caller's ACK passed
// to the answering leg, our 2xx retransmitted until ACKed (13.3.1.4), BYE
// from either side answered and passed on, re-INVITE relayed with its answer.
#include <gtest/gtest.h>

#include "call_test_support.hpp"

namespace sip::b2bua::test {
namespace {

class CallBridgeTest : public CallTest {
 protected:
  // alice calls bob, bob's phone answers: the call waits for the caller's ACK.
  void SetUp() override {
    register_phone("bob", kBob1);
    send_invite(caller_);
    leg_ = last_to(kBob1, "INVITE ");
    reply(kBob1, leg_, 200, "b1", kAnswer);
    ok_ = last_to(kCaller, "SIP/2.0 200");
    our_tag_ = to_tag_of(ok_);
    ASSERT_FALSE(our_tag_.empty());
  }

  const Invite caller_{};
  msg::Message leg_;  // the INVITE bob's phone got
  msg::Message ok_;   // our 200 to the caller
  std::string our_tag_;
};

TEST_F(CallBridgeTest, CallersAckIsPassedToTheLeg) {
  EXPECT_EQ(count_to(kBob1, "ACK "), 0u);  // not before the caller's
  send_ack(caller_, our_tag_);
  ASSERT_EQ(count_to(kBob1, "ACK "), 1u);
  const msg::Message ack = last_to(kBob1, "ACK ");
  EXPECT_EQ(ack.request_uri_text(), "sip:phone@127.0.0.21:5060");  // bob's Contact
  EXPECT_EQ(ack.call_id(), leg_.call_id());
  EXPECT_EQ(ack.value(msg::HeaderId::CSeq), "1 ACK");
  EXPECT_EQ(ack.value(msg::HeaderId::From), leg_.value(msg::HeaderId::From));
  EXPECT_EQ(to_tag_of(ack), "b1");
  EXPECT_EQ(calls->stats().active, 1u);
}

TEST_F(CallBridgeTest, OurOkIsRetransmittedUntilTheAck) {
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 200"), 1u);
  timers.advance(500ms);  // T1
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 200"), 2u);
  timers.advance(999ms);
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 200"), 2u);
  timers.advance(1ms);  // 2*T1 later
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 200"), 3u);
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 200").bytes(), ok_.bytes());
  send_ack(caller_, our_tag_);
  timers.advance(10s);
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 200"), 3u);
  EXPECT_EQ(count_to(kBob1, "ACK "), 1u);
  EXPECT_EQ(calls->stats().active, 1u);
}

TEST_F(CallBridgeTest, WithoutAnAckTheCallIsHungUpAfter64T1) {
  timers.advance(31s);
  EXPECT_EQ(count_to(kBob1, "BYE "), 0u);
  timers.advance(1s);
  // Sent at 0, then again at 0.5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s (T2 = 4 s
  // caps the interval); the BYEs go at 64*T1 = 32 s.
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 200"), 11u);
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
  EXPECT_EQ(count_to(kCaller, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);
  const auto in = cdrs.latest("in");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].hangup_reason, "no ACK from the caller");
}

TEST_F(CallBridgeTest, CallersByeIsAnsweredAndPassedOn) {
  send_ack(caller_, our_tag_);
  send_from_caller(caller_, our_tag_, "BYE", 2);
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 ").value(msg::HeaderId::CSeq), "2 BYE");
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 ").status(), 200);
  ASSERT_EQ(count_to(kBob1, "BYE "), 1u);
  const msg::Message bye = last_to(kBob1, "BYE ");
  EXPECT_EQ(bye.request_uri_text(), "sip:phone@127.0.0.21:5060");
  EXPECT_EQ(bye.call_id(), leg_.call_id());
  EXPECT_EQ(bye.value(msg::HeaderId::CSeq), "2 BYE");
  EXPECT_EQ(to_tag_of(bye), "b1");
  EXPECT_EQ(count_to(kCaller, "BYE "), 0u);
  EXPECT_EQ(calls->stats().active, 0u);
  // A second BYE finds no dialog.
  send_from_caller(caller_, our_tag_, "BYE", 3);
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 ").status(), 481);
  EXPECT_EQ(calls->stats().no_dialog, 1u);
}

TEST_F(CallBridgeTest, CalleesByeIsAnsweredAndPassedOn) {
  send_ack(caller_, our_tag_);
  send_from_phone(kBob1, leg_, "b1", "BYE", 1);
  EXPECT_EQ(last_to(kBob1, "SIP/2.0 ").status(), 200);
  EXPECT_EQ(last_to(kBob1, "SIP/2.0 ").value(msg::HeaderId::CSeq), "1 BYE");
  ASSERT_EQ(count_to(kCaller, "BYE "), 1u);
  const msg::Message bye = last_to(kCaller, "BYE ");
  EXPECT_EQ(bye.request_uri_text(), "sip:caller@198.51.100.7:5060");  // the caller's Contact
  EXPECT_EQ(bye.call_id(), caller_.call_id);
  EXPECT_EQ(bye.value(msg::HeaderId::CSeq), "1 BYE");
  EXPECT_EQ(bye.from()->tag(), our_tag_);
  EXPECT_EQ(to_tag_of(bye), caller_.from_tag);
  EXPECT_EQ(count_to(kBob1, "BYE "), 0u);
  EXPECT_EQ(calls->stats().active, 0u);
}

TEST_F(CallBridgeTest, ReInviteIsRelayedWithItsAnswer) {
  send_ack(caller_, our_tag_);
  const std::string hold = std::string(kOffer) + "a=sendonly\r\n";
  send_from_caller(caller_, our_tag_, "INVITE", 2, hold);
  ASSERT_EQ(count_to(kBob1, "INVITE "), 2u);
  const msg::Message reinvite = last_to(kBob1, "INVITE ");
  EXPECT_EQ(reinvite.request_uri_text(), "sip:phone@127.0.0.21:5060");
  EXPECT_EQ(reinvite.call_id(), leg_.call_id());
  EXPECT_EQ(reinvite.value(msg::HeaderId::CSeq), "2 INVITE");
  EXPECT_EQ(to_tag_of(reinvite), "b1");
  EXPECT_EQ(reinvite.body(), hold);
  EXPECT_EQ(reinvite.value(msg::HeaderId::Contact), kOurContact);

  const std::string held = std::string(kAnswer) + "a=recvonly\r\n";
  reply(kBob1, reinvite, 200, "b1", held);
  const msg::Message ok = last_to(kCaller, "SIP/2.0 200");
  EXPECT_EQ(ok.value(msg::HeaderId::CSeq), "2 INVITE");
  EXPECT_EQ(ok.body(), held);
  EXPECT_EQ(ok.value(msg::HeaderId::Contact), kOurContact);
  EXPECT_EQ(to_tag_of(ok), our_tag_);

  // bob's 2xx was ACKed by us only when the caller ACKs its own.
  EXPECT_EQ(count_to(kBob1, "ACK "), 1u);
  RequestText ack =
      caller_request(caller_, "ACK", "sip:sipsmith@192.0.2.1:5060", "z9hG4bKreack", our_tag_, 2);
  deliver(render(ack), caller_.remote);
  ASSERT_EQ(count_to(kBob1, "ACK "), 2u);
  EXPECT_EQ(last_to(kBob1, "ACK ").value(msg::HeaderId::CSeq), "2 ACK");
  EXPECT_EQ(calls->stats().in_dialog, 1u);
}

TEST_F(CallBridgeTest, ReInviteRefusedByThePeerIsRelayed) {
  send_ack(caller_, our_tag_);
  send_from_caller(caller_, our_tag_, "INVITE", 2, std::string(kOffer));
  reply(kBob1, last_to(kBob1, "INVITE "), 488, "b1");
  const msg::Message r = last_to(kCaller, "SIP/2.0 488");
  EXPECT_EQ(r.value(msg::HeaderId::CSeq), "2 INVITE");
  EXPECT_EQ(to_tag_of(r), our_tag_);
  EXPECT_EQ(calls->stats().active, 1u);  // the call goes on
}

TEST_F(CallBridgeTest, RequestOutsideAnyDialogIs481) {
  RequestText bye = caller_request(caller_, "BYE", "sip:sipsmith@192.0.2.1:5060", "z9hG4bKstray",
                                   "no-such-tag", 2);
  deliver(render(bye), caller_.remote);
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 ").status(), 481);
  EXPECT_EQ(last_to(kCaller, "SIP/2.0 ").reason(), "Call/Transaction Does Not Exist");
  EXPECT_EQ(calls->stats().active, 1u);
}

}  // namespace
}  // namespace sip::b2bua::test
