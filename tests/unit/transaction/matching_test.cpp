// Transaction matching (RFC 3261 17.1.3, 17.2.3), RFC 2543 matching for
// branches without the cookie (RFC 4475 badbranch.dat, inv2543.dat), and
// CANCEL handling at the server (9.2).
#include "sip/transaction/matching.hpp"

#include "sip/transaction/derived_request.hpp"
#include "txn_test_support.hpp"

namespace sip::txn::test {
namespace {

using transport::Kind;

// RFC 4475 3.2.1 (badbranch.dat): the branch is the bare magic cookie.
constexpr std::string_view kBadBranch =
    "OPTIONS sip:user@example.com SIP/2.0\r\n"
    "To: sip:user@example.com\r\n"
    "From: sip:caller@example.org;tag=33242\r\n"
    "Max-Forwards: 3\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\r\n"
    "Accept: application/sdp\r\n"
    "Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n\r\n"
    "CSeq: 8 OPTIONS\r\n"
    "l: 0\r\n"
    "\r\n";

// RFC 4475 3.4.1 (inv2543.dat): no branch at all, no From tag.
constexpr std::string_view kInv2543 =
    "INVITE sip:UserB@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP iftgw.example.com\r\n"
    "From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
    "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
    "To: sip:+16505552222@ss1.example.net;user=phone\r\n"
    "Call-ID: inv2543.1717@ift.client.example.com\r\n"
    "CSeq: 56 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

std::string edited(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class TxnMatching : public TxnTest {};

TEST(TxnMatchingKeys, Rfc3261BranchNeedsMoreThanTheCookie) {
  EXPECT_TRUE(is_rfc3261_branch("z9hG4bK776asdhds"));
  EXPECT_TRUE(is_rfc3261_branch("z9hG4bKx"));
  EXPECT_FALSE(is_rfc3261_branch("z9hG4bK"));  // badbranch.dat: RFC 2543 rules
  EXPECT_FALSE(is_rfc3261_branch("Z9HG4BKabc"));
  EXPECT_FALSE(is_rfc3261_branch("1234"));
  EXPECT_FALSE(is_rfc3261_branch(""));
}

TEST(TxnMatchingKeys, KeysSeparateMethodsAndSentBy) {
  EXPECT_NE(client_key("z9hG4bKa", "INVITE"), client_key("z9hG4bKa", "CANCEL"));
  const auto a = msg::parse_via("SIP/2.0/UDP Host.Example.com:5060;branch=z9hG4bKa");
  const auto b =
      msg::parse_via("SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKa;received=192.0.2.4");
  const auto c = msg::parse_via("SIP/2.0/UDP host.example.com:5061;branch=z9hG4bKa");
  const auto d = msg::parse_via("SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKA");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(server_key(*a, "INVITE"), server_key(*b, "INVITE"));
  EXPECT_NE(server_key(*a, "INVITE"), server_key(*c, "INVITE"));
  EXPECT_NE(server_key(*a, "INVITE"), server_key(*d, "INVITE"));
  EXPECT_NE(server_key(*a, "INVITE"), server_key(*a, "BYE"));
}

TEST_F(TxnMatching, ResponsesMatchByBranchAndCSeqMethod) {
  ClientLog invite_log(timers.clock()), cancel_log(timers.clock());
  auto invite = layer->send_request(make_request({}), dest_to(Kind::Udp), invite_log.events());
  ASSERT_TRUE(invite);
  deliver(make_reply(make_request({}), 180));
  ASSERT_TRUE(layer->send_cancel(*invite, cancel_log.events()));
  const msg::Message cancel = last_sent();
  EXPECT_EQ(cancel.top_via()->branch(), "z9hG4bKclient1");  // the INVITE's branch
  deliver(make_reply(cancel, 200));
  deliver(make_reply(make_request({}), 487));
  EXPECT_EQ(cancel_log.statuses, std::vector<int>{200});
  EXPECT_EQ(invite_log.statuses, (std::vector<int>{180, 487}));
  RequestSpec other;
  other.branch = "z9hG4bKsomeoneelse";
  deliver(make_reply(make_request(other), 200));
  EXPECT_EQ(user.strays.size(), 1u);
}

TEST_F(TxnMatching, SameBranchFromAnotherSentByIsANewTransaction) {
  deliver(make_request({}));
  RequestSpec other;
  other.sent_by = "192.0.2.99:5060";
  deliver(make_request(other));
  EXPECT_EQ(user.requests.size(), 2u);
  EXPECT_EQ(layer->server_count(), 2u);
}

TEST_F(TxnMatching, BareCookieBranchUsesRfc2543Matching) {
  deliver(parse(kBadBranch));
  deliver(parse(kBadBranch));  // a retransmission by RFC 2543 rules
  ASSERT_EQ(user.requests.size(), 1u);
  ASSERT_TRUE(user.handles[0].respond(200));
  deliver(parse(kBadBranch));
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 2u);
  // Each of these differs in one RFC 2543 matching field: a new transaction.
  deliver(parse(edited(kBadBranch, "CSeq: 8", "CSeq: 9")));
  deliver(parse(edited(kBadBranch, "tag=33242", "tag=33243")));
  deliver(parse(edited(kBadBranch, "OPTIONS sip:user@", "OPTIONS sip:other@")));
  deliver(parse(edited(kBadBranch, "UDP 192.0.2.1;", "UDP 192.0.2.2;")));
  deliver(parse(edited(kBadBranch, "Call-ID: bad", "Call-ID: good")));
  deliver(parse(edited(kBadBranch, "To: sip:user@example.com", "To: sip:user@example.com;tag=x")));
  EXPECT_EQ(user.requests.size(), 7u);
}

TEST_F(TxnMatching, Rfc2543InviteRetransmissionCancelAndAck) {
  deliver(parse(kInv2543));
  deliver(parse(kInv2543));
  ASSERT_EQ(user.requests.size(), 1u);
  const ServerId invite = user.ids[0];
  const std::string cancel_text =
      edited(edited(kInv2543, "INVITE sip:", "CANCEL sip:"), "CSeq: 56 INVITE", "CSeq: 56 CANCEL");
  deliver(parse(cancel_text));
  EXPECT_EQ(user.cancelled, std::vector<ServerId>{invite});
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 1u);
  ASSERT_EQ(sender.count("SIP/2.0 487 "), 1u);
  const msg::Message terminated = last_sent();
  EXPECT_EQ(layer->state(invite), TxnState::Completed);
  deliver(parse(cancel_text));  // CANCEL retransmission: its 200 again
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 2u);
  EXPECT_EQ(user.cancelled.size(), 1u);

  std::string ack = edited(kInv2543, "INVITE sip:", "ACK sip:");
  ack = edited(ack, "CSeq: 56 INVITE", "CSeq: 56 ACK");
  const std::string tag(terminated.to()->tag());
  deliver(parse(edited(ack, ";user=phone\r\nCall-ID", ";user=phone;tag=wrong\r\nCall-ID")));
  EXPECT_EQ(user.acks.size(), 1u);  // not this transaction's response tag
  EXPECT_EQ(layer->state(invite), TxnState::Completed);
  deliver(parse(edited(ack, ";user=phone\r\nCall-ID", ";user=phone;tag=" + tag + "\r\nCall-ID")));
  EXPECT_EQ(layer->state(invite), TxnState::Confirmed);
  EXPECT_EQ(user.acks.size(), 1u);
}

TEST_F(TxnMatching, CancelMatchesTheInviteByBranch) {
  deliver(make_request({}));
  const ServerId invite = user.ids[0];
  auto cancel = make_cancel(make_request({}));
  ASSERT_TRUE(cancel);
  const std::string cancel_bytes(cancel->bytes());
  deliver(std::move(cancel).value());
  EXPECT_EQ(user.cancelled, std::vector<ServerId>{invite});
  ASSERT_EQ(sender.sent.size(), 2u);
  const msg::Message ok = parse(sender.sent[0].bytes);
  const msg::Message terminated = parse(sender.sent[1].bytes);
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.cseq()->method, msg::Method::Cancel);
  EXPECT_EQ(terminated.status(), 487);
  EXPECT_EQ(terminated.cseq()->method, msg::Method::Invite);
  EXPECT_EQ(ok.to()->tag(), terminated.to()->tag());  // 9.2: the same To tag
  EXPECT_FALSE(user.handles[0].respond(200));         // the INVITE is answered
  deliver(parse(cancel_bytes));
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 2u);
  EXPECT_EQ(user.cancelled.size(), 1u);
  auto ack = make_ack(make_request({}), terminated);
  ASSERT_TRUE(ack);
  deliver(parse(*ack));
  EXPECT_EQ(layer->state(invite), TxnState::Confirmed);
  EXPECT_TRUE(user.acks.empty());
}

TEST_F(TxnMatching, CancelWithoutTransactionGets481) {
  auto cancel = make_cancel(make_request({}));
  ASSERT_TRUE(cancel);
  deliver(std::move(cancel).value());
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].first_line(), "SIP/2.0 481 Call/Transaction Does Not Exist");
  EXPECT_TRUE(user.cancelled.empty());
  EXPECT_TRUE(user.requests.empty());
}

TEST_F(TxnMatching, CancelAfterTheFinalOnlyGets200) {
  deliver(make_request({}));
  ASSERT_TRUE(user.handles[0].respond(486));
  deliver(make_cancel(make_request({})).value());
  EXPECT_TRUE(user.cancelled.empty());
  EXPECT_EQ(sender.count("SIP/2.0 200 "), 1u);
  EXPECT_EQ(sender.count("SIP/2.0 487 "), 0u);
}

TEST_F(TxnMatching, TuMayAnswerTheCancelledInviteItself) {
  deliver(make_request({}));
  user.on_cancel_hook = [this](ServerId) { ASSERT_TRUE(user.handles[0].respond(480)); };
  deliver(make_cancel(make_request({})).value());
  EXPECT_EQ(sender.count("SIP/2.0 480 "), 1u);
  EXPECT_EQ(sender.count("SIP/2.0 487 "), 0u);
}

TEST_F(TxnMatching, AckMatchesTheInviteTransactionNotOthers) {
  RequestSpec bye;
  bye.method = "BYE";
  bye.to_tag = "b1";
  deliver(make_request(bye));
  auto ack = make_ack(make_request(bye), make_reply(make_request(bye), 200));
  ASSERT_TRUE(ack);
  deliver(parse(*ack));  // same branch as the BYE, but ACK only matches INVITE
  EXPECT_EQ(user.acks.size(), 1u);
}

}  // namespace
}  // namespace sip::txn::test
