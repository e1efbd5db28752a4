// The CDR recorder (b2bua/cdr.cpp and the legs' records in dial.cpp): one
// "in" record for the caller and one "out" record per leg, sharing the
// call's bridge_id, written when a leg starts, is answered and ends.
// CDR times are unix milliseconds of Services::wall (the tests' manual
// clock), so their values are checked too.
#include <gtest/gtest.h>

#include <algorithm>

#include "call_test_support.hpp"
#include "sip/b2bua/cdr_durations.hpp"

namespace sip::b2bua::test {
namespace {

class CallCdrTest : public CallTest {
 protected:
  void SetUp() override {
    register_phone("bob", kBob1);
    register_phone("bob", kBob2);
    send_invite(caller_);
  }
  // The latest "out" record of the leg with Call-ID `call_id`.
  store::Cdr out_leg(std::string_view call_id) const {
    for (const auto& c : cdrs.latest("out"))
      if (c.call_id == call_id) return c;
    ADD_FAILURE() << "no out CDR for " << call_id;
    return {};
  }

  const Invite caller_{};
};

TEST_F(CallCdrTest, EveryLegIsRecordedWhenItStarts) {
  const auto in = cdrs.latest("in");
  const auto out = cdrs.latest("out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& c : out) {
    EXPECT_EQ(c.bridge_id, in[0].bridge_id);
    EXPECT_EQ(c.owner_id, 1);
    EXPECT_EQ(c.account, "bob@sipsmith.test");
    EXPECT_EQ(c.answer_status, 0);
    EXPECT_EQ(c.hungup_at, 0);
    EXPECT_NE(c.created, 0);
    EXPECT_EQ(c.from_user, "alice");
    EXPECT_EQ(c.local_socket, "udp:192.0.2.1:5060");
    EXPECT_NE(c.id, in[0].id);
  }
  EXPECT_EQ(out_leg(last_to(kBob1, "INVITE ").call_id()).dst_uri, "sip:bob@127.0.0.21:5060");
  EXPECT_EQ(out_leg(last_to(kBob1, "INVITE ").call_id()).remote_socket, "udp:127.0.0.21:5060");
  EXPECT_EQ(out_leg(last_to(kBob2, "INVITE ").call_id()).dst_host, "127.0.0.22");
}

TEST_F(CallCdrTest, TimesAreTheWallClocksAndDurationsFollowThem) {
  const std::int64_t start = timers.clock().unix_millis();
  EXPECT_EQ(cdrs.latest("in")[0].created, start);
  const msg::Message inv1 = last_to(kBob1, "INVITE ");
  timers.advance(4s);
  reply(kBob1, inv1, 180, "b1");
  timers.advance(5500ms);
  reply(kBob1, inv1, 200, "b1", kAnswer);
  const std::string our_tag = to_tag_of(last_to(kCaller, "SIP/2.0 200"));
  send_ack(caller_, our_tag);
  timers.advance(60s);
  send_from_caller(caller_, our_tag, "BYE", 2);

  const store::Cdr leg = out_leg(inv1.call_id());
  EXPECT_EQ(leg.created, start);
  EXPECT_EQ(leg.progress_at, start + 4'000);
  EXPECT_EQ(leg.answered_at, start + 9'500);
  EXPECT_EQ(leg.hungup_at, start + 69'500);
  EXPECT_EQ(leg.ring_duration, 5);  // first provisional to answer, 5.5 s
  EXPECT_EQ(leg.talk_duration, 60);
  const store::Cdr in = cdrs.latest("in")[0];
  EXPECT_EQ(in.answered_at, start + 9'500);
  EXPECT_EQ(in.hungup_at, start + 69'500);
  EXPECT_EQ(in.talk_duration, 60);
}

TEST_F(CallCdrTest, AnsweredAndCancelledLegsThenHangUp) {
  const msg::Message inv1 = last_to(kBob1, "INVITE ");
  const msg::Message inv2 = last_to(kBob2, "INVITE ");
  reply(kBob1, inv1, 180, "b1");
  reply(kBob2, inv2, 180, "b2");
  reply(kBob1, inv1, 200, "b1", kAnswer);
  const std::string our_tag = to_tag_of(last_to(kCaller, "SIP/2.0 200"));
  send_ack(caller_, our_tag);

  const store::Cdr cancelled = out_leg(inv2.call_id());
  EXPECT_EQ(cancelled.answer_status, 487);
  EXPECT_EQ(cancelled.answer_reason, "Request Terminated");
  EXPECT_EQ(cancelled.progress_status, 180);
  EXPECT_NE(cancelled.hungup_at, 0);
  EXPECT_EQ(cancelled.answered_at, 0);

  store::Cdr answered = out_leg(inv1.call_id());
  EXPECT_EQ(answered.answer_status, 200);
  EXPECT_EQ(answered.answer_reason, "OK");
  EXPECT_NE(answered.answered_at, 0);
  EXPECT_EQ(answered.hungup_at, 0);  // still talking

  const std::int64_t before_bye = cdrs.latest("in")[0].answered_at;
  send_from_caller(caller_, our_tag, "BYE", 2);
  const auto in = cdrs.latest("in");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].answer_status, 200);
  EXPECT_EQ(in[0].answer_reason, "OK");
  EXPECT_EQ(in[0].progress_status, 180);
  EXPECT_GE(in[0].hungup_at, before_bye);
  EXPECT_NE(before_bye, 0);
  EXPECT_EQ(in[0].hangup_reason, "caller hung up");
  answered = out_leg(inv1.call_id());
  EXPECT_GE(answered.hungup_at, answered.answered_at);
  EXPECT_EQ(answered.hangup_reason, "caller hung up");
  EXPECT_EQ(out_leg(inv2.call_id()).answer_status, 487);  // unchanged by the hang-up
  const auto out = cdrs.latest("out");
  ASSERT_EQ(out.size(), 2u);
  for (const auto& c : out) EXPECT_EQ(c.bridge_id, in[0].bridge_id);
  EXPECT_EQ(cdrs.batches, 1);  // the call's end: one store job
}

TEST_F(CallCdrTest, CalleeHangUpIsRecordedAsSuch) {
  const msg::Message inv1 = last_to(kBob1, "INVITE ");
  reply(kBob1, inv1, 200, "b1", kAnswer);
  send_ack(caller_, to_tag_of(last_to(kCaller, "SIP/2.0 200")));
  send_from_phone(kBob1, inv1, "b1", "BYE", 1);
  EXPECT_EQ(cdrs.latest("in")[0].hangup_reason, "callee hung up");
  EXPECT_EQ(out_leg(inv1.call_id()).hangup_reason, "callee hung up");
  EXPECT_NE(out_leg(inv1.call_id()).hungup_at, 0);
}

TEST_F(CallCdrTest, FailedLegsAndTheCallersFailure) {
  const msg::Message inv1 = last_to(kBob1, "INVITE ");
  const msg::Message inv2 = last_to(kBob2, "INVITE ");
  reply(kBob1, inv1, 486, "b1");
  reply(kBob2, inv2, 486, "b2");
  for (const auto& call_id : {inv1.call_id(), inv2.call_id()}) {
    const store::Cdr c = out_leg(call_id);
    EXPECT_EQ(c.answer_status, 486);
    EXPECT_EQ(c.answer_reason, "Busy Here");
    EXPECT_EQ(c.hangup_reason, "failed");
    EXPECT_NE(c.hungup_at, 0);
    EXPECT_EQ(c.answered_at, 0);
    EXPECT_EQ(c.talk_duration, 0);
  }
  const auto in = cdrs.latest("in");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].answer_status, 486);
  EXPECT_EQ(in[0].answer_reason, "Busy Here");
  EXPECT_EQ(in[0].hangup_reason, "not answered");
  EXPECT_NE(in[0].hungup_at, 0);
  EXPECT_EQ(calls->stats().cdrs_written, cdrs.writes.size());
}

TEST_F(CallCdrTest, CallerCancelIsRecorded) {
  reply(kBob1, last_to(kBob1, "INVITE "), 180, "b1");
  reply(kBob2, last_to(kBob2, "INVITE "), 180, "b2");
  send_cancel(caller_);
  const auto in = cdrs.latest("in");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].answer_status, 487);
  EXPECT_EQ(in[0].hangup_reason, "caller cancelled");
  const auto out = cdrs.latest("out");
  ASSERT_EQ(out.size(), 2u);
  for (const auto& c : out) {
    EXPECT_EQ(c.answer_status, 487);
    EXPECT_EQ(c.hangup_reason, "caller cancelled");
  }
}

TEST_F(CallCdrTest, EventsFollowTheCall) {
  const msg::Message inv1 = last_to(kBob1, "INVITE ");
  reply(kBob1, inv1, 180, "b1");
  reply(kBob1, inv1, 200, "b1", kAnswer);
  const std::string our_tag = to_tag_of(last_to(kCaller, "SIP/2.0 200"));
  send_ack(caller_, our_tag);
  send_from_caller(caller_, our_tag, "BYE", 2);
  std::vector<CallEvent::Kind> kinds;
  for (const auto& e : events) kinds.push_back(e.kind);
  EXPECT_EQ(kinds,
            (std::vector<CallEvent::Kind>{CallEvent::Kind::Created, CallEvent::Kind::Progress,
                                          CallEvent::Kind::Answered, CallEvent::Kind::HungUp}));
  for (const auto& e : events) {
    EXPECT_EQ(e.call_id, caller_.call_id);
    EXPECT_EQ(e.bridge_id, cdrs.latest("in")[0].bridge_id);
    EXPECT_EQ(e.owner, 1);
  }
}

// Ring time runs from the first provisional response to the answer, not
// from the leg's creation; either missing gives 0. Talk from answer to hang-up.
TEST(CdrDurations, RingCountsFromTheFirstProvisionalToTheAnswer) {
  store::Cdr c;
  c.created = 1'700'000'000'000;
  c.progress_at = c.created + 4'000;
  c.answered_at = c.created + 9'500;
  c.hungup_at = c.created + 70'499;
  set_cdr_durations(c);
  EXPECT_EQ(c.ring_duration, 5);  // 5.5 s rounded down; 9 from creation
  EXPECT_EQ(c.talk_duration, 60);

  store::Cdr no_provisional = c;
  no_provisional.progress_at = 0;
  set_cdr_durations(no_provisional);
  EXPECT_EQ(no_provisional.ring_duration, 0);
  EXPECT_EQ(no_provisional.talk_duration, 60);

  store::Cdr not_answered = c;  // rang, then failed or was cancelled
  not_answered.answered_at = 0;
  set_cdr_durations(not_answered);
  EXPECT_EQ(not_answered.ring_duration, 0);
  EXPECT_EQ(not_answered.talk_duration, 0);

  store::Cdr talking = c;  // answered, not hung up yet
  talking.hungup_at = 0;
  set_cdr_durations(talking);
  EXPECT_EQ(talking.ring_duration, 5);
  EXPECT_EQ(talking.talk_duration, 0);
}

// A leg answered with no provisional response: no progress time on either
// record, ring 0; every written record's durations follow from its times.
TEST_F(CallCdrTest, AnswerWithoutRingingRecordsNoRingTime) {
  const msg::Message inv1 = last_to(kBob1, "INVITE ");
  reply(kBob1, inv1, 200, "b1", kAnswer);
  const std::string our_tag = to_tag_of(last_to(kCaller, "SIP/2.0 200"));
  send_ack(caller_, our_tag);
  send_from_caller(caller_, our_tag, "BYE", 2);
  const store::Cdr in = cdrs.latest("in")[0];
  const store::Cdr out = out_leg(inv1.call_id());
  EXPECT_EQ(in.progress_at, 0);
  EXPECT_EQ(out.progress_at, 0);
  EXPECT_EQ(in.ring_duration, 0);
  EXPECT_EQ(out.ring_duration, 0);
  EXPECT_NE(out.answered_at, 0);
  for (const auto& written : cdrs.writes) {
    store::Cdr expected = written;
    set_cdr_durations(expected);
    EXPECT_EQ(written.ring_duration, expected.ring_duration) << written.id;
    EXPECT_EQ(written.talk_duration, expected.talk_duration) << written.id;
  }
}

}  // namespace
}  // namespace sip::b2bua::test
