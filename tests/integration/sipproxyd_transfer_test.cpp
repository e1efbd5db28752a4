// Blind transfers through sipproxyd (docs/transfers.md) with SIPp parties
// on loopback: a REFER from the answering phone is refused by default,
// consumed with tr=c (the owner's "transfer" dial plan places the new leg
// with the caller's session, the caller is re-INVITEd with the new party's
// session, the phone gets NOTIFY 200 and BYE), reported when the transfer
// plan fails (the call stays), and call.blindtransfer does the same for the
// operator. Scenarios: sipproxyd/scenarios/xfer_*.xml.
#include <gtest/gtest.h>

#include <string>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};  // bound for one SIPp party
using Clock = std::chrono::steady_clock;

std::vector<std::pair<std::string, std::string>> from_alice() {
  return {{"from_user", "alice"}, {"from_host", kCallDomain}};
}

// Alice (ip_acl, out plan "alice-out" = `out`), bob (ip_acl), provider p2
// at `p2_port` and, when `transfer` is set, the plan "transfer" (dial string).
void provision(CallEnv& env, const std::string& out, std::uint16_t p2_port,
               const std::string& transfer) {
  json plans = json::array({dialstring_plan("alice-out", out)});
  if (!transfer.empty()) plans.push_back(dialstring_plan("transfer", transfer));
  env.provision(
      json::array({account_record("alice", true, "", "alice-out"), account_record("bob", true)}),
      json::array({provider_record("p2", p2_port)}), plans);
}

std::vector<std::pair<std::string, std::string>> refer_to(const std::string& target) {
  return {{"refer_to", target}};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SipproxydTransfer, ReferIsRefusedUnlessTheDialStringAllowsIt) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_answer.xml");
  provision(env, "bob@local", p2->port(), "${dst}@p2");
  auto phone = env.phone("bob", "xfer_uas_refer_refused.xml", refer_to("sip:300@sipsmith.test"));
  auto caller = env.caller("call_uac_recv_bye.xml", "100", from_alice());
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics();
  EXPECT_EQ(sip_start_line(phone->logged("REFER-RESPONSE")),
            "SIP/2.0 603 Transfers are disabled on dialogue");
  // Nothing reached the transfer target.
  EXPECT_EQ(p2->finish(Millis(0)), -1);
  EXPECT_TRUE(p2->logged("INVITE-RECEIVED").empty());
}

TEST(SipproxydTransfer, PassThroughRelaysTheReferAndItsNotify) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_answer.xml");
  provision(env, "bob@local[tr=p]", p2->port(), "${dst}@p2");
  // Bob REFERs, alice gets it (and does nothing with it but answer and
  // NOTIFY 200), bob sees her NOTIFY and hangs up.
  auto phone = env.phone("bob", "xfer_uas_refer_passed.xml", refer_to("sip:300@sipsmith.test"));
  auto caller = env.caller("xfer_uac_refer_relayed.xml", "100", from_alice());
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics();
  const std::string refer = caller->logged("REFER-RECEIVED");
  EXPECT_EQ(sip_header(refer, "Refer-To"), "<sip:300@sipsmith.test>") << refer;
  EXPECT_EQ(sip_header(refer, "Call-ID"), caller->first_call_id()) << refer;
  const std::string notify = phone->logged("FINAL-NOTIFY");
  EXPECT_EQ(sip_header(notify, "Event"), "refer") << notify;
  EXPECT_TRUE(has(sip_body(notify), "SIP/2.0 200 OK")) << notify;
  // The server placed nothing itself.
  EXPECT_TRUE(p2->logged("INVITE-RECEIVED").empty());
}

TEST(SipproxydTransfer, ReferWithoutATransferPlanIsRefused) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_answer.xml");
  provision(env, "bob@local[tr=c]", p2->port(), "");
  auto phone = env.phone("bob", "xfer_uas_refer_refused.xml", refer_to("sip:300@sipsmith.test"));
  auto caller = env.caller("call_uac_recv_bye.xml", "100", from_alice());
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics();
  EXPECT_EQ(sip_start_line(phone->logged("REFER-RESPONSE")), "SIP/2.0 603 No transfer dial plan");
  EXPECT_EQ(p2->finish(Millis(0)), -1);
}

TEST(SipproxydTransfer, ConsumedReferRunsTheTransferPlanAndJoinsTheNewParty) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_answer.xml");
  provision(env, "bob@local[tr=c]", p2->port(), "${dst}@p2");
  auto phone = env.phone("bob", "xfer_uas_refer.xml", refer_to("sip:300@sipsmith.test"));
  auto caller = env.caller("xfer_uac_reinvited.xml", "100", from_alice());
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_EQ(p2->finish(kCall), 0) << p2->diagnostics();

  // The new leg: placed by the transfer plan for the Refer-To user, with
  // alice's session (a provider leg: the provider's From).
  const std::string invite = p2->logged("INVITE-RECEIVED");
  EXPECT_EQ(sip_start_line(invite),
            "INVITE sip:300@127.0.0.1:" + std::to_string(p2->port()) + " SIP/2.0")
      << invite;
  EXPECT_TRUE(has(sip_body(invite), "m=audio 40000 RTP/AVP 0")) << invite;
  // Alice was re-INVITEd with the new party's session (p2 answers 41000 too,
  // but from its own o= line: "callee"), on her original dialog.
  const std::string reinvite = caller->logged("REINVITE-RECEIVED");
  EXPECT_EQ(sip_header(reinvite, "Call-ID"), caller->first_call_id()) << reinvite;
  EXPECT_TRUE(has(sip_body(reinvite), "m=audio 41000 RTP/AVP 0")) << reinvite;
  // Bob was told (NOTIFY sipfrag 200, subscription over) and hung up.
  const std::string notify = phone->logged("FINAL-NOTIFY");
  EXPECT_EQ(sip_header(notify, "Event"), "refer") << notify;
  EXPECT_TRUE(has(sip_header(notify, "Subscription-State"), "terminated")) << notify;
  EXPECT_TRUE(has(sip_body(notify), "SIP/2.0 200 OK")) << notify;
  EXPECT_TRUE(has(sip_body(phone->logged("NOTIFY-RECEIVED")), "SIP/2.0 100 Trying"));
  EXPECT_TRUE(has(sip_body(phone->logged("RINGING-NOTIFY")), "SIP/2.0 180 Ringing"));
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();
  // Alice's BYE ended the call with the new party.
  EXPECT_FALSE(p2->logged("BYE-RECEIVED").empty()) << p2->log();

  // Every leg has one record, all of one bridge.
  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 3u);
  const json in = cdrs_with(cdrs, "in");
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
  for (const auto& c : cdrs) {
    EXPECT_EQ(c.value("bridge_id", ""), in[0].value("bridge_id", "x"));
    EXPECT_EQ(c.value("answer_status", 0), 200);
    EXPECT_NE(c.value("hungup_at", std::int64_t{0}), 0);
  }
  int transferred = 0, joined = 0;
  for (const auto& c : out) {
    if (c.value("hangup_reason", "") == "transferred") ++transferred;
    if (c.value("dialplan", "") == "transfer" && c.value("dst_user", "") == "300") ++joined;
  }
  EXPECT_EQ(transferred, 1);
  EXPECT_EQ(joined, 1);
}

TEST(SipproxydTransfer, FailedTransferIsReportedAndTheCallStays) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_busy.xml");
  provision(env, "bob@local[tr=c]", p2->port(), "${dst}@p2");
  auto phone = env.phone("bob", "xfer_uas_refer_fail.xml", refer_to("sip:300@sipsmith.test"));
  auto caller = env.caller("call_uac_recv_bye.xml", "100", from_alice());
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics();
  EXPECT_EQ(p2->finish(kCall), 0) << p2->diagnostics();
  const std::string notify = phone->logged("FINAL-NOTIFY");
  EXPECT_TRUE(has(sip_body(notify), "SIP/2.0 486")) << notify;
  EXPECT_TRUE(has(sip_header(notify, "Subscription-State"), "terminated")) << notify;
  // Bob's own BYE after the failed transfer reached alice: the call had stayed.
  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 3u);
  int busy = 0;
  for (const auto& c : cdrs_with(cdrs, "out")) busy += c.value("answer_status", 0) == 486;
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(cdrs_with(cdrs, "in")[0].value("hangup_reason", ""), "callee hung up");
}

TEST(SipproxydTransfer, OperatorBlindTransferSendsTheFarEndToTheTransferPlan) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_answer.xml");
  provision(env, "bob@local", p2->port(), "${dst}@p2");
  ControlClient& control = env.daemon.control();
  control.call("customer.add", {{"username", "other"}, {"password", "other-pw-12"}}, Millis(60000));
  auto phone = env.phone("bob", "xfer_uas_reinvited.xml");
  auto caller = env.caller("call_uac_recv_bye.xml", "100", from_alice());

  json calls;
  const auto deadline = Clock::now() + Millis(8000);
  do {
    calls = control.call("call.list", {{"owner", "demo"}});
  } while ((calls.empty() || calls[0].value("state", "") != "confirmed") &&
           Clock::now() < deadline);
  ASSERT_EQ(calls.size(), 1u) << calls.dump() << env.daemon.stderr_text();
  const std::int64_t id = calls[0].value("id", std::int64_t{0});

  // Another customer cannot transfer it; a missing destination is an error.
  const json refused = control.request("call.blindtransfer",
                                       {{"id", id}, {"owner", "other"}, {"destination", "300"}});
  ASSERT_TRUE(refused.contains("error")) << refused.dump();
  EXPECT_EQ(refused["error"].value("code", ""), "not_found") << refused.dump();
  const json bad = control.request("call.blindtransfer", {{"id", id}});
  ASSERT_TRUE(bad.contains("error")) << bad.dump();
  EXPECT_EQ(bad["error"].value("code", ""), "invalid_argument") << bad.dump();

  const json started =
      control.call("call.blindtransfer", {{"id", id}, {"owner", "demo"}, {"destination", "300"}});
  EXPECT_TRUE(started.value("transferring", false)) << started.dump();
  // Alice (the owner's phone of this out call) is hung up once p2 answered;
  // bob (the far end) is re-INVITEd with p2's session.
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  // Its ACK received: the re-INVITE is over before the hang-up below.
  const auto until = Clock::now() + Millis(8000);
  while (phone->logged("ACK-RECEIVED").empty() && Clock::now() < until) {
    phone->wait(Millis(100));
  }
  EXPECT_TRUE(has(sip_body(phone->logged("REINVITE-RECEIVED")), "m=audio 41000")) << phone->log();
  EXPECT_TRUE(has(sip_body(p2->logged("INVITE-RECEIVED")), "m=audio 41000"))
      << p2->log() << env.daemon.stderr_text();

  calls = control.call("call.list", {{"owner", "demo"}});
  ASSERT_EQ(calls.size(), 1u) << calls.dump();
  EXPECT_TRUE(has(calls[0].value("answered_by", ""), "sip:300@127.0.0.1:")) << calls.dump();
  EXPECT_EQ(control.call("call.hangup", {{"id", id}}).value("hung_up", false), true);
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_EQ(p2->finish(kCall), 0) << p2->diagnostics();

  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 3u);
  EXPECT_EQ(cdrs_with(cdrs, "in")[0].value("hangup_reason", ""), "transferred");
}

TEST(SipproxydTransfer, CallbackBridgesTwoDestinations) {
  CallEnv env;
  auto p2 = env.provider("plan_uas_answer.xml");
  provision(env, "bob@local", p2->port(), "");
  ControlClient& control = env.daemon.control();
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  // A premium-rate first destination: started, then refused by the fraud
  // guard before any leg.
  const json refused = control.request(
      "call.callback", {{"owner", "demo"}, {"first", "+19005550000@p2"}, {"second", "bob@local"}});
  ASSERT_FALSE(refused.contains("error")) << refused.dump();
  EXPECT_TRUE(env.daemon.wait_stderr("in a denied prefix (+1900) (transfer target)", Millis(5000)))
      << env.daemon.stderr_text();
  // Another customer's name is needed: without an owner it is refused.
  const json no_owner =
      control.request("call.callback", {{"first", "bob@local"}, {"second", "300@p2"}});
  ASSERT_TRUE(no_owner.contains("error")) << no_owner.dump();
  const json started = control.call(
      "call.callback", {{"owner", "demo"}, {"first", "bob@local"}, {"second", "300@p2"}});
  const std::int64_t id = started.value("id", std::int64_t{0});
  ASSERT_NE(id, 0) << started.dump();

  // Ready when the call is listed as confirmed (both answered).
  json calls;
  const auto deadline = Clock::now() + Millis(10000);
  do {
    calls = control.call("call.list", {{"owner", "demo"}});
  } while ((calls.empty() || calls.back().value("state", "") != "confirmed") &&
           Clock::now() < deadline);
  ASSERT_FALSE(calls.empty()) << env.daemon.stderr_text();
  EXPECT_EQ(calls.back().value("state", ""), "confirmed") << calls.dump();
  EXPECT_EQ(calls.back().value("id", std::int64_t{0}), id);
  // Bob was called without a session; p2 got bob's offer (m=audio 41000).
  EXPECT_TRUE(sip_body(phone->logged("INVITE-RECEIVED")).empty()) << phone->log();
  EXPECT_TRUE(has(sip_body(p2->logged("INVITE-RECEIVED")), "m=audio 41000")) << p2->log();
  EXPECT_EQ(sip_start_line(p2->logged("INVITE-RECEIVED")),
            "INVITE sip:300@127.0.0.1:" + std::to_string(p2->port()) + " SIP/2.0");

  EXPECT_EQ(control.call("call.hangup", {{"id", id}}).value("hung_up", false), true);
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_EQ(p2->finish(kCall), 0) << p2->diagnostics();
  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(out.size(), 2u);  // the refused callback placed no leg
  EXPECT_EQ(cdrs_with(cdrs, "in").size(), 0u);
  for (const auto& c : out) {
    EXPECT_EQ(c.value("answer_status", 0), 200);
    EXPECT_EQ(c.value("bridge_id", ""), out[0].value("bridge_id", "x"));
  }
}

}  // namespace
}  // namespace sipsmith::itest
