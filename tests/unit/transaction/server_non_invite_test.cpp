// Non-INVITE server transaction (RFC 3261 17.2.2): absorption in Trying,
// provisional and final repeats, Timer J at exact instants, reliable vs
// unreliable, the 500 of a dropped handle, transport errors.
#include "sip/transaction/server_non_invite.hpp"

#include "txn_test_support.hpp"

namespace sip::txn::test {
namespace {

using transport::Kind;
using Times = std::vector<long>;

RequestSpec register_spec() {
  RequestSpec s;
  s.method = "REGISTER";
  s.uri = "sip:example.com";
  s.branch = "z9hG4bKreg1";
  return s;
}

class TxnServerNonInvite : public TxnTest {
 protected:
  ServerTransaction& receive(Kind kind = Kind::Udp) {
    deliver(make_request(register_spec()), kind);
    EXPECT_FALSE(user.handles.empty());
    return user.handles.back();
  }
  void retransmit(Kind kind = Kind::Udp) { deliver(make_request(register_spec()), kind); }
};

TEST_F(TxnServerNonInvite, TryingAbsorbsRetransmissionsSilently) {
  ServerTransaction& txn = receive();
  EXPECT_EQ(layer->state(txn.id()), TxnState::Trying);
  advance_to(500);
  retransmit();
  advance_to(1500);
  retransmit();
  EXPECT_TRUE(sender.sent.empty());  // no automatic 100 for non-INVITE
  EXPECT_EQ(user.requests.size(), 1u);
}

TEST_F(TxnServerNonInvite, ProceedingRepeatsTheLastProvisional) {
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(100));
  EXPECT_EQ(layer->state(txn.id()), TxnState::Proceeding);
  advance_to(500);
  retransmit();
  EXPECT_EQ(sender.times("SIP/2.0 100 "), (Times{0, 500}));
  advance_to(60000);
  EXPECT_EQ(sender.sent.size(), 2u);
}

TEST_F(TxnServerNonInvite, CompletedRepeatsTheFinalUntilTimerJ) {
  ServerTransaction& txn = receive();
  const ServerId id = txn.id();
  advance_to(1000);
  ASSERT_TRUE(txn.respond(200));
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  EXPECT_FALSE(txn.respond(403));  // one final only
  advance_to(4000);
  retransmit();
  advance_to(32999);
  retransmit();
  EXPECT_EQ(sender.times("SIP/2.0 200 "), (Times{1000, 4000, 32999}));  // never on a timer
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  advance_to(33000);  // Timer J = 64*T1 after the final
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  retransmit();  // a new transaction now
  EXPECT_EQ(user.requests.size(), 2u);
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 3u);
}

TEST_F(TxnServerNonInvite, ConfigurableT1ChangesTimerJ) {
  TimerConfig c;
  c.t1 = 100ms;
  reconfigure(c);
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(200));
  advance_to(6399);
  EXPECT_EQ(layer->state(txn.id()), TxnState::Completed);
  advance_to(6400);
  EXPECT_EQ(layer->state(txn.id()), TxnState::Terminated);
}

TEST_F(TxnServerNonInvite, ReliableTimerJIsZero) {
  ServerTransaction& txn = receive(Kind::Tcp);
  ASSERT_TRUE(txn.respond(200));
  EXPECT_EQ(layer->state(txn.id()), TxnState::Terminated);
  EXPECT_EQ(layer->server_count(), 0u);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(TxnServerNonInvite, ResponsesGoBackWhereTheRequestCameFrom) {
  layer->on_inbound(arrive(make_request(register_spec()), Kind::Tls, "[2001:db8::9]:5071", 41));
  ASSERT_EQ(user.handles.size(), 1u);
  ASSERT_TRUE(user.handles[0].respond(401));
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].to.kind, Kind::Tls);
  EXPECT_EQ(sender.sent[0].to.address, addr("[2001:db8::9]:5071"));
  EXPECT_EQ(sender.sent[0].to.flow, 41u);
}

TEST_F(TxnServerNonInvite, DroppedHandleAnswers500) {
  user.keep_handles = false;
  deliver(make_request(register_spec()));
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].first_line(), "SIP/2.0 500 Server Internal Error");
  EXPECT_EQ(layer->state(user.ids[0]), TxnState::Completed);
  retransmit();
  EXPECT_EQ(sender.count("SIP/2.0 500 "), 2u);
  EXPECT_EQ(user.requests.size(), 1u);
}

TEST_F(TxnServerNonInvite, DroppedHandleAfterProvisionalAnswers500) {
  ServerTransaction& txn = receive();
  ASSERT_TRUE(txn.respond(100));
  user.handles.clear();
  EXPECT_EQ(sender.sent.back().first_line(), "SIP/2.0 500 Server Internal Error");
}

TEST_F(TxnServerNonInvite, TransportErrorEndsTheTransaction) {
  ServerTransaction& txn = receive(Kind::Tcp);
  const ServerId id = txn.id();
  sender.defer = true;
  ASSERT_TRUE(txn.respond(200));
  sender.complete(0, make_error(Errc::not_found, 0, "reset by peer"));
  // Already gone (J = 0 on TCP): a late failure is not reported.
  EXPECT_TRUE(user.failures.empty());

  sender.defer = false;
  ServerTransaction& udp = receive();
  sender.fail_next(make_error(Errc::not_found, 0, "ICMP unreachable"));
  ASSERT_TRUE(udp.respond(200));
  ASSERT_EQ(user.failures.size(), 1u);
  EXPECT_EQ(user.failures[0].second, ServerFailure::TransportError);
  EXPECT_EQ(layer->state(udp.id()), TxnState::Terminated);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
}

TEST_F(TxnServerNonInvite, RespondRejectsBadInput) {
  ServerTransaction& txn = receive();
  EXPECT_EQ(layer->respond(ServerId{12345}, 200).error().code, Errc::not_found);
  EXPECT_EQ(txn.respond(make_request(register_spec())).error().code, Errc::bad_status);
  ServerTransaction empty;
  EXPECT_FALSE(empty.respond(200));
  EXPECT_TRUE(sender.sent.empty());
}

}  // namespace
}  // namespace sip::txn::test
