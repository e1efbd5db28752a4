// sipproxyd's B2BUA end to end with SIPp parties on loopback (docs/architecture.md):
// an In call forking to both bindings of an account (one answers, the other
// is cancelled; either side hangs up), the caller's CANCEL while ringing, a
// re-INVITE relayed both ways, and the cd=N duration limit. Every party is a
// real SIPp process whose exit status is the verdict on its side; CDRs are
// read back through cdr.list.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr Millis kCall{20000};  // bound for one SIPp party of a short call

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::int64_t ms(const json& cdr, const char* field) {
  return cdr.value(field, std::int64_t{0});
}

// The answered "out" CDR's times agree with each other and its durations.
void expect_answered_times(const json& c) {
  SCOPED_TRACE(dump(c));
  EXPECT_GT(ms(c, "created"), 0);
  EXPECT_GE(ms(c, "answered_at"), ms(c, "created"));
  EXPECT_GE(ms(c, "hungup_at"), ms(c, "answered_at"));
  // Ring time runs from the first provisional response (the phone's 180).
  EXPECT_GE(ms(c, "progress_at"), ms(c, "created"));
  EXPECT_GE(ms(c, "answered_at"), ms(c, "progress_at"));
  EXPECT_EQ(c.value("ring_duration", -1), (ms(c, "answered_at") - ms(c, "progress_at")) / 1000);
  EXPECT_EQ(c.value("talk_duration", -1), (ms(c, "hungup_at") - ms(c, "answered_at")) / 1000);
}

// The INVITE a leg received is sipproxyd's own: new Call-ID, its Contact,
// Max-Forwards 70, no Record-Route, the caller's body.
void expect_leg_invite(const std::string& invite, const std::string& caller_call_id,
                       const Daemon& d) {
  SCOPED_TRACE(invite);
  ASSERT_FALSE(invite.empty());
  EXPECT_NE(sip_header(invite, "Contact").find("@" + d.address()), std::string::npos);
  EXPECT_NE(sip_header(invite, "Call-ID"), "");
  EXPECT_NE(sip_header(invite, "Call-ID"), caller_call_id);
  EXPECT_EQ(sip_header(invite, "Max-Forwards"), "70");
  EXPECT_EQ(sip_header(invite, "Record-Route"), "");
  EXPECT_NE(sip_body(invite).find("m=audio 40000 RTP/AVP 0"), std::string::npos);
}

// One "in" + two "out" CDRs sharing a bridge id: the leg with Call-ID
// `answered_call_id` (to `answered_port`) answered 200, the one with
// `cancelled_call_id` (to `cancelled_port`) ended 487.
void expect_forked_cdrs(const json& cdrs, const SippCall& caller, std::uint16_t answered_port,
                        const std::string& answered_call_id, std::uint16_t cancelled_port,
                        const std::string& cancelled_call_id) {
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 3u);
  const json in = cdrs_with(cdrs, "in");
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 2u);
  const std::string bridge = in[0].value("bridge_id", "");
  EXPECT_FALSE(bridge.empty());
  for (const auto& c : out) EXPECT_EQ(c.value("bridge_id", ""), bridge);
  EXPECT_EQ(in[0].value("call_id", ""), caller.first_call_id());
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
  EXPECT_EQ(in[0].value("dst_user", ""), "bob");
  EXPECT_EQ(in[0].value("from_user", ""), "carol");
  EXPECT_TRUE(ends_with(in[0].value("remote_socket", ""), ":" + std::to_string(caller.port())))
      << "in remote_socket";

  const json* answered = nullptr;
  const json* cancelled = nullptr;
  for (const auto& c : out) {
    if (c.value("call_id", "") == answered_call_id) answered = &c;
    if (c.value("call_id", "") == cancelled_call_id) cancelled = &c;
  }
  ASSERT_NE(answered, nullptr) << "no out CDR with the answering phone's Call-ID";
  ASSERT_NE(cancelled, nullptr) << "no out CDR with the cancelled phone's Call-ID";
  EXPECT_EQ(answered->value("answer_status", 0), 200);
  EXPECT_TRUE(ends_with(answered->value("remote_socket", ""), ":" + std::to_string(answered_port)))
      << "answered leg's remote_socket";
  EXPECT_NE(answered->value("local_socket", ""), "") << "answered leg's local_socket";
  expect_answered_times(*answered);
  EXPECT_EQ(cancelled->value("answer_status", 0), 487);
  EXPECT_EQ(cancelled->value("talk_duration", -1), 0);
  EXPECT_TRUE(
      ends_with(cancelled->value("remote_socket", ""), ":" + std::to_string(cancelled_port)))
      << "cancelled leg's remote_socket";
}

// Both bindings of bob ring; `answering_scenario` answers, the other phone
// must be cancelled; the caller runs `caller_scenario`.
void forked_in_call(const std::string& answering_scenario, const std::string& caller_scenario,
                    bool callee_hangs_up) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  auto answering = env.phone("bob", answering_scenario);
  auto cancelled = env.phone("bob", "call_uas_cancelled.xml");
  ASSERT_EQ(env.binding_count("bob"), 2u);

  auto caller = env.caller(caller_scenario, "bob");
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(answering->finish(kCall), 0) << answering->diagnostics();
  EXPECT_EQ(cancelled->finish(kCall), 0) << cancelled->diagnostics();

  const std::string invite = answering->logged("INVITE-RECEIVED");
  expect_leg_invite(invite, caller->first_call_id(), env.daemon);
  expect_leg_invite(cancelled->logged("INVITE-RECEIVED"), caller->first_call_id(), env.daemon);
  // The caller's 200 carries sipproxyd's Contact, not the phone's.
  EXPECT_NE(caller->logged("CONTACT-RECEIVED").find("@" + env.daemon.address()), std::string::npos)
      << caller->log();
  EXPECT_NE(sip_header(invite, "Call-ID"),
            sip_header(cancelled->logged("INVITE-RECEIVED"), "Call-ID"));
  const std::string cancel = cancelled->logged("CANCEL-RECEIVED");
  EXPECT_EQ(sip_start_line(cancel).rfind("CANCEL ", 0), 0u) << cancel;
  if (callee_hangs_up) {
    EXPECT_NE(caller->log().find("GOT BYE"), std::string::npos) << caller->log();
  } else {
    const std::string bye = answering->logged("BYE-RECEIVED");
    EXPECT_EQ(sip_header(bye, "Call-ID"), sip_header(invite, "Call-ID")) << answering->log();
  }

  expect_forked_cdrs(env.wait_cdrs(3), *caller, answering->port(), sip_header(invite, "Call-ID"),
                     cancelled->port(),
                     sip_header(cancelled->logged("INVITE-RECEIVED"), "Call-ID"));
}

TEST(SipproxydCalls, InCallRingsBothBindingsCallerHangsUp) {
  // The answering phone receives sipproxyd's BYE.
  forked_in_call("call_uas_answer.xml", "call_uac.xml", false);
}

TEST(SipproxydCalls, InCallRingsBothBindingsCalleeHangsUp) {
  // The callee hangs up; the caller receives sipproxyd's BYE.
  forked_in_call("call_uas_answer_bye.xml", "call_uac_recv_bye.xml", true);
}

TEST(SipproxydCalls, CallerCancelWhileRingingCancelsTheLeg) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  auto phone = env.phone("bob", "call_uas_cancelled.xml");
  auto caller = env.caller("call_uac_cancel.xml", "bob");
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_FALSE(phone->logged("CANCEL-RECEIVED").empty()) << phone->log();

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 2u);
  const json in = cdrs_with(cdrs, "in");
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(in[0].value("answer_status", 0), 487);
  EXPECT_EQ(out[0].value("answer_status", 0), 487);
  EXPECT_EQ(in[0].value("bridge_id", ""), out[0].value("bridge_id", "x"));
  EXPECT_EQ(in[0].value("talk_duration", -1), 0);
  EXPECT_EQ(out[0].value("talk_duration", -1), 0);
}

TEST(SipproxydCalls, ReinviteIsRelayedWithItsAnswerAndAck) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  auto phone = env.phone("bob", "call_uas_reinvite.xml");
  auto caller = env.caller("call_uac_reinvite.xml", "bob");
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();

  // The new offer reached the callee, its new answer the caller, and the
  // caller's ACK went on to the callee.
  const std::string reinvite = phone->logged("REINVITE-RECEIVED");
  EXPECT_EQ(sip_start_line(reinvite).rfind("INVITE ", 0), 0u) << reinvite;
  EXPECT_NE(sip_body(reinvite).find("m=audio 40002 RTP/AVP 0"), std::string::npos) << reinvite;
  EXPECT_EQ(sip_header(reinvite, "Call-ID"),
            sip_header(phone->logged("INVITE-RECEIVED"), "Call-ID"));
  EXPECT_NE(caller->log().find("REINVITE ANSWER m=audio 41002 m=41002"), std::string::npos)
      << caller->log();
  EXPECT_FALSE(phone->logged("REINVITE-ACK-RECEIVED").empty()) << phone->log();
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();
}

TEST(SipproxydCalls, CallDurationLimitHangsUpBothSides) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true, "", "", "bob-in")}), json::array(),
                json::array({dialstring_plan("bob-in", "bob@local[cd=3]")}));
  auto phone = env.phone("bob", "call_uas_answer.xml");
  const auto start = Clock::now();
  // Both scenarios wait (up to 10 s) for a BYE they never ask for.
  auto caller = env.caller("call_uac_recv_bye.xml", "bob");
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_GE(elapsed, 2900ms);
  EXPECT_LT(elapsed, 8000ms);
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 2u);
  for (const auto& c : cdrs) {
    EXPECT_EQ(c.value("answer_status", 0), 200);
    EXPECT_NE(c.value("hangup_reason", "").find("call duration limit"), std::string::npos);
  }
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(out.size(), 1u);
  expect_answered_times(out[0]);
  const auto talk_ms = ms(out[0], "hungup_at") - ms(out[0], "answered_at");
  EXPECT_GE(talk_ms, 2900);
  EXPECT_LT(talk_ms, 4500);
  EXPECT_EQ(out[0].value("dialplan", ""), "bob-in");
}

// ---- call control: call.list and call.hangup (sipctl call ...) ------------------

TEST(SipproxydCalls, OperatorListsAndHangsUpACallOnlyItsOwnerCanSee) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  ControlClient& control = env.daemon.control();
  control.call("customer.add", {{"username", "other"}, {"password", "other-pw-12"}}, Millis(60000));
  auto phone = env.phone("bob", "call_uas_answer.xml");
  // Both parties wait (up to 10 s) for a BYE neither sends.
  auto caller = env.caller("call_uac_recv_bye.xml", "bob");

  // Ready when the daemon lists the call as confirmed (the caller's ACK).
  json calls;
  const auto deadline = Clock::now() + Millis(8000);
  do {
    calls = control.call("call.list", {{"owner", "demo"}});
  } while ((calls.empty() || calls[0].value("state", "") != "confirmed") &&
           Clock::now() < deadline);
  ASSERT_EQ(calls.size(), 1u) << calls.dump() << env.daemon.stderr_text();
  const json& c = calls[0];
  EXPECT_EQ(c.value("state", ""), "confirmed") << c.dump();
  EXPECT_EQ(c.value("owner", ""), "demo");
  EXPECT_EQ(c.value("direction", ""), "in");
  EXPECT_EQ(c.value("account", ""), "bob@sipsmith.test");
  EXPECT_NE(c.value("answered_by", "").find("sip:bob@127.0.0.1:"), std::string::npos) << c.dump();
  EXPECT_EQ(c.value("legs", 0), 1);
  const std::int64_t id = c.value("id", std::int64_t{0});

  // Another customer neither sees nor ends it; the operator (no owner) sees it.
  EXPECT_TRUE(control.call("call.list", {{"owner", "other"}}).empty());
  EXPECT_EQ(control.call("call.list").size(), 1u);
  const json refused = control.request("call.hangup", {{"id", id}, {"owner", "other"}});
  ASSERT_TRUE(refused.contains("error")) << refused.dump();
  EXPECT_EQ(refused["error"].value("code", ""), "not_found") << refused.dump();

  EXPECT_EQ(control.call("call.hangup", {{"id", id}, {"owner", "demo"}}).value("hung_up", false),
            true);
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();
  EXPECT_TRUE(control.call("call.list").empty());
  const json again = control.request("call.hangup", {{"id", id}});
  EXPECT_TRUE(again.contains("error")) << again.dump();

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 2u);
  for (const auto& r : cdrs) {
    EXPECT_EQ(r.value("answer_status", 0), 200);
    EXPECT_EQ(r.value("hangup_reason", ""), "hung up by the operator");
  }
}

}  // namespace
}  // namespace sipsmith::itest
