// Blind transfers in the call manager (b2bua/transfer.cpp): REFER refused
// by default and without Refer-To; consumed with tr=c through the owner's
// "transfer" plan: the held caller's session is offered to the new party as
// sendrecv, the referrer gets NOTIFYs and a BYE, the caller a re-INVITE with
// the new party's session; the operator's blind_transfer; CDRs of every leg.
#include <gtest/gtest.h>

#include "call_test_support.hpp"

namespace sip::b2bua::test {
namespace {

constexpr std::string_view kCarol = "127.0.0.41:5060";
constexpr std::string_view kCarolAnswer =
    "v=0\r\no=carol 3 3 IN IP4 203.0.113.60\r\ns=-\r\nc=IN IP4 203.0.113.60\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n";

// `body` with its o= line's username, session id and version replaced by
// `identity` ("bob 2 3"): what a party whose partner changed is sent.
std::string origin_as(std::string_view body, std::string_view identity) {
  std::string out(body);
  const auto at = out.find("o=");
  const auto user_end = out.find(' ', at);
  const auto id_end = out.find(' ', user_end + 1);
  const auto version_end = out.find(' ', id_end + 1);
  out.replace(at + 2, version_end - at - 2, identity);
  return out;
}

class CallTransferTest : public CallTest {
 protected:
  // An outside caller calls bob (whose in plan rings his phone with
  // `options`), bob's phone answers, the caller ACKs.
  void connect(const std::string& options) {
    set_plan("bob-in", "dialstring", "bob@sipsmith.test" + options);
    use_plan("bob", "bob-in", true);
    register_phone("bob", kBob1);
    register_phone("carol", kCarol);
    send_invite(caller_);
    leg_ = last_to(kBob1, "INVITE ");
    reply(kBob1, leg_, 200, "b1", kAnswer);
    our_tag_ = to_tag_of(last_to(kCaller, "SIP/2.0 200"));
    send_ack(caller_, our_tag_);
  }
  // Bob's phone sends REFER (with `refer_to` unless empty).
  void refer(const std::string& refer_to, std::uint32_t cseq = 1) {
    RequestText r = request("REFER", "sip:sipsmith@192.0.2.1:5060", std::string(kBob1),
                            "z9hG4bKrefer" + std::to_string(cseq));
    r.from = std::string(leg_.value(msg::HeaderId::To)) + ";tag=b1";
    r.to = std::string(leg_.value(msg::HeaderId::From));
    r.call_id = std::string(leg_.call_id());
    r.cseq = cseq;
    r.headers.push_back("Contact: <sip:phone@" + std::string(kBob1) + ">");
    if (!refer_to.empty()) r.headers.push_back("Refer-To: " + refer_to);
    deliver(render(r), kBob1);
  }
  // Bob's phone answers the last NOTIFY it got (the next one waits for it).
  void ok_notify() { reply(kBob1, last_to(kBob1, "NOTIFY "), 200, "b1"); }
  std::vector<std::string> notify_bodies() const {
    std::vector<std::string> out;
    for (const auto& m : sent_to(kBob1, "NOTIFY ")) out.emplace_back(m.body());
    return out;
  }

  const Invite caller_{};
  msg::Message leg_;
  std::string our_tag_;
};

TEST_F(CallTransferTest, ReferIsRefusedByDefaultAndWithoutReferTo) {
  set_plan("transfer", "dialstring", "${dst}@sipsmith.test");
  connect("");
  refer("<sip:carol@sipsmith.test>");
  EXPECT_EQ(finals_to(kBob1).back(), "603 Transfers are disabled on dialogue");
  refer("", 2);
  EXPECT_EQ(finals_to(kBob1).back(), "400 Missing Refer-To header");
  EXPECT_EQ(count_to(kCarol, "INVITE "), 0u);
  EXPECT_EQ(calls->stats().active, 1u);
}

TEST_F(CallTransferTest, ConsumedReferJoinsTheHeldCallerWithTheNewParty) {
  set_plan("transfer", "dialstring", "${dst}@sipsmith.test");
  connect("[tr=c]");
  // The caller puts bob on hold first, as phones do before a transfer.
  send_from_caller(caller_, our_tag_, "INVITE", 2, std::string(kOffer) + "a=sendonly\r\n");
  reply(kBob1, last_to(kBob1, "INVITE "), 200, "b1", std::string(kAnswer) + "a=recvonly\r\n");
  deliver(render(caller_request(caller_, "ACK", "sip:sipsmith@192.0.2.1:5060", "z9hG4bKhack",
                                our_tag_, 2)),
          caller_.remote);

  refer("<sip:carol@sipsmith.test>");
  EXPECT_EQ(finals_to(kBob1).back(), "202 Accepted");
  ASSERT_EQ(notify_bodies().size(), 1u);
  EXPECT_EQ(notify_bodies()[0], "SIP/2.0 100 Trying\r\n");
  const msg::Message notify = last_to(kBob1, "NOTIFY ");
  EXPECT_EQ(notify.value(msg::HeaderId::Event), "refer");
  EXPECT_EQ(notify.value(msg::HeaderId::ContentType), "message/sipfrag;version=2.0");
  EXPECT_EQ(notify.call_id(), leg_.call_id());

  // The next NOTIFY waits for the answer to this one.
  reply(kCarol, last_to(kCarol, "INVITE "), 180, "c1");
  ASSERT_EQ(notify_bodies().size(), 1u);
  ok_notify();

  // The new leg offers the caller's session, taken off hold, as the caller.
  const msg::Message invite = last_to(kCarol, "INVITE ");
  EXPECT_EQ(invite.request_uri_text(), "sip:carol@" + std::string(kCarol));
  EXPECT_NE(std::string(invite.body()).find("m=audio 4000"), std::string::npos) << invite.body();
  EXPECT_NE(std::string(invite.body()).find("a=sendrecv"), std::string::npos) << invite.body();
  EXPECT_EQ(std::string(invite.body()).find("a=sendonly"), std::string::npos) << invite.body();
  EXPECT_EQ(invite.from()->uri.user, "alice");

  ASSERT_EQ(notify_bodies().size(), 2u);
  EXPECT_EQ(notify_bodies()[1], "SIP/2.0 180 Ringing\r\n");
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 180"), 0u);  // nothing for the caller
  ok_notify();

  reply(kCarol, invite, 200, "c1", kCarolAnswer);
  EXPECT_EQ(count_to(kCarol, "ACK "), 1u);
  EXPECT_TRUE(last_to(kCarol, "ACK ").body().empty());
  ASSERT_EQ(notify_bodies().size(), 3u);
  EXPECT_EQ(notify_bodies()[2], "SIP/2.0 200 OK\r\n");
  EXPECT_NE(std::string(last_to(kBob1, "NOTIFY ").value(msg::HeaderId::SubscriptionState))
                .find("terminated"),
            std::string::npos);
  // Bob's BYE waits for his answer to that NOTIFY (it must not overtake it).
  EXPECT_EQ(count_to(kBob1, "BYE "), 0u);
  reply(kBob1, last_to(kBob1, "NOTIFY "), 200, "b1");
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
  // The caller's dialog gets carol's session.
  const msg::Message reinvite = last_to(kCaller, "INVITE ");
  EXPECT_EQ(reinvite.call_id(), caller_.call_id);
  // It continues the o= line the caller saw (bob's held answer: version 2).
  EXPECT_EQ(reinvite.body(), origin_as(kCarolAnswer, "bob 2 3"));
  reply(kCaller, reinvite, 200, caller_.from_tag, kOffer);
  EXPECT_EQ(count_to(kCaller, "ACK "), 1u);

  // Bob's late BYE crossing ours gets 200; the call goes on.
  send_from_phone(kBob1, leg_, "b1", "BYE", 5);
  EXPECT_EQ(finals_to(kBob1).back(), "200 OK");
  EXPECT_EQ(calls->stats().active, 1u);
  // The caller's BYE now reaches carol.
  send_from_caller(caller_, our_tag_, "BYE", 3);
  EXPECT_EQ(count_to(kCarol, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);

  const auto records = cdrs.latest();
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) {
    EXPECT_EQ(r.answer_status, 200) << r.direction << " " << r.dst_uri;
    EXPECT_NE(r.hungup_at, 0);
    EXPECT_EQ(r.bridge_id, records[0].bridge_id);
  }
}

TEST_F(CallTransferTest, TheReferrerGetsItsByeEvenWhenTheCallEndsFirst) {
  set_plan("transfer", "dialstring", "${dst}@sipsmith.test");
  connect("[tr=c]");
  refer("<sip:carol@sipsmith.test>");
  ok_notify();  // 100 Trying
  reply(kCarol, last_to(kCarol, "INVITE "), 200, "c1", kCarolAnswer);
  // The caller hangs up before bob answered the final NOTIFY.
  send_from_caller(caller_, our_tag_, "BYE", 3);
  EXPECT_EQ(calls->stats().active, 0u);
  EXPECT_EQ(count_to(kBob1, "BYE "), 0u);
  ok_notify();
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
}

TEST_F(CallTransferTest, FailedTransferKeepsTheCall) {
  set_plan("transfer", "dialstring", "${dst}@sipsmith.test");
  connect("[tr=c]");
  refer("<sip:carol@sipsmith.test>");
  reply(kCarol, last_to(kCarol, "INVITE "), 486, "c1");
  ok_notify();  // 100 Trying
  ASSERT_EQ(notify_bodies().size(), 2u);
  EXPECT_EQ(notify_bodies().back(), "SIP/2.0 486 Busy Here\r\n");
  EXPECT_EQ(count_to(kBob1, "BYE "), 0u);
  EXPECT_EQ(count_to(kCaller, "INVITE "), 0u);
  EXPECT_EQ(calls->stats().active, 1u);
  // The call is as it was: bob hangs up, the caller gets the BYE.
  send_from_phone(kBob1, leg_, "b1", "BYE", 2);
  EXPECT_EQ(count_to(kCaller, "BYE "), 1u);
}

TEST_F(CallTransferTest, NoTransferPlanRefusesTheRefer) {
  connect("[tr=c]");
  refer("<sip:carol@sipsmith.test>");
  EXPECT_EQ(finals_to(kBob1).back(), "603 No transfer dial plan");
  EXPECT_EQ(count_to(kCarol, "INVITE "), 0u);
}

TEST_F(CallTransferTest, OperatorTransferSendsTheCallerOfAnInCallAway) {
  set_plan("transfer", "dialstring", "${dst}@sipsmith.test");
  connect("");
  const auto list = calls->calls();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(calls->blind_transfer(list[0].id, 2, "carol"), "no such call");  // not its owner
  EXPECT_EQ(calls->blind_transfer(list[0].id, 1, "carol"), "");
  EXPECT_NE(calls->blind_transfer(list[0].id, 1, "carol"), "");  // one at a time
  const msg::Message invite = last_to(kCarol, "INVITE ");
  EXPECT_EQ(invite.from()->uri.user, "alice");  // the caller is the far end
  reply(kCarol, invite, 200, "c1", kCarolAnswer);
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);  // the customer's own phone leaves
  EXPECT_EQ(count_to(kBob1, "NOTIFY "), 0u);
  EXPECT_EQ(last_to(kCaller, "INVITE ").body(), origin_as(kCarolAnswer, "bob 2 3"));
  EXPECT_EQ(calls->calls()[0].answered_by, "sip:carol@" + std::string(kCarol));
}

// Bob, talking to the caller (call X, tr=c), calls dave himself (call Y):
// returns Y's Invite; `y_tag` is our tag towards bob in Y.
Invite bob_calls_dave() {
  Invite y;
  y.uri = "sip:dave@sipsmith.test";
  y.from = "<sip:bob@sipsmith.test>";
  y.from_tag = "bob-y";
  y.to = "<sip:dave@sipsmith.test>";
  y.call_id = "y-1@127.0.0.21";
  y.remote = std::string(kBob1);
  y.branch = "z9hG4bKbobY";
  return y;
}

constexpr std::string_view kDaveAnswer =
    "v=0\r\no=dave 4 4 IN IP4 203.0.113.70\r\ns=-\r\nc=IN IP4 203.0.113.70\r\nt=0 0\r\n"
    "m=audio 7000 RTP/AVP 0\r\n";

TEST_F(CallTransferTest, AttendedReferJoinsTheReferrersTwoPartners) {
  connect("[tr=c]");
  register_phone("dave", kDave);
  const Invite y = bob_calls_dave();
  send_invite(y);
  reply(kDave, last_to(kDave, "INVITE "), 200, "d1", kDaveAnswer);
  const std::string y_tag = to_tag_of(last_to(kBob1, "SIP/2.0 200"));
  send_ack(y, y_tag);
  ASSERT_EQ(calls->calls().size(), 2u);

  // The Call-ID's @ escaped, as in a URI header (RFC 3261 19.1.1).
  const std::string escaped_id = "y-1%40127.0.0.21";
  refer("<sip:dave@sipsmith.test?Replaces=" + escaped_id + "%3Bto-tag%3D" + y_tag +
        "%3Bfrom-tag%3D" + y.from_tag + ">");
  EXPECT_EQ(finals_to(kBob1).back(), "202 Accepted");
  ASSERT_FALSE(notify_bodies().empty());
  EXPECT_EQ(notify_bodies().back(), "SIP/2.0 200 OK\r\n");
  // Bob leaves both calls (the first when he answered the NOTIFY); the
  // caller and dave get each other's session.
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
  reply(kBob1, last_to(kBob1, "NOTIFY "), 200, "b1");
  EXPECT_EQ(count_to(kBob1, "BYE "), 2u);
  EXPECT_EQ(last_to(kCaller, "INVITE ").body(), origin_as(kDaveAnswer, "bob 2 3"));
  const auto dave_invites = sent_to(kDave, "INVITE ");
  ASSERT_EQ(dave_invites.size(), 2u);
  // Dave saw bob's offer, which is the very text the caller offers: no new
  // version for an unchanged description.
  EXPECT_EQ(dave_invites[1].body(), kOffer);
  EXPECT_EQ(dave_invites[1].call_id(), dave_invites[0].call_id());  // its own dialog
  ASSERT_EQ(calls->calls().size(), 1u);
  // The caller's BYE reaches dave; every party has one finished record.
  send_from_caller(caller_, our_tag_, "BYE", 3);
  EXPECT_EQ(count_to(kDave, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);
  const auto records = cdrs.latest();
  ASSERT_EQ(records.size(), 4u);
  int transferred = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r.answer_status, 200);
    EXPECT_NE(r.hungup_at, 0) << r.direction << " " << r.dst_uri;
    transferred += r.hangup_reason == "transferred";
  }
  EXPECT_EQ(transferred, 2);  // bob's two legs
}

TEST_F(CallTransferTest, AttendedReferForAnUnknownDialogIs481) {
  connect("[tr=c]");
  refer("<sip:dave@sipsmith.test?Replaces=nosuch%3Bto-tag%3Da%3Bfrom-tag%3Db>");
  EXPECT_EQ(finals_to(kBob1).back(), "481 Replaced dialog not found");
  EXPECT_EQ(calls->stats().active, 1u);
}

TEST_F(CallTransferTest, OperatorDualTransferJoinsTheFarEnds) {
  connect("");
  register_phone("dave", kDave);
  const Invite y = bob_calls_dave();
  send_invite(y);
  reply(kDave, last_to(kDave, "INVITE "), 200, "d1", kDaveAnswer);
  send_ack(y, to_tag_of(last_to(kBob1, "SIP/2.0 200")));
  const auto list = calls->calls();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_NE(calls->dual_transfer(list[0].id, list[1].id, 2), "");  // not the owner's
  EXPECT_NE(calls->dual_transfer(list[0].id, list[0].id, 1), "");
  EXPECT_EQ(calls->dual_transfer(list[0].id, list[1].id, 1), "");
  // X is an In call (far end: the caller), Y an Out call (far end: dave).
  EXPECT_EQ(last_to(kCaller, "INVITE ").body(), origin_as(kDaveAnswer, "bob 2 3"));
  EXPECT_EQ(sent_to(kDave, "INVITE ").back().body(), kOffer);  // unchanged: same version
  EXPECT_EQ(count_to(kBob1, "BYE "), 2u);
  const auto after = calls->calls();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, list[0].id);
  // Dave hangs up: the caller gets the BYE.
  const auto dave_invites = sent_to(kDave, "INVITE ");
  send_from_phone(kDave, dave_invites.front(), "d1", "BYE", 2);
  EXPECT_EQ(count_to(kCaller, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);
}

// ---- INVITE with Replaces ---------------------------------------------------

constexpr std::string_view kCarolOffer =
    "v=0\r\no=carol 9 9 IN IP4 203.0.113.60\r\ns=-\r\nc=IN IP4 203.0.113.60\r\nt=0 0\r\n"
    "m=audio 6100 RTP/AVP 0\r\n";

// An INVITE from `remote` as `from` (tag "n-1") carrying Replaces `value`.
Invite replacing(const std::string& from, std::string_view remote, const std::string& value) {
  Invite n;
  n.uri = "sip:sipsmith@192.0.2.1:5060";
  n.from = from;
  n.from_tag = "n-1";
  n.to = "<sip:dave@sipsmith.test>";
  n.call_id = "n-1@" + std::string(remote);
  n.remote = std::string(remote);
  static int branches = 0;
  n.branch = "z9hG4bKrepl" + std::to_string(++branches);
  n.sdp = std::string(kCarolOffer);
  n.headers.push_back("Replaces: " + value);
  return n;
}

TEST_F(CallTransferTest, InviteWithReplacesFromTheOwnersPhoneTakesOverTheCall) {
  register_phone("bob", kBob1);
  register_phone("dave", kDave);
  register_phone("carol", kCarol);
  const Invite y = bob_calls_dave();
  send_invite(y);
  reply(kDave, last_to(kDave, "INVITE "), 200, "d1", kDaveAnswer);
  const std::string y_tag = to_tag_of(last_to(kBob1, "SIP/2.0 200"));
  send_ack(y, y_tag);
  const std::string value = y.call_id + ";to-tag=" + y_tag + ";from-tag=" + y.from_tag;

  // Wrong tags or another customer's account: as if there were no dialog.
  send_invite(replacing("<sip:carol@sipsmith.test>", kCarol,
                        y.call_id + ";to-tag=" + y_tag + ";from-tag=other"));
  EXPECT_EQ(finals_to(kCarol).back(), "481 Call/Transaction Does Not Exist");
  send_invite(replacing("<sip:susp@sipsmith.test>", kCarol, value));
  EXPECT_EQ(finals_to(kCarol).back(), "481 Call/Transaction Does Not Exist");
  EXPECT_EQ(count_to(kDave, "INVITE "), 1u);

  // Carol's phone (same customer) takes bob's place: dave is offered her
  // session, his answer goes into her 200, bob is hung up.
  const Invite n = replacing("<sip:carol@sipsmith.test>", kCarol, value);
  send_invite(n);
  ASSERT_EQ(count_to(kDave, "INVITE "), 2u);
  const msg::Message reinvite = last_to(kDave, "INVITE ");
  EXPECT_EQ(reinvite.body(), origin_as(kCarolOffer, "alice 1 2"));  // what dave saw, next version
  EXPECT_EQ(count_to(kCarol, "SIP/2.0 200"), 1u);                   // the REGISTER's only
  reply(kDave, reinvite, 200, "d1", kDaveAnswer);
  EXPECT_EQ(count_to(kDave, "ACK "), 2u);
  const msg::Message ok = last_to(kCarol, "SIP/2.0 200");
  EXPECT_EQ(ok.call_id(), n.call_id);
  EXPECT_EQ(ok.body(), kDaveAnswer);
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
  EXPECT_EQ(last_to(kBob1, "BYE ").call_id(), y.call_id);
  send_ack(n, to_tag_of(ok));
  ASSERT_EQ(calls->calls().size(), 1u);
  // Bob's BYE crossing ours gets 200; carol's BYE reaches dave.
  send_from_caller(y, y_tag, "BYE", 2);
  EXPECT_EQ(finals_to(kBob1).back(), "200 OK");
  send_from_caller(n, to_tag_of(ok), "BYE", 2);
  EXPECT_EQ(count_to(kDave, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);

  const auto records = cdrs.latest();
  ASSERT_EQ(records.size(), 3u);  // bob's, dave's leg, carol's
  int replaced = 0, carol = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r.answer_status, 200) << r.direction << " " << r.call_id;
    EXPECT_NE(r.hungup_at, 0);
    EXPECT_EQ(r.bridge_id, records[0].bridge_id);
    replaced += r.hangup_reason == "replaced";
    carol += r.call_id == n.call_id;
  }
  EXPECT_EQ(replaced, 1);
  EXPECT_EQ(carol, 1);
}

TEST_F(CallTransferTest, InviteWithReplacesFromOutsideNeedsARelayedRefer) {
  register_phone("dave", kDave);
  connect("[tr=p]");  // the outside caller talks to bob
  const Invite y = bob_calls_dave();
  send_invite(y);
  reply(kDave, last_to(kDave, "INVITE "), 200, "d1", kDaveAnswer);
  const std::string y_tag = to_tag_of(last_to(kBob1, "SIP/2.0 200"));
  send_ack(y, y_tag);
  const std::string value = y.call_id + ";to-tag=" + y_tag + ";from-tag=" + y.from_tag;
  const std::string outsider = "\"Alice\" <sip:alice@example.com>";

  // Nobody asked for it: refused.
  send_invite(replacing(outsider, kCaller, value));
  EXPECT_EQ(finals_to(kCaller).back(), "481 Call/Transaction Does Not Exist");
  EXPECT_EQ(count_to(kDave, "INVITE "), 1u);

  // Bob's attended REFER is passed to the caller; the INVITE that follows
  // from the caller's address is honoured, from another address it is not.
  refer("<sip:dave@sipsmith.test?Replaces=y-1%40127.0.0.21%3Bto-tag%3D" + y_tag + "%3Bfrom-tag%3D" +
        y.from_tag + ">");
  ASSERT_EQ(count_to(kCaller, "REFER "), 1u);
  send_invite(replacing(outsider, "127.0.0.99:5060", value));
  EXPECT_EQ(finals_to("127.0.0.99:5060").back(), "481 Call/Transaction Does Not Exist");
  Invite n = replacing(outsider, kCaller, value);
  n.call_id = "n-2@198.51.100.7";
  send_invite(n);
  ASSERT_EQ(count_to(kDave, "INVITE "), 2u);
  reply(kDave, last_to(kDave, "INVITE "), 200, "d1", kDaveAnswer);
  const msg::Message ok = last_to(kCaller, "SIP/2.0 200");
  EXPECT_EQ(ok.call_id(), n.call_id);
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
  send_ack(n, to_tag_of(ok));
  EXPECT_EQ(calls->calls().size(), 2u);  // the first call ends when bob hangs it up
}

// ---- call.callback ------------------------------------------------------------

TEST_F(CallTransferTest, CallbackBridgesTwoDestinationsWithTheFirstsOffer) {
  register_phone("bob", kBob1);
  register_phone("carol", kCarol);
  std::uint64_t id = 0;
  EXPECT_NE(calls->callback(2, "bob@sipsmith.test", "carol@sipsmith.test", &id), "");  // disabled
  EXPECT_NE(calls->callback(1, "bob@sipsmith.test", "", &id), "");
  ASSERT_EQ(calls->callback(1, "bob@sipsmith.test", "carol@sipsmith.test", &id), "");
  // The first gets an INVITE without a session; its 2xx carries the offer.
  const msg::Message first = last_to(kBob1, "INVITE ");
  EXPECT_TRUE(first.body().empty());
  EXPECT_EQ(first.from()->uri.user, "carol");  // who it will talk to
  EXPECT_EQ(count_to(kCarol, "INVITE "), 0u);
  reply(kBob1, first, 200, "b1", kAnswer);
  EXPECT_EQ(count_to(kBob1, "ACK "), 0u);  // not yet: the answer comes from carol
  // A retransmitted 2xx changes nothing yet.
  reply(kBob1, first, 200, "b1", kAnswer);
  EXPECT_EQ(count_to(kBob1, "ACK "), 0u);
  const msg::Message second = last_to(kCarol, "INVITE ");
  EXPECT_EQ(second.body(), kAnswer);
  EXPECT_EQ(second.from()->uri.user, "bob");
  reply(kCarol, second, 200, "c1", kCarolAnswer);
  // Carol's ACK is empty (our INVITE had the offer); bob's carries her answer.
  EXPECT_TRUE(last_to(kCarol, "ACK ").body().empty());
  ASSERT_EQ(count_to(kBob1, "ACK "), 1u);
  EXPECT_EQ(last_to(kBob1, "ACK ").body(), kCarolAnswer);
  EXPECT_EQ(last_to(kBob1, "ACK ").value(msg::HeaderId::CSeq), "1 ACK");
  reply(kBob1, first, 200, "b1", kAnswer);  // retransmitted again: the ACK again
  EXPECT_EQ(count_to(kBob1, "ACK "), 2u);

  const auto list = calls->calls(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, id);
  EXPECT_EQ(list[0].state, "confirmed");
  // Bob hangs up: carol gets the BYE; each leg has its record.
  send_from_phone(kBob1, first, "b1", "BYE", 2);
  EXPECT_EQ(count_to(kCarol, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);
  const auto records = cdrs.latest();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    EXPECT_EQ(r.direction, "out");
    EXPECT_EQ(r.answer_status, 200);
    EXPECT_NE(r.hungup_at, 0);
    EXPECT_EQ(r.bridge_id, records[0].bridge_id);
  }
}

TEST_F(CallTransferTest, LuaCallbackStartsASeparateCallAfterItsDelay) {
  register_phone("bob", kBob1);
  register_phone("carol", kCarol);
  set_plan("cb", "lua", R"(sys.Callback("bob@sipsmith.test", "carol@sipsmith.test", 5)
sys.Respond(480, "Calling you back"))");
  use_plan("1001", "cb");
  send_invite(out_call("sip:999@sipsmith.test"));
  EXPECT_EQ(finals_to(kDesk).back(), "480 Calling you back");
  EXPECT_EQ(count_to(kBob1, "INVITE "), 0u);
  timers.advance(5s);
  const msg::Message first = last_to(kBob1, "INVITE ");
  EXPECT_TRUE(first.body().empty());
  reply(kBob1, first, 200, "b1", kAnswer);
  EXPECT_EQ(last_to(kCarol, "INVITE ").body(), kAnswer);
  ASSERT_EQ(calls->calls(1).size(), 1u);
}

TEST_F(CallTransferTest, CallbackWhoseSecondFailsHangsUpTheFirst) {
  register_phone("bob", kBob1);
  register_phone("carol", kCarol);
  std::uint64_t id = 0;
  ASSERT_EQ(calls->callback(1, "bob@sipsmith.test", "carol@sipsmith.test", &id), "");
  const msg::Message first = last_to(kBob1, "INVITE ");
  reply(kBob1, first, 200, "b1", kAnswer);
  reply(kCarol, last_to(kCarol, "INVITE "), 486, "c1");
  EXPECT_EQ(count_to(kBob1, "ACK "), 1u);
  EXPECT_EQ(count_to(kBob1, "BYE "), 1u);
  EXPECT_EQ(calls->stats().active, 0u);
}

TEST_F(CallTransferTest, CallbackToADeniedPrefixIsRefused) {
  std::uint64_t id = 0;
  ASSERT_EQ(calls->callback(1, "+19005551234@example.net", "carol@sipsmith.test", &id), "");
  // No leg is placed anywhere; the call ends.
  for (const auto& m : sender.sent) EXPECT_FALSE(m.starts_with("INVITE ")) << m.bytes;
  EXPECT_EQ(calls->stats().active, 0u);
  EXPECT_EQ(calls->stats().legs, 0u);
}

}  // namespace
}  // namespace sip::b2bua::test
