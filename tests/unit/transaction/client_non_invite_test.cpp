// Non-INVITE client transaction (RFC 3261 17.1.2): Timers E, F and K at
// exact instants, reliable vs unreliable, absorption, transport errors.
#include "sip/transaction/client_non_invite.hpp"

#include "txn_test_support.hpp"

namespace sip::txn::test {
namespace {

using transport::Kind;
using Times = std::vector<long>;

RequestSpec options_spec() {
  RequestSpec s;
  s.method = "OPTIONS";
  s.branch = "z9hG4bKoptions1";
  return s;
}

class TxnClientNonInvite : public TxnTest {
 protected:
  ClientId start(ClientLog& log, Kind kind = Kind::Udp) {
    auto id = layer->send_request(make_request(options_spec()), dest_to(kind), log.events());
    EXPECT_TRUE(id) << id.error().to_string();
    return id ? *id : ClientId{};
  }
  void reply(int status) { deliver(make_reply(make_request(options_spec()), status)); }
};

TEST_F(TxnClientNonInvite, TimerEDoublesCappedAtT2UntilTimerF) {
  ClientLog log(timers.clock());
  const ClientId id = start(log);
  EXPECT_EQ(layer->state(id), TxnState::Trying);
  advance_to(31999);
  EXPECT_EQ(sender.times("OPTIONS "),
            (Times{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  EXPECT_TRUE(log.timeout_ms.empty());
  advance_to(32000);
  EXPECT_EQ(log.timeout_ms, Times{32000});
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  EXPECT_EQ(timers.pending(), 0u);
  advance_to(90000);
  EXPECT_EQ(sender.sent.size(), 11u);
}

TEST_F(TxnClientNonInvite, ProceedingRetransmitsEveryT2) {
  ClientLog log(timers.clock());
  const ClientId id = start(log);
  advance_to(600);
  reply(100);
  EXPECT_EQ(layer->state(id), TxnState::Proceeding);
  advance_to(32000);
  // The pending E (due 1500) fires, then E = T2.
  EXPECT_EQ(sender.times("OPTIONS "),
            (Times{0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500}));
  EXPECT_EQ(log.timeout_ms, Times{32000});  // Timer F still runs in Proceeding
  EXPECT_EQ(log.statuses, std::vector<int>{100});
}

TEST_F(TxnClientNonInvite, FinalStartsTimerKWhichAbsorbsRetransmissions) {
  ClientLog log(timers.clock());
  const ClientId id = start(log);
  advance_to(800);
  reply(180);
  advance_to(1000);
  reply(200);
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  reply(200);
  advance_to(3000);
  reply(200);
  EXPECT_EQ(log.statuses, (std::vector<int>{180, 200}));
  EXPECT_EQ(log.response_ms, (Times{800, 1000}));
  advance_to(5999);
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  advance_to(6000);  // Timer K = T4 after the final
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  reply(200);
  EXPECT_EQ(user.strays.size(), 1u);
  EXPECT_EQ(sender.times("OPTIONS "), (Times{0, 500}));
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientNonInvite, ReliableHasNoTimerEAndTimesOutOnTimerF) {
  ClientLog log(timers.clock());
  start(log, Kind::Tcp);
  advance_to(40000);
  EXPECT_EQ(sender.times("OPTIONS "), Times{0});
  EXPECT_EQ(log.timeout_ms, Times{32000});
}

TEST_F(TxnClientNonInvite, ReliableFinalTerminatesAtOnce) {
  ClientLog log(timers.clock());
  const ClientId id = start(log, Kind::Tls);
  reply(404);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);  // Timer K = 0
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_EQ(log.statuses, std::vector<int>{404});
}

TEST_F(TxnClientNonInvite, ConfigurableT1T2T4) {
  TimerConfig c;
  c.t1 = 100ms;
  c.t2 = 400ms;
  c.t4 = 1s;
  reconfigure(c);
  ClientLog log(timers.clock());
  const ClientId id = start(log);
  advance_to(2000);
  EXPECT_EQ(sender.times("OPTIONS "), (Times{0, 100, 300, 700, 1100, 1500, 1900}));
  reply(200);
  advance_to(2999);
  EXPECT_EQ(layer->state(id), TxnState::Completed);
  advance_to(3000);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);

  ClientLog log2(timers.clock());
  RequestSpec s = options_spec();
  s.branch = "z9hG4bKoptions2";
  ASSERT_TRUE(layer->send_request(make_request(s), dest_to(Kind::Udp), log2.events()));
  advance_to(3000 + 6399);
  EXPECT_TRUE(log2.timeout_ms.empty());
  advance_to(3000 + 6400);  // F = 64*T1
  EXPECT_EQ(log2.timeout_ms, Times{9400});
}

TEST_F(TxnClientNonInvite, DeferredTransportErrorIsReported) {
  sender.defer = true;
  ClientLog log(timers.clock());
  const ClientId id = start(log, Kind::Tcp);
  advance_to(100);
  sender.complete(0, make_error(Errc::not_found, 0, "TLS verification failed"));
  ASSERT_EQ(log.errors.size(), 1u);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  advance_to(60000);
  EXPECT_TRUE(log.timeout_ms.empty());
}

TEST_F(TxnClientNonInvite, ClosedReliableFlowFailsPendingTransactions) {
  ClientLog tcp(timers.clock()), udp(timers.clock());
  const ClientId a = start(tcp, Kind::Tcp);
  RequestSpec s = options_spec();
  s.branch = "z9hG4bKoptions2";
  auto b = layer->send_request(make_request(s), dest_to(Kind::Udp), udp.events());
  ASSERT_TRUE(b);
  layer->on_flow_closed(8, make_error(Errc::not_found, 0, "other flow"));
  EXPECT_TRUE(tcp.errors.empty());
  layer->on_flow_closed(7, make_error(Errc::not_found, 0, "peer closed"));
  EXPECT_EQ(tcp.errors.size(), 1u);
  EXPECT_EQ(layer->state(a), TxnState::Terminated);
  EXPECT_TRUE(udp.errors.empty());  // UDP "flows" do not fail transactions
  EXPECT_EQ(layer->state(*b), TxnState::Trying);
}

TEST_F(TxnClientNonInvite, ClosedFlowAfterFinalIsHarmless) {
  ClientLog log(timers.clock());
  advance_to(0);
  auto id = layer->send_request(make_request(options_spec()), dest_to(Kind::Udp), log.events());
  ASSERT_TRUE(id);
  reply(200);
  layer->on_flow_closed(7, make_error(Errc::not_found, 0, "closed"));
  EXPECT_TRUE(log.errors.empty());
  EXPECT_EQ(layer->state(*id), TxnState::Completed);
}

TEST_F(TxnClientNonInvite, AbandonInsideCallbackIsSafe) {
  ClientLog log(timers.clock());
  ClientId id{};
  ClientEvents ev = log.events();
  ev.on_response = [&](const msg::Message& r) {
    log.statuses.push_back(r.status());
    layer->abandon(id);
  };
  auto started = layer->send_request(make_request(options_spec()), dest_to(Kind::Udp), ev);
  ASSERT_TRUE(started);
  id = *started;
  reply(100);
  EXPECT_EQ(layer->state(id), TxnState::Terminated);
  reply(200);
  EXPECT_EQ(log.statuses, std::vector<int>{100});
  advance_to(60000);
  EXPECT_EQ(sender.sent.size(), 1u);
}

}  // namespace
}  // namespace sip::txn::test
