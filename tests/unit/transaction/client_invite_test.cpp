// INVITE client transaction (RFC 3261 17.1.1, RFC 6026): Timers A, B, C, D,
// M and the CANCEL guard at exact instants, ACK generation, absorption.
#include "sip/transaction/client_invite.hpp"

#include "txn_test_support.hpp"

namespace sip::txn::test {
namespace {

using transport::Kind;
using Times = std::vector<long>;

class TxnClientInvite : public TxnTest {
 protected:
  ClientId start_invite(ClientLog& log, Kind kind = Kind::Udp, const RequestSpec& spec = {}) {
    auto id = layer->send_request(make_request(spec), dest_to(kind), log.events());
    EXPECT_TRUE(id) << id.error().to_string();
    return id ? *id : ClientId{};
  }
  void reply(int status, std::string_view tag = "bob1", const RequestSpec& spec = {}) {
    deliver(make_reply(make_request(spec), status, tag));
  }
};

TEST_F(TxnClientInvite, UdpTimerADoublesUntilTimerB) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  EXPECT_EQ(layer->state(id), TxnState::Calling);
  advance_to(31999);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 500, 1500, 3500, 7500, 15500, 31500}));
  EXPECT_TRUE(log.timeout_ms.empty());
  EXPECT_EQ(sender.sent[0].to.flow, 0u);
  EXPECT_EQ(sender.sent[1].to.flow, 7u);  // retransmissions follow the learned flow
  advance_to(32000);
  EXPECT_EQ(log.timeout_ms, Times{32000});
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(layer->client_count(), 0u);
  EXPECT_EQ(timers.pending(), 0u);
  advance_to(100000);
  EXPECT_EQ(sender.sent.size(), 7u);
  EXPECT_EQ(log.timeout_ms.size(), 1u);
}

TEST_F(TxnClientInvite, ReliableSendsOnceAndTimesOutOnTimerB) {
  ClientLog log(timers.clock());
  start_invite(log, Kind::Tcp);
  advance_to(40000);
  EXPECT_EQ(sender.times("INVITE "), Times{0});
  EXPECT_EQ(log.timeout_ms, Times{32000});
}

TEST_F(TxnClientInvite, ConfigurableT1ScalesTimersAAndB) {
  TimerConfig c;
  c.t1 = 100ms;
  reconfigure(c);
  ClientLog log(timers.clock());
  start_invite(log);
  advance_to(10000);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 100, 300, 700, 1500, 3100, 6300}));
  EXPECT_EQ(log.timeout_ms, Times{6400});
}

TEST_F(TxnClientInvite, ProvisionalStopsTimersAAndB) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(700);
  reply(180);
  EXPECT_EQ(layer->state(id), TxnState::Proceeding);
  EXPECT_EQ(log.statuses, std::vector<int>{180});
  reply(183);
  advance_to(200000);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 500}));
  EXPECT_TRUE(log.timeout_ms.empty());
  EXPECT_EQ(log.statuses, (std::vector<int>{180, 183}));
  EXPECT_EQ(layer->state(id), TxnState::Proceeding);
}

TEST_F(TxnClientInvite, FailureFinalIsAcknowledgedAndAbsorbedUntilTimerD) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(1000);
  reply(486);
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  EXPECT_EQ(log.statuses, std::vector<int>{486});
  EXPECT_EQ(sender.times("ACK "), Times{1000});
  advance_to(2000);
  reply(486);  // retransmitted final: ACK again, not passed up
  advance_to(5000);
  reply(486);
  EXPECT_EQ(sender.times("ACK "), (Times{1000, 2000, 5000}));
  EXPECT_EQ(log.statuses.size(), 1u);
  reply(180);  // late provisional: ignored
  EXPECT_EQ(log.statuses.size(), 1u);
  advance_to(32999);
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  advance_to(33000);  // Timer D = 32 s after the final
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  reply(486);
  EXPECT_EQ(user.strays.size(), 1u);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 500}));
  EXPECT_EQ(sender.count("ACK "), 3u);
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientInvite, ConfiguredTimerDIsUsed) {
  TimerConfig c;
  c.timer_d = 40s;
  c.t1 = 100ms;  // Timer D does not scale with T1
  reconfigure(c);
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  reply(404);
  advance_to(39999);
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  advance_to(40000);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
}

TEST_F(TxnClientInvite, AckForNonSuccessFollows17113) {
  RequestSpec spec;
  spec.routes = {"<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"};
  spec.extra_vias = {"SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKbelow"};
  spec.cseq = 42;
  ClientLog log(timers.clock());
  start_invite(log, Kind::Udp, spec);
  const msg::Message invite = make_request(spec);
  reply(404, "bob9", spec);
  ASSERT_EQ(sender.count("ACK "), 1u);
  const SentMessage& sent = sender.sent.back();
  EXPECT_EQ(sent.to.address, dest_to(Kind::Udp).address);
  EXPECT_EQ(sent.to.flow, 7u);
  const msg::Message ack = parse(sent.bytes);
  EXPECT_EQ(ack.method(), msg::Method::Ack);
  EXPECT_EQ(ack.request_uri_text(), invite.request_uri_text());
  EXPECT_EQ(ack.count(msg::HeaderId::Via), 1u);
  EXPECT_EQ(ack.value(msg::HeaderId::Via), invite.value(msg::HeaderId::Via));
  std::vector<std::string_view> routes;
  ack.for_each(msg::HeaderId::Route,
               [&](const msg::HeaderField& f) { routes.push_back(ack.text(f.value)); });
  EXPECT_EQ(routes,
            (std::vector<std::string_view>{"<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"}));
  EXPECT_EQ(ack.value(msg::HeaderId::From), invite.value(msg::HeaderId::From));
  EXPECT_EQ(ack.to()->tag(), "bob9");
  EXPECT_EQ(ack.call_id(), invite.call_id());
  EXPECT_EQ(ack.cseq()->number, 42u);
  EXPECT_EQ(ack.cseq()->method, msg::Method::Ack);
  EXPECT_EQ(*ack.max_forwards(), 70u);
  EXPECT_EQ(*ack.content_length(), 0u);
  EXPECT_TRUE(ack.body().empty());
}

TEST_F(TxnClientInvite, ReliableFailureFinalTerminatesAtOnce) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log, Kind::Tcp);
  advance_to(3000);
  reply(503);
  EXPECT_EQ(sender.times("ACK "), Times{3000});
  EXPECT_EQ(layer->state(id), TxnState::Terminated);  // Timer D = 0
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_EQ(log.statuses, std::vector<int>{503});
}

TEST_F(TxnClientInvite, AcceptedPassesEvery2xxUpUntilTimerM) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(1000);
  reply(200);
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  advance_to(2000);
  reply(200);           // retransmission
  reply(200, "fork2");  // another branch of a fork
  reply(486);           // not 2xx: ignored in Accepted
  reply(180);
  EXPECT_EQ(log.statuses, (std::vector<int>{200, 200, 200}));
  EXPECT_EQ(log.response_ms, (Times{1000, 2000, 2000}));
  EXPECT_EQ(sender.count("ACK "), 0u);  // the 2xx ACK is the TU's
  advance_to(32999);
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  advance_to(33000);  // Timer M = 64*T1 after the first 2xx
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  reply(200);
  EXPECT_EQ(user.strays.size(), 1u);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 500}));
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientInvite, ReliableAcceptedStillWaitsForTimerM) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log, Kind::Tls);
  reply(180);
  advance_to(5000);
  reply(200);
  advance_to(36999);
  EXPECT_EQ(layer->state(id), TxnState::Accepted);
  advance_to(37000);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
}

TEST_F(TxnClientInvite, TimerCRunsFromSendAndIgnores100) {
  TimerConfig c;
  c.use_timer_c = true;
  reconfigure(c);
  ClientLog log(timers.clock());
  auto id = layer->send_request(make_request({}), dest_to(Kind::Udp), log.events(true));
  ASSERT_TRUE(id);
  advance_to(100);
  reply(100);  // 100 Trying does not reset Timer C
  advance_to(179999);
  EXPECT_TRUE(log.timer_c_ms.empty());
  advance_to(180000);
  EXPECT_EQ(log.timer_c_ms, Times{180000});
  EXPECT_EQ(layer->state(*id), TxnState::Proceeding);
}

TEST_F(TxnClientInvite, TimerCResetByProvisionals) {
  TimerConfig c;
  c.use_timer_c = true;
  c.timer_c = 200s;
  reconfigure(c);
  ClientLog log(timers.clock());
  ASSERT_TRUE(layer->send_request(make_request({}), dest_to(Kind::Udp), log.events(true)));
  advance_to(1000);
  reply(180);  // C due at 201 s
  advance_to(150000);
  reply(183);  // C due at 350 s
  advance_to(349999);
  EXPECT_TRUE(log.timer_c_ms.empty());
  advance_to(350000);
  EXPECT_EQ(log.timer_c_ms, Times{350000});
}

TEST_F(TxnClientInvite, TimerCWithoutHandlerCancelsThenGuardTimesOut) {
  TimerConfig c;
  c.use_timer_c = true;
  reconfigure(c);
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(1000);
  reply(180);
  advance_to(181000);
  EXPECT_EQ(sender.times("CANCEL "), Times{181000});
  EXPECT_TRUE(log.timeout_ms.empty());
  advance_to(213000);  // 9.1: no final 64*T1 after the CANCEL
  EXPECT_EQ(log.timeout_ms, Times{213000});
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
}

TEST_F(TxnClientInvite, TransportErrorOnFirstSendIsReported) {
  ClientLog log(timers.clock());
  sender.fail_next(make_error(Errc::not_found, 0, "connection refused"));
  const ClientId id = start_invite(log, Kind::Tcp);
  ASSERT_EQ(log.errors.size(), 1u);
  EXPECT_STREQ(log.errors[0].detail, "connection refused");
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(timers.pending(), 0u);
  advance_to(60000);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientInvite, TransportErrorOnRetransmissionIsReported) {
  ClientLog log(timers.clock());
  start_invite(log);
  advance_to(1000);
  sender.fail_next(make_error(Errc::not_found, 0, "ICMP unreachable"));
  advance_to(1500);
  EXPECT_EQ(log.errors.size(), 1u);
  advance_to(60000);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 500, 1500}));
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientInvite, CancelAfterProvisionalIsSentAtOnce) {
  ClientLog log(timers.clock()), cancel_log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(1000);
  reply(180);
  advance_to(2000);
  auto cancel = layer->send_cancel(id, cancel_log.events());
  ASSERT_TRUE(cancel);
  EXPECT_EQ(layer->state(*cancel), TxnState::Trying);
  EXPECT_EQ(sender.times("CANCEL "), Times{2000});
  EXPECT_EQ(sender.sent.back().to.flow, 7u);
  EXPECT_FALSE(layer->send_cancel(id, {}));  // once only
  deliver(make_reply(last_sent(), 200));
  EXPECT_EQ(cancel_log.statuses, std::vector<int>{200});
  EXPECT_EQ(layer->state(*cancel), TxnState::Completed);
  reply(487);
  EXPECT_EQ(log.statuses, (std::vector<int>{180, 487}));
  EXPECT_EQ(sender.count("ACK "), 1u);
  advance_to(100000);  // the CANCEL guard stopped with the final
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientInvite, CancelBeforeProvisionalIsHeld) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(100);
  auto cancel = layer->send_cancel(id, {});
  ASSERT_TRUE(cancel);
  EXPECT_EQ(layer->state(*cancel), TxnState::Trying);
  advance_to(700);
  EXPECT_EQ(sender.count("CANCEL "), 0u);
  EXPECT_EQ(sender.times("INVITE "), (Times{0, 500}));
  reply(100);
  EXPECT_EQ(sender.times("CANCEL "), Times{700});
}

TEST_F(TxnClientInvite, HeldCancelIsDroppedWhenTheFinalComesFirst) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  auto cancel = layer->send_cancel(id, {});
  ASSERT_TRUE(cancel);
  reply(486);
  EXPECT_EQ(layer->state(*cancel), TxnState::Terminated);
  advance_to(60000);
  EXPECT_EQ(sender.count("CANCEL "), 0u);
  EXPECT_EQ(layer->client_count(), 0u);
}

TEST_F(TxnClientInvite, CancelGuardTimesOutWithoutFinal) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  advance_to(1000);
  reply(183);
  advance_to(2000);
  ASSERT_TRUE(layer->send_cancel(id, {}));
  advance_to(33999);
  EXPECT_TRUE(log.timeout_ms.empty());
  advance_to(34000);
  EXPECT_EQ(log.timeout_ms, Times{34000});
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
}

TEST_F(TxnClientInvite, SendCancelRejectsWhatCannotBeCancelled) {
  ClientLog log(timers.clock());
  EXPECT_FALSE(layer->send_cancel(ClientId{999}, {}));
  RequestSpec options;
  options.method = "OPTIONS";
  auto opt = layer->send_request(make_request(options), dest_to(Kind::Udp), {});
  ASSERT_TRUE(opt);
  EXPECT_FALSE(layer->send_cancel(*opt, {}));
  const ClientId id = start_invite(log);
  reply(200);
  EXPECT_FALSE(layer->send_cancel(id, {}));
}

TEST_F(TxnClientInvite, AbandonStopsEverything) {
  ClientLog log(timers.clock());
  const ClientId id = start_invite(log);
  layer->abandon(id);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(timers.pending(), 0u);
  advance_to(60000);
  EXPECT_EQ(sender.sent.size(), 1u);
  reply(200);
  EXPECT_TRUE(log.statuses.empty());
  EXPECT_EQ(user.strays.size(), 1u);
}

}  // namespace
}  // namespace sip::txn::test
