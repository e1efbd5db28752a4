// Lua and simple wizard dial plans stored through the
// control socket route real SIPp calls through sipproxyd's B2BUA on loopback
// (docs/dialling.md). Out calls come from ip_acl account alice (no digest),
// In calls from carol@example.net; phones register themselves from the port
// their UAS scenario then binds; providers are SIPp UASs. Scenarios:
// sipproxyd/scenarios/plan_*.xml (plan_uac_reject.xml logs the caller's
// final response whole; the tests assert its exact status line).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};  // bound for one SIPp party of a short call
constexpr Millis kLog{5000};    // bound for a dial plan's log line to show up

json plan_record(const std::string& name, const std::string& type, const std::string& source) {
  return {{"owner", "demo"},
          {"name", name},
          {"type", type},
          {"source", source},
          {"description", "sipproxyd_plans_test"}};
}

std::vector<std::pair<std::string, std::string>> from_alice() {
  return {{"from_user", "alice"}, {"from_host", kCallDomain}};
}

// Alice (ip_acl) with out dial plan "alice-out" = `plan`, bob (ip_acl,
// no plans) and the given providers.
void provision_alice(CallEnv& env, const json& plan, const json& providers = json::array()) {
  env.provision(
      json::array({account_record("alice", true, "", "alice-out"), account_record("bob", true)}),
      providers, json::array({plan}));
}

// The status line of the final response a plan_uac_reject.xml caller got.
std::string final_line(const SippCall& caller) {
  return sip_start_line(caller.logged("FINAL"));
}

// Runs a plan_uac_reject.xml caller from alice to `number`; returns the
// status line of its final response ("" with a test failure when SIPp failed).
std::string refused_call(CallEnv& env, const std::string& number) {
  auto caller = env.caller("plan_uac_reject.xml", number, from_alice());
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  return final_line(*caller);
}

std::string ends_port(std::uint16_t port) {
  return ":" + std::to_string(port);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// ------------------------------------------------------------------ Lua out

constexpr const char* kAliceLua = R"(sys.Log("hi from alice-out, dialled " .. req.URI.User)
if req.URI.User == "100" then
  sys.Dial("bob@local")
else
  sys.Respond(404, "no route")
end
)";

TEST(SipproxydPlans, LuaOutPlanDialsLocalAccountAndIsAnswered) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "lua", kAliceLua));
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "100", from_alice());
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();

  // sys.Log reached the daemon's log; bob's phone got sipproxyd's own INVITE
  // at its registered contact, and sipproxyd's BYE when alice hung up.
  EXPECT_TRUE(
      env.daemon.wait_stderr("[dialplan] demo/alice-out: hi from alice-out, dialled 100", kLog))
      << env.daemon.stderr_text();
  const std::string invite = phone->logged("INVITE-RECEIVED");
  EXPECT_EQ(sip_start_line(invite),
            "INVITE sip:bob@127.0.0.1:" + std::to_string(phone->port()) + " SIP/2.0")
      << invite;
  EXPECT_NE(sip_header(invite, "Call-ID"), caller->first_call_id());
  EXPECT_NE(sip_body(invite).find("m=audio 40000 RTP/AVP 0"), std::string::npos) << invite;
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();
  EXPECT_NE(sip_body(caller->logged("OK-RECEIVED")).find("m=audio 41000 RTP/AVP 0"),
            std::string::npos)
      << caller->log();

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  const json in = cdrs_with(cdrs, "in");
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(in[0].value("account", ""), "alice@sipsmith.test");
  EXPECT_EQ(in[0].value("dialplan", ""), "alice-out");
  EXPECT_EQ(in[0].value("dst_user", ""), "100");
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
  EXPECT_EQ(out[0].value("answer_status", 0), 200);
  EXPECT_EQ(out[0].value("call_id", ""), sip_header(invite, "Call-ID"));
  EXPECT_TRUE(ends_with(out[0].value("remote_socket", ""), ends_port(phone->port())));
  EXPECT_EQ(out[0].value("bridge_id", ""), in[0].value("bridge_id", "x"));
}

TEST(SipproxydPlans, LuaOutPlanRespondIsTheCallersFinalResponse) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "lua", kAliceLua));
  EXPECT_EQ(refused_call(env, "999"), "SIP/2.0 404 no route");
  EXPECT_TRUE(
      env.daemon.wait_stderr("[dialplan] demo/alice-out: hi from alice-out, dialled 999", kLog))
      << env.daemon.stderr_text();

  // The refused call has its "in" CDR and no leg.
  const json cdrs = env.wait_cdrs(1);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 1u);
  EXPECT_EQ(cdrs[0].value("direction", ""), "in");
  EXPECT_EQ(cdrs[0].value("answer_status", 0), 404);
}

TEST(SipproxydPlans, LuaSecondDialIsConnectedAfterFirstIsBusy) {
  CallEnv env;
  auto prov1 = env.provider("plan_uas_busy.xml");
  auto prov2 = env.provider("plan_uas_answer.xml");
  provision_alice(env,
                  plan_record("alice-out", "lua",
                              R"(local r = sys.Dial(req.URI.User .. "@prov1")
sys.Log("first dial " .. r .. " " .. tostring(sys.LastFailureStatus))
sys.Dial(req.URI.User .. "@prov2")
)"),
                  json::array({provider_record("prov1", prov1->port()),
                               provider_record("prov2", prov2->port())}));
  auto caller = env.caller("plan_uac_answer.xml", "5551234", from_alice());
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(prov1->finish(kCall), 0) << prov1->diagnostics();
  EXPECT_EQ(prov2->finish(kCall), 0) << prov2->diagnostics();

  EXPECT_TRUE(env.daemon.wait_stderr("[dialplan] demo/alice-out: first dial Failed 486", kLog))
      << env.daemon.stderr_text();
  const std::string first = prov1->logged("INVITE-RECEIVED");
  const std::string second = prov2->logged("INVITE-RECEIVED");
  EXPECT_EQ(sip_start_line(first),
            "INVITE sip:5551234@127.0.0.1:" + std::to_string(prov1->port()) + " SIP/2.0");
  EXPECT_EQ(sip_start_line(second),
            "INVITE sip:5551234@127.0.0.1:" + std::to_string(prov2->port()) + " SIP/2.0");
  EXPECT_NE(sip_header(first, "Call-ID"), sip_header(second, "Call-ID"));
  EXPECT_FALSE(prov2->logged("BYE-RECEIVED").empty()) << prov2->log();

  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  const json in = cdrs_with(cdrs, "in");
  const json out = cdrs_with(cdrs, "out");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
  std::multiset<int> statuses;
  for (const auto& c : out) {
    statuses.insert(c.value("answer_status", 0));
    EXPECT_EQ(c.value("bridge_id", ""), in[0].value("bridge_id", "x"));
  }
  EXPECT_EQ(statuses, (std::multiset<int>{200, 486}));
}

TEST(SipproxydPlans, LuaLastFailureStatusAndDialResultReachRespond) {
  CallEnv env;
  auto prov1 = env.provider("plan_uas_busy.xml");
  provision_alice(env,
                  plan_record("alice-out", "lua",
                              R"(local r = sys.Dial("x@prov1")
sys.Respond(sys.LastFailureStatus or 500, "after " .. r)
)"),
                  json::array({provider_record("prov1", prov1->port())}));
  EXPECT_EQ(refused_call(env, "5551234"), "SIP/2.0 486 after Failed");
  EXPECT_EQ(prov1->finish(kCall), 0) << prov1->diagnostics();
  EXPECT_EQ(sip_start_line(prov1->logged("INVITE-RECEIVED")),
            "INVITE sip:x@127.0.0.1:" + std::to_string(prov1->port()) + " SIP/2.0");
}

// ------------------------------------------------------- Lua errors, no answer

TEST(SipproxydPlans, LuaScriptErrorsGive500AndNameTheLine) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "lua",
                                   R"(sys.Log("script starts for " .. req.URI.User)
if req.URI.User == "1" then
  error("boom")
end
local missing = nil
missing.call()
)"));
  // The reason phrase is the daemon's choice; the status must be 500.
  auto caller1 = env.caller("plan_uac_reject.xml", "1", from_alice());
  EXPECT_EQ(caller1->finish(kCall), 0) << caller1->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(final_line(*caller1).rfind("SIP/2.0 500 ", 0), 0u) << final_line(*caller1);
  EXPECT_TRUE(env.daemon.wait_stderr("[dialplan] demo/alice-out: line 3: boom", kLog))
      << env.daemon.stderr_text();

  // Indexing a nil value is a script error too (line 6).
  auto caller2 = env.caller("plan_uac_reject.xml", "2", from_alice());
  EXPECT_EQ(caller2->finish(kCall), 0) << caller2->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(final_line(*caller2).rfind("SIP/2.0 500 ", 0), 0u) << final_line(*caller2);
  EXPECT_TRUE(env.daemon.wait_stderr("[dialplan] demo/alice-out: line 6: ", kLog))
      << env.daemon.stderr_text();
}

TEST(SipproxydPlans, LuaScriptEndingWithoutAnswerGives480) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "lua", R"(sys.Log("not dialling anything"))"));
  const std::string line = refused_call(env, "100");
  EXPECT_EQ(line.rfind("SIP/2.0 480 ", 0), 0u) << line;
  EXPECT_TRUE(env.daemon.wait_stderr("not dialling anything", kLog)) << env.daemon.stderr_text();
}

TEST(SipproxydPlans, LuaKeyValueStoreKeepsValuesAcrossCalls) {
  // The first call stores the dialled number, the second reads it back, lists
  // the keys and deletes it; each answers with what it saw.
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "lua", R"(
local n = req.URI.User
if n == "100" then
  local ok = sys.DBWrite("last", "dialled " .. n)
  sys.Respond(486, "stored " .. tostring(ok))
else
  local v = sys.DBRead("last")
  local keys = sys.DBGetKeys()
  sys.DBDelete("last")
  local gone = sys.DBRead("last")
  sys.Respond(404, tostring(v) .. " keys=" .. #keys .. " after=" .. tostring(gone))
end
)"));
  const std::string first = refused_call(env, "100");
  EXPECT_EQ(first.rfind("SIP/2.0 486 stored true", 0), 0u) << first;
  const std::string second = refused_call(env, "200");
  EXPECT_EQ(second.rfind("SIP/2.0 404 dialled 100 keys=1 after=nil", 0), 0u) << second;
}

TEST(SipproxydPlans, LuaSyntaxErrorIsRefusedOnSaveWithItsLine) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "lua", R"(sys.Log("ok"))"));
  const json r = env.daemon.control().request(
      "dialplan.add", plan_record("broken", "lua", "sys.Log(\"a\")\nif then\n"));
  ASSERT_TRUE(r.contains("error")) << dump(r);
  const std::string message = r["error"].value("message", "");
  EXPECT_NE(message.find("line 2"), std::string::npos) << dump(r);
  const json list = env.daemon.control().call("dialplan.list", {{"owner", "demo"}});
  EXPECT_EQ(list.dump().find("\"broken\""), std::string::npos) << dump(list);
}

// ------------------------------------------------------------------ wizard

constexpr const char* kAliceWizard = R"({
  "format": "sipsmith-wizard",
  "version": 1,
  "rules": [
    {"direction": "out", "priority": 1, "description": "premium barred",
     "pattern_type": "prefix", "pattern": "0900", "command": "reject",
     "status": 403, "reason": "Premium numbers barred"},
    {"direction": "out", "priority": 2, "description": "bob's extension",
     "pattern_type": "exact", "pattern": "100", "command": "dial",
     "destination": "bob", "provider": "local"},
    {"direction": "out", "priority": 3, "description": "short numbers to bob",
     "pattern_type": "prefix", "pattern": "2XX", "command": "dial_advanced",
     "dial_string": "bob@local", "ring_seconds": 20}
  ]
})";

TEST(SipproxydPlans, WizardOutPlanDialsAnExactNumber) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "wizard", kAliceWizard));
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "100", from_alice());
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_EQ(sip_start_line(phone->logged("INVITE-RECEIVED")),
            "INVITE sip:bob@127.0.0.1:" + std::to_string(phone->port()) + " SIP/2.0")
      << phone->log();
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  const json in = cdrs_with(cdrs, "in");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(cdrs_with(cdrs, "out").size(), 1u);
  EXPECT_EQ(in[0].value("dialplan", ""), "alice-out");
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
}

TEST(SipproxydPlans, WizardOutPlanDialAdvancedPrefixRule) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "wizard", kAliceWizard));
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "234", from_alice());
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_FALSE(phone->logged("INVITE-RECEIVED").empty()) << phone->log();
}

TEST(SipproxydPlans, WizardRejectRuleAndNoMatchingRule) {
  CallEnv env;
  provision_alice(env, plan_record("alice-out", "wizard", kAliceWizard));
  EXPECT_EQ(refused_call(env, "0900123456"), "SIP/2.0 403 Premium numbers barred");
  // No rule matches "555": the plan ends without answering -> 480.
  const std::string line = refused_call(env, "555");
  EXPECT_EQ(line.rfind("SIP/2.0 480 ", 0), 0u) << line;
}

// ------------------------------------------------------------------ In plans

// Sales has no phone of its own: its wizard in plan sends carol's calls to
// bob and refuses everybody else.
constexpr const char* kSalesWizard = R"({
  "format": "sipsmith-wizard",
  "version": 1,
  "rules": [
    {"direction": "in", "priority": 1, "description": "carol to bob",
     "to_match": "account", "to": "sales@local", "pattern_type": "regex",
     "pattern": "carol@example\\.net", "command": "dial",
     "destination": "bob", "provider": "local"},
    {"direction": "in", "priority": 2, "description": "others refused",
     "to_match": "any", "command": "reject", "status": 603, "reason": "Sales closed"}
  ]
})";

TEST(SipproxydPlans, WizardInPlanForwardsByCallerAndRejectsOthers) {
  CallEnv env;
  env.provision(
      json::array({account_record("sales", true, "", "", "sales-in"), account_record("bob", true)}),
      json::array(), json::array({plan_record("sales-in", "wizard", kSalesWizard)}));
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "sales");  // carol@example.net
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_EQ(sip_start_line(phone->logged("INVITE-RECEIVED")),
            "INVITE sip:bob@127.0.0.1:" + std::to_string(phone->port()) + " SIP/2.0")
      << phone->log();

  auto other = env.caller("plan_uac_reject.xml", "sales", {{"from_user", "mallory"}});
  EXPECT_EQ(other->finish(kCall), 0) << other->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(final_line(*other), "SIP/2.0 603 Sales closed");

  const json cdrs = env.wait_cdrs(3);
  SCOPED_TRACE(dump(cdrs));
  const json in = cdrs_with(cdrs, "in");
  ASSERT_EQ(in.size(), 2u);
  ASSERT_EQ(cdrs_with(cdrs, "out").size(), 1u);
  for (const auto& c : in) {
    EXPECT_EQ(c.value("account", ""), "sales@sipsmith.test");
    EXPECT_EQ(c.value("dialplan", ""), "sales-in");
  }
}

TEST(SipproxydPlans, LuaInPlanDialsTheAccountWithItsHeader) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true, "", "", "bob-in")}), json::array(),
                json::array({plan_record("bob-in", "lua",
                                         R"(if sys.In then
  sys.SetCustomSIPHeader("X-Plan", "lua-in for " .. req.Header.From.FromURI.User)
  sys.Dial("bob@local")
else
  sys.Respond(403, "in plan run as out")
end
)")}));
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "bob");  // carol@example.net
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();

  const std::string invite = phone->logged("INVITE-RECEIVED");
  EXPECT_EQ(sip_start_line(invite),
            "INVITE sip:bob@127.0.0.1:" + std::to_string(phone->port()) + " SIP/2.0")
      << invite;
  EXPECT_EQ(sip_header(invite, "X-Plan"), "lua-in for carol") << invite;
  EXPECT_FALSE(phone->logged("BYE-RECEIVED").empty()) << phone->log();

  const json cdrs = env.wait_cdrs(2);
  SCOPED_TRACE(dump(cdrs));
  const json in = cdrs_with(cdrs, "in");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(cdrs_with(cdrs, "out").size(), 1u);
  EXPECT_EQ(in[0].value("account", ""), "bob@sipsmith.test");
  EXPECT_EQ(in[0].value("dialplan", ""), "bob-in");
  EXPECT_EQ(in[0].value("from_user", ""), "carol");
  EXPECT_EQ(in[0].value("answer_status", 0), 200);
}

}  // namespace
}  // namespace sipsmith::itest
