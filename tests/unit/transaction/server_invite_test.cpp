// INVITE server transaction (RFC 3261 17.2.1, RFC 6026): automatic 100
// Trying, Timers G, H, I and L at exact instants, ACK absorption, the
// Accepted state, the 500 of a dropped handle, transport errors.
#include "sip/transaction/server_invite.hpp"

#include "sip/transaction/derived_request.hpp"
#include "txn_test_support.hpp"

namespace sip::txn::test {
namespace {

using transport::Kind;
using Times = std::vector<long>;

class TxnServerInvite : public TxnTest {
 protected:
  ServerTransaction& receive(Kind kind = Kind::Udp, const RequestSpec& spec = {}) {
    deliver(make_request(spec), kind);
    EXPECT_FALSE(user.handles.empty());
    return user.handles.back();
  }
  // The ACK a UAC sends for the last response we sent.
  msg::Message ack_for_last(const RequestSpec& spec = {}) {
    auto ack = make_ack(make_request(spec), last_sent());
    EXPECT_TRUE(ack);
    return parse(*ack);
  }
};

TEST_F(TxnServerInvite, SendsTryingWhenTheTuIsSilentFor200ms) {
  ServerTransaction& txn = receive();
  EXPECT_EQ(layer->state(txn.id()), TxnState::Proceeding);
  EXPECT_EQ(user.requests.size(), 1u);
  advance_to(199);
  EXPECT_TRUE(sender.sent.empty());
  advance_to(200);
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].first_line(), "SIP/2.0 100 Trying");
  EXPECT_EQ(sender.sent[0].to.kind, Kind::Udp);
  EXPECT_EQ(sender.sent[0].to.address, addr("203.0.113.9:5070"));
  EXPECT_EQ(sender.sent[0].to.flow, 3u);
  EXPECT_TRUE(last_sent().to()->tag().empty());
  advance_to(60000);  // provisionals are never retransmitted on a timer
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(TxnServerInvite, NoTryingWhenTheTuAnswersFirst) {
  ServerTransaction& txn = receive();
  advance_to(150);
  ASSERT_TRUE(txn.respond(180));
  advance_to(10000);
  EXPECT_EQ(sender.times("SIP/2.0 "), Times{150});
  EXPECT_EQ(sender.sent[0].first_line(), "SIP/2.0 180 Ringing");
  EXPECT_FALSE(last_sent().to()->tag().empty());
}

TEST_F(TxnServerInvite, TryingDelayIsConfigurable) {
  TimerConfig c;
  c.trying_delay = 50ms;
  reconfigure(c);
  receive();
  advance_to(50);
  EXPECT_EQ(sender.times("SIP/2.0 100 "), Times{50});
}

TEST_F(TxnServerInvite, RetransmissionsGetTheLastProvisional) {
  ServerTransaction& txn = receive();
  advance_to(100);
  deliver(make_request({}));  // nothing to repeat yet
  EXPECT_TRUE(sender.sent.empty());
  advance_to(500);  // 100 Trying went out at 200
  deliver(make_request({}));
  ASSERT_TRUE(txn.respond(180));
  advance_to(1500);
  deliver(make_request({}));
  EXPECT_EQ(sender.times("SIP/2.0 100 "), (Times{200, 500}));
  EXPECT_EQ(sender.times("SIP/2.0 180 "), (Times{500, 1500}));
  EXPECT_EQ(user.requests.size(), 1u);
}

TEST_F(TxnServerInvite, FailureFinalRetransmitsOnTimerGUntilTimerH) {
  ServerTransaction& txn = receive();
  const ServerId id = txn.id();
  ASSERT_TRUE(txn.respond(486));
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  advance_to(31999);
  EXPECT_EQ(sender.times("SIP/2.0 486 "),
            (Times{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  EXPECT_TRUE(user.failures.empty());
  advance_to(32000);
  ASSERT_EQ(user.failures.size(), 1u);
  EXPECT_EQ(user.failures[0].first, id);
  EXPECT_EQ(user.failures[0].second, ServerFailure::AckTimeout);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_FALSE(txn.respond(500));
}

TEST_F(TxnServerInvite, ConfigurableT1T2ChangeTimersGAndH) {
  TimerConfig c;
  c.t1 = 100ms;
  c.t2 = 400ms;
  reconfigure(c);
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(603));
  advance_to(2000);
  EXPECT_EQ(sender.times("SIP/2.0 603 "), (Times{0, 100, 300, 700, 1100, 1500, 1900}));
  advance_to(6399);
  EXPECT_TRUE(user.failures.empty());
  advance_to(6400);
  EXPECT_EQ(user.failures.size(), 1u);
}

TEST_F(TxnServerInvite, CompletedAnswersInviteRetransmissionsWithTheFinal) {
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(486));
  advance_to(200);
  deliver(make_request({}));
  EXPECT_EQ(sender.times("SIP/2.0 486 "), (Times{0, 200}));
  advance_to(500);
  EXPECT_EQ(sender.times("SIP/2.0 486 "), (Times{0, 200, 500}));
  EXPECT_EQ(user.requests.size(), 1u);
}

TEST_F(TxnServerInvite, AckIsAbsorbedAndTimerIEndsConfirmed) {
  ServerTransaction& txn = receive();
  const ServerId id = txn.id();
  ASSERT_TRUE(txn.respond(486));
  advance_to(1000);
  deliver(ack_for_last());
  EXPECT_EQ(layer->state(id), TxnState::Confirmed);
  EXPECT_TRUE(user.acks.empty());
  deliver(ack_for_last());    // retransmitted ACK: absorbed
  deliver(make_request({}));  // late INVITE retransmission: absorbed
  advance_to(5999);
  EXPECT_EQ(sender.times("SIP/2.0 486 "), (Times{0, 500}));  // G stopped by the ACK
  EXPECT_EQ(layer->state(id), TxnState::Confirmed);
  advance_to(6000);  // Timer I = T4 after the ACK
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_TRUE(user.acks.empty());
  EXPECT_TRUE(user.failures.empty());
  EXPECT_EQ(user.requests.size(), 1u);
}

TEST_F(TxnServerInvite, ReliableHasNoTimerGAndZeroTimerI) {
  ServerTransaction& txn = receive(Kind::Tcp);
  const ServerId id = txn.id();
  ASSERT_TRUE(txn.respond(486));
  advance_to(10000);
  EXPECT_EQ(sender.times("SIP/2.0 486 "), Times{0});
  EXPECT_EQ(sender.sent[0].to.kind, Kind::Tcp);
  deliver(ack_for_last(), Kind::Tcp);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(TxnServerInvite, ReliableStillRunsTimerH) {
  ServerTransaction& txn = receive(Kind::Tls);
  advance_to(1000);
  ASSERT_TRUE(txn.respond(480));
  advance_to(32999);
  EXPECT_TRUE(user.failures.empty());
  advance_to(33000);
  EXPECT_EQ(user.failures.size(), 1u);
  EXPECT_EQ(sender.count("SIP/2.0 480 "), 1u);
}

TEST_F(TxnServerInvite, AcceptedAbsorbsInvitesAndPassesAcksUntilTimerL) {
  ServerTransaction& txn = receive();
  const ServerId id = txn.id();
  ASSERT_TRUE(txn.respond(200));
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  advance_to(500);
  deliver(make_request({}));  // absorbed: the TU retransmits its 2xx itself
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 1u);
  ASSERT_TRUE(txn.respond(200));  // the TU's 2xx retransmission
  EXPECT_EQ(sender.times("SIP/2.0 200 "), (Times{0, 500}));
  EXPECT_FALSE(txn.respond(486));
  deliver(ack_for_last());  // same branch (RFC 6026): up to the TU
  RequestSpec new_branch;
  new_branch.branch = "z9hG4bKack2xx";
  deliver(ack_for_last(new_branch));  // a 2xx ACK of its own transaction
  EXPECT_EQ(user.acks.size(), 2u);
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  advance_to(31999);
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  advance_to(32000);  // Timer L = 64*T1 after the 2xx
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  deliver(ack_for_last());
  EXPECT_EQ(user.acks.size(), 3u);
  EXPECT_EQ(user.requests.size(), 1u);
  EXPECT_EQ(sender.count("SIP/2.0 100 "), 0u);
}

TEST_F(TxnServerInvite, DroppedHandleAnswers500) {
  user.keep_handles = false;
  deliver(make_request({}));
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].first_line(), "SIP/2.0 500 Server Internal Error");
  EXPECT_FALSE(last_sent().to()->tag().empty());
  EXPECT_EQ(layer->state(user.ids[0]), TxnState::Completed);
  advance_to(500);  // an ordinary non-2xx final: Timer G applies
  EXPECT_EQ(sender.times("SIP/2.0 500 "), (Times{0, 500}));
}

TEST_F(TxnServerInvite, DroppedHandleKeepsTheTagOfItsProvisional) {
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(make_reply(make_request({}), 183, "early7")));
  user.handles.clear();
  EXPECT_EQ(sender.sent.back().first_line(), "SIP/2.0 500 Server Internal Error");
  EXPECT_EQ(last_sent().to()->tag(), "early7");
}

TEST_F(TxnServerInvite, HandleAfterFinalOrReleasedSendsNothingMore) {
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(404));
  user.handles.clear();
  EXPECT_EQ(sender.sent.size(), 1u);

  RequestSpec second;
  second.branch = "z9hG4bKsecond";
  ServerTransaction& other = receive(Kind::Udp, second);
  ServerTransaction moved = std::move(other);
  EXPECT_FALSE(other);
  const ServerId id = moved.release();
  EXPECT_FALSE(moved);
  user.handles.clear();
  EXPECT_EQ(sender.sent.size(), 1u);
  ASSERT_TRUE(layer->respond(id, 302));
  EXPECT_EQ(sender.sent.back().first_line(), "SIP/2.0 302 Moved Temporarily");
}

TEST_F(TxnServerInvite, ProvisionalAndFinalShareTheToTag) {
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(180));
  const std::string tag(last_sent().to()->tag());
  ASSERT_TRUE(txn.respond(200));
  EXPECT_EQ(last_sent().to()->tag(), tag);
}

TEST_F(TxnServerInvite, TransportErrorEndsTheTransaction) {
  ServerTransaction& txn = receive(Kind::Tcp);
  const ServerId id = txn.id();
  sender.fail_next(make_error(Errc::not_found, 0, "flow closed"));
  ASSERT_TRUE(txn.respond(486));
  ASSERT_EQ(user.failures.size(), 1u);
  EXPECT_EQ(user.failures[0].second, ServerFailure::TransportError);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(TxnServerInvite, TransportErrorInAcceptedKeepsAbsorbing) {
  ServerTransaction& txn = receive();
  const ServerId id = txn.id();
  sender.fail_next(make_error(Errc::not_found, 0, "ICMP unreachable"));
  ASSERT_TRUE(txn.respond(200));
  EXPECT_EQ(user.failures.size(), 1u);
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  deliver(make_request({}));
  EXPECT_EQ(user.requests.size(), 1u);
}

}  // namespace
}  // namespace sip::txn::test
