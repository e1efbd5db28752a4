// TransactionLayer plumbing: request validation, stray responses, derived
// CANCEL content, inbound messages that cannot be matched, lifetime rules.
#include "sip/transaction/derived_request.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "txn_test_support.hpp"

namespace sip::txn::test {
namespace {

using transport::Kind;

class TxnLayer : public TxnTest {};

TEST_F(TxnLayer, SendRequestChecksItsInput) {
  RequestSpec no_cookie;
  no_cookie.branch = "z9hG4bK";  // the bare cookie is no RFC 3261 branch
  EXPECT_EQ(layer->send_request(make_request(no_cookie), dest_to(Kind::Udp), {}).error().code,
            Errc::bad_value);
  RequestSpec ack;
  ack.method = "ACK";
  EXPECT_EQ(layer->send_request(make_request(ack), dest_to(Kind::Udp), {}).error().code,
            Errc::bad_method);
  EXPECT_FALSE(layer->send_request(make_reply(make_request({}), 200), dest_to(Kind::Udp), {}));
  ASSERT_TRUE(layer->send_request(make_request({}), dest_to(Kind::Udp), {}));
  EXPECT_FALSE(layer->send_request(make_request({}), dest_to(Kind::Udp), {}));  // branch in use
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(layer->client_count(), 1u);
}

TEST_F(TxnLayer, UnmatchedResponsesAreStray) {
  deliver(make_reply(make_request({}), 200));
  ASSERT_EQ(user.strays.size(), 1u);
  EXPECT_EQ(user.strays[0].message.status(), 200);
  EXPECT_EQ(user.strays[0].origin.flow, 3u);
}

TEST_F(TxnLayer, MessagesWithoutViaOrCSeqAreDropped) {
  deliver(
      parse("OPTIONS sip:a@example.com SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
            "From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n\r\n"));
  deliver(parse("SIP/2.0 200 OK\r\nCall-ID: x\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\n"));
  EXPECT_TRUE(user.requests.empty());
  EXPECT_TRUE(user.strays.empty());
  EXPECT_TRUE(sender.sent.empty());
}

TEST_F(TxnLayer, CancelIsBuiltPer91) {
  RequestSpec spec;
  spec.routes = {"<sip:edge.example.net;lr>"};
  spec.extra_vias = {"SIP/2.0/TCP 10.0.0.7;branch=z9hG4bKlower"};
  spec.cseq = 7;
  const msg::Message invite = make_request(spec);
  auto cancel = make_cancel(invite);
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->method(), msg::Method::Cancel);
  EXPECT_EQ(cancel->request_uri_text(), invite.request_uri_text());
  EXPECT_EQ(cancel->count(msg::HeaderId::Via), 1u);
  EXPECT_EQ(cancel->value(msg::HeaderId::Via), invite.value(msg::HeaderId::Via));
  EXPECT_EQ(cancel->value(msg::HeaderId::Route), "<sip:edge.example.net;lr>");
  EXPECT_EQ(cancel->value(msg::HeaderId::From), invite.value(msg::HeaderId::From));
  EXPECT_EQ(cancel->value(msg::HeaderId::To), invite.value(msg::HeaderId::To));
  EXPECT_EQ(cancel->call_id(), invite.call_id());
  EXPECT_EQ(cancel->cseq()->number, 7u);
  EXPECT_EQ(cancel->cseq()->method, msg::Method::Cancel);
  EXPECT_EQ(*cancel->max_forwards(), 70u);
  EXPECT_TRUE(cancel->body().empty());
  EXPECT_FALSE(make_cancel(make_reply(invite, 200)));
}

TEST_F(TxnLayer, IndependentTransactionsRunSideBySide) {
  std::vector<std::unique_ptr<ClientLog>> logs;
  for (int i = 0; i < 20; ++i) {
    RequestSpec s;
    s.method = i % 2 ? "INVITE" : "MESSAGE";
    s.branch = "z9hG4bKmany" + std::to_string(i);
    logs.push_back(std::make_unique<ClientLog>(timers.clock()));
    ASSERT_TRUE(layer->send_request(make_request(s), dest_to(Kind::Udp), logs.back()->events()));
  }
  RequestSpec fifth;
  fifth.method = "INVITE";
  fifth.branch = "z9hG4bKmany5";
  deliver(make_reply(make_request(fifth), 486));
  advance_to(32000);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(logs[i]->timeout_ms.size(), i == 5 ? 0u : 1u) << i;
  }
  EXPECT_EQ(logs[5]->statuses, std::vector<int>{486});
  advance_to(33000);
  EXPECT_EQ(layer->client_count(), 0u);
}

TEST_F(TxnLayer, DestroyingTheLayerCancelsItsTimers) {
  ASSERT_TRUE(layer->send_request(make_request({}), dest_to(Kind::Udp), {}));
  deliver(make_request({}));  // a server INVITE with its 100 Trying timer
  EXPECT_GT(timers.pending(), 0u);
  user.handles.clear();
  layer.reset();
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(TxnLayer, LateSendCompletionAfterTheLayerIsGoneIsIgnored) {
  sender.defer = true;
  ClientLog log(timers.clock());
  ASSERT_TRUE(layer->send_request(make_request({}), dest_to(Kind::Tcp), log.events()));
  layer.reset();
  sender.complete(0, make_error(Errc::not_found, 0, "late"));
  EXPECT_TRUE(log.errors.empty());
}

TEST_F(TxnLayer, StateNamesComeFromOneList) {
  EXPECT_EQ(state_name(TxnState::Calling), "calling");
  EXPECT_EQ(state_name(TxnState::Accepted), "accepted");
  EXPECT_EQ(state_name(TxnState::Terminated), "terminated");
  EXPECT_EQ(layer->state(ClientId{77}), TxnState::Terminated);
  EXPECT_EQ(layer->state(ServerId{77}), TxnState::Terminated);
}

}  // namespace
}  // namespace sip::txn::test
