// Attended transfers and joins through sipproxyd (docs/transfers.md) with
// SIPp parties on loopback. Bob talks to alice (call 1) and has called
// carol, a provider (call 2); he REFERs alice to carol with Replaces naming
// call 2:
//  - passed through (tr=p): alice gets the REFER and sends an INVITE with
//    Replaces; the server puts her in bob's place in call 2 (carol is
//    re-INVITEd with alice's session, bob's call 2 gets BYE); the same
//    INVITE from a stranger is refused;
//  - consumed (tr=c): the server joins alice and carol itself;
//  - call.dualtransfer joins the far ends of two calls for the operator.
// Scenarios: sipproxyd/scenarios/xfer_*.xml.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};  // bound for one SIPp party
using Clock = std::chrono::steady_clock;
using Keys = std::vector<std::pair<std::string, std::string>>;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Waits (bounded) until `party` logged `marker`; the logged text.
std::string wait_logged(SippCall& party, std::string_view marker, Millis limit = Millis(10000)) {
  const auto until = Clock::now() + limit;
  std::string text = party.logged(marker);
  while (text.empty() && Clock::now() < until) {
    if (party.wait(Millis(50))) break;  // it ended: nothing more comes
    text = party.logged(marker);
  }
  return text.empty() ? party.logged(marker) : text;
}

// The tag parameter of a From or To header value.
std::string tag_of(const std::string& header) {
  const auto at = header.find(";tag=");
  if (at == std::string::npos) return {};
  const auto end = header.find(';', at + 5);
  return header.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
}

// `text` escaped for a URI header value (RFC 3261 19.1.1).
std::string uri_escaped(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Keys from(const std::string& user, const std::string& host = kCallDomain) {
  return {{"from_user", user}, {"from_host", host}};
}

// Alice (out plan: `alice_out`), bob (out plan: carol at provider p2) and
// provider p2 at `p2_port`; all ACL accounts of customer demo.
void provision(CallEnv& env, const std::string& alice_out, std::uint16_t p2_port) {
  env.provision(json::array({account_record("alice", true, "", "alice-out"),
                             account_record("bob", true, "", "bob-out")}),
                json::array({provider_record("p2", p2_port)}),
                json::array({dialstring_plan("alice-out", alice_out),
                             dialstring_plan("bob-out", "${dst}@p2")}));
}

// Call 2: bob calls carol (p2); its Replaces value from bob's side once
// answered ("call-id;to-tag=ours;from-tag=bob's").
std::string replaces_of_call2(SippCall& bob2) {
  const std::string ok = wait_logged(bob2, "OK-RECEIVED");
  if (ok.empty()) return {};
  return sip_header(ok, "Call-ID") + ";to-tag=" + tag_of(sip_header(ok, "To")) +
         ";from-tag=" + tag_of(sip_header(ok, "From"));
}

// The Refer-To of bob's attended REFER: carol as bob knows her (our
// Contact in call 2) with the Replaces header.
std::string refer_to(const CallEnv& env, const std::string& replaces) {
  return "sip:sipsmith@" + env.daemon.address() + "?Replaces=" + uri_escaped(replaces);
}

TEST(SipproxydAttended, PassedThroughReferCompletesWithInviteReplaces) {
  CallEnv env;
  auto carol = env.provider("xfer_uas_reinvited.xml");
  provision(env, "bob@local[tr=p]", carol->port());
  auto bob2 = env.caller("xfer_uac_replaced.xml", "300", from("bob"));
  const std::string replaces = replaces_of_call2(*bob2);
  ASSERT_FALSE(replaces.empty()) << bob2->diagnostics() << env.daemon.stderr_text();

  // Nobody referred a stranger: refused as if the dialog did not exist.
  auto stranger = env.caller("xfer_uac_replaces_refused.xml", "sipsmith",
                             Keys{{"from_user", "mallory"}, {"replaces", replaces}});
  EXPECT_EQ(stranger->finish(kCall), 0) << stranger->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(sip_start_line(stranger->logged("FINAL-RECEIVED")),
            "SIP/2.0 481 Call/Transaction Does Not Exist");

  auto bob1 =
      env.phone("bob", "xfer_uas_refer_passed.xml", Keys{{"refer_to", refer_to(env, replaces)}});
  auto alice = env.caller("xfer_uac_refer_relayed.xml", "100", from("alice"));
  const std::string refer = wait_logged(*alice, "REFER-RECEIVED");
  ASSERT_FALSE(refer.empty()) << alice->diagnostics() << env.daemon.stderr_text();
  EXPECT_TRUE(has(sip_header(refer, "Refer-To"), "?Replaces=")) << refer;

  // The customer's console shows the replacement.
  ControlClient console(env.daemon.control_path());
  const json subscribed =
      console.request("console.subscribe", {{"owner", "demo"}, {"filter", "event call"}});
  ASSERT_FALSE(subscribed.contains("error")) << subscribed.dump();

  // Alice's phone does what the REFER says (from her address, as a phone
  // outside the service would: From her own domain).
  auto alice2 = env.caller("xfer_uac_replaces.xml", "sipsmith",
                           Keys{{"from_user", "alice"}, {"replaces", replaces}});
  EXPECT_EQ(alice2->finish(kCall), 0) << alice2->diagnostics() << env.daemon.stderr_text();
  std::optional<json> note;
  const auto until = Clock::now() + Millis(10000);
  while (Clock::now() < until) {
    note = console.next_line(Millis(1000));
    if (note && note->value("what", "") == "replaced") break;
  }
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->value("what", ""), "replaced") << note->dump();
  EXPECT_TRUE(has(note->value("message", ""), "alice@example.net")) << note->dump();
  EXPECT_EQ(bob2->finish(kCall), 0) << bob2->diagnostics();
  EXPECT_EQ(alice->finish(kCall), 0) << alice->diagnostics();
  EXPECT_EQ(bob1->finish(kCall), 0) << bob1->diagnostics();
  EXPECT_EQ(carol->finish(kCall), 0) << carol->diagnostics();

  // Carol was offered alice's session on her dialog of call 2; alice got
  // carol's answer; bob's call 2 was hung up by the server.
  const std::string reinvite = carol->logged("REINVITE-RECEIVED");
  EXPECT_TRUE(has(sip_body(reinvite), "m=audio 42000")) << reinvite;
  // ... continuing the o= line she saw (bob's offer, version 1).
  EXPECT_TRUE(has(sip_body(reinvite), "o=transferor 1 2 IN IP4")) << reinvite;
  EXPECT_EQ(sip_header(reinvite, "Call-ID"),
            sip_header(carol->logged("INVITE-RECEIVED"), "Call-ID"));
  EXPECT_TRUE(has(sip_body(alice2->logged("OK-RECEIVED")), "m=audio 41000"))
      << alice2->logged("OK-RECEIVED");
  EXPECT_FALSE(bob2->logged("BYE-RECEIVED").empty());
  EXPECT_TRUE(has(sip_body(bob1->logged("FINAL-NOTIFY")), "SIP/2.0 200 OK"));

  // Call 2's records: bob's ended "replaced", alice's joined the bridge.
  const json cdrs = env.wait_cdrs(5);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 5u);
  int replaced = 0;
  std::string bridge2;
  for (const auto& c : cdrs) {
    EXPECT_EQ(c.value("answer_status", 0), 200);
    EXPECT_NE(c.value("hungup_at", std::int64_t{0}), 0);
    if (c.value("hangup_reason", "") == "replaced") {
      ++replaced;
      bridge2 = c.value("bridge_id", "");
    }
  }
  EXPECT_EQ(replaced, 1);
  int in_bridge2 = 0;
  for (const auto& c : cdrs) in_bridge2 += c.value("bridge_id", "") == bridge2;
  EXPECT_EQ(in_bridge2, 3);  // bob's, carol's leg, alice's new one
}

TEST(SipproxydAttended, ConsumedReferJoinsTheTransferorsTwoPartners) {
  CallEnv env;
  auto carol = env.provider("xfer_uas_reinvited.xml");
  provision(env, "bob@local[tr=c]", carol->port());
  auto bob2 = env.caller("xfer_uac_replaced.xml", "300", from("bob"));
  const std::string replaces = replaces_of_call2(*bob2);
  ASSERT_FALSE(replaces.empty()) << bob2->diagnostics() << env.daemon.stderr_text();

  auto bob1 =
      env.phone("bob", "xfer_uas_refer_attended.xml", Keys{{"refer_to", refer_to(env, replaces)}});
  auto alice = env.caller("xfer_uac_reinvited_hungup.xml", "100", from("alice"));
  // Joined once both re-INVITEs are acknowledged; then the operator ends
  // the call (a BYE crossing a re-INVITE still in progress would be a race
  // of the test, not of the server).
  EXPECT_FALSE(wait_logged(*alice, "ACK-RECEIVED").empty())
      << alice->diagnostics() << env.daemon.stderr_text();
  EXPECT_FALSE(wait_logged(*carol, "ACK-RECEIVED").empty()) << carol->diagnostics();
  ControlClient& control = env.daemon.control();
  const json calls = control.call("call.list", {{"owner", "demo"}});
  ASSERT_EQ(calls.size(), 1u) << calls.dump();
  EXPECT_EQ(calls[0].value("call_id", ""), alice->first_call_id());
  control.call("call.hangup", {{"id", calls[0].value("id", std::int64_t{0})}});
  EXPECT_EQ(alice->finish(kCall), 0) << alice->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(bob1->finish(kCall), 0) << bob1->diagnostics();
  EXPECT_EQ(bob2->finish(kCall), 0) << bob2->diagnostics();
  EXPECT_EQ(carol->finish(kCall), 0) << carol->diagnostics();

  // Bob was told and hung up on both calls; alice and carol got each
  // other's session on their own dialogs, and both the final BYE.
  EXPECT_TRUE(has(sip_body(bob1->logged("FINAL-NOTIFY")), "SIP/2.0 200 OK"));
  EXPECT_FALSE(bob1->logged("BYE-RECEIVED").empty());
  EXPECT_FALSE(bob2->logged("BYE-RECEIVED").empty());
  const std::string to_alice = alice->logged("REINVITE-RECEIVED");
  EXPECT_EQ(sip_header(to_alice, "Call-ID"), alice->first_call_id());
  EXPECT_TRUE(has(sip_body(to_alice), "m=audio 41000")) << to_alice;
  const std::string to_carol = carol->logged("REINVITE-RECEIVED");
  EXPECT_TRUE(has(sip_body(to_carol), "m=audio 40000")) << to_carol;
  EXPECT_TRUE(has(sip_body(to_carol), "o=transferor 1 2 IN IP4")) << to_carol;
  EXPECT_FALSE(carol->logged("BYE-RECEIVED").empty()) << carol->log();

  const json cdrs = env.wait_cdrs(4);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 4u);
  int transferred = 0;
  for (const auto& c : cdrs) {
    EXPECT_NE(c.value("hungup_at", std::int64_t{0}), 0);
    transferred += c.value("hangup_reason", "") == "transferred";
  }
  EXPECT_EQ(transferred, 2);  // bob's two
}

TEST(SipproxydAttended, OperatorDualTransferJoinsTheFarEndsOfTwoCalls) {
  CallEnv env;
  auto carol = env.provider("xfer_uas_reinvited.xml", Keys{{"answer_ip", "127.0.0.3"}});
  provision(env, "bob@local", carol->port());
  ControlClient& control = env.daemon.control();
  control.call("customer.add", {{"username", "other"}, {"password", "other-pw-12"}}, Millis(60000));
  auto bob1 = env.phone("bob", "xfer_uas_reinvited.xml", Keys{{"answer_ip", "127.0.0.2"}});
  auto alice = env.caller("call_uac_recv_bye.xml", "100", from("alice"));
  auto bob2 = env.caller("xfer_uac_replaced.xml", "300", from("bob"));

  json calls;
  const auto deadline = Clock::now() + Millis(10000);
  auto confirmed = [&calls] {
    int n = 0;
    for (const auto& c : calls) n += c.value("state", "") == "confirmed";
    return n;
  };
  do {
    calls = control.call("call.list", {{"owner", "demo"}});
  } while (confirmed() < 2 && Clock::now() < deadline);
  ASSERT_EQ(confirmed(), 2) << calls.dump() << env.daemon.stderr_text();
  // Call 1 (alice -> bob) by its id, call 2 by its caller's Call-ID.
  std::int64_t first = 0;
  for (const auto& c : calls)
    if (c.value("call_id", "") == alice->first_call_id()) first = c.value("id", std::int64_t{0});
  ASSERT_NE(first, 0) << calls.dump();

  // Another customer does not see them.
  EXPECT_TRUE(control.call("call.list", {{"owner", "other"}}).empty());
  const json refused =
      control.request("call.dualtransfer",
                      {{"owner", "other"}, {"first", first}, {"second", bob2->first_call_id()}});
  ASSERT_TRUE(refused.contains("error")) << refused.dump();
  EXPECT_EQ(refused["error"].value("code", ""), "not_found") << refused.dump();

  const json joined =
      control.call("call.dualtransfer",
                   {{"owner", "demo"}, {"first", first}, {"second", bob2->first_call_id()}});
  EXPECT_TRUE(joined.value("joined", false)) << joined.dump();
  // The owner's two phones leave; bob's phone and carol get each other.
  EXPECT_EQ(alice->finish(kCall), 0) << alice->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(bob2->finish(kCall), 0) << bob2->diagnostics();
  EXPECT_FALSE(wait_logged(*bob1, "ACK-RECEIVED").empty()) << bob1->diagnostics();
  EXPECT_FALSE(wait_logged(*carol, "ACK-RECEIVED").empty()) << carol->diagnostics();
  const std::string to_bob = bob1->logged("REINVITE-RECEIVED");
  EXPECT_TRUE(has(sip_body(to_bob), "c=IN IP4 127.0.0.3")) << to_bob;
  const std::string to_carol = carol->logged("REINVITE-RECEIVED");
  EXPECT_TRUE(has(sip_body(to_carol), "c=IN IP4 127.0.0.2")) << to_carol;

  calls = control.call("call.list", {{"owner", "demo"}});
  ASSERT_EQ(calls.size(), 1u) << calls.dump();
  EXPECT_EQ(calls[0].value("id", std::int64_t{0}), first);
  EXPECT_EQ(control.call("call.hangup", {{"id", first}}).value("hung_up", false), true);
  EXPECT_EQ(bob1->finish(kCall), 0) << bob1->diagnostics();
  EXPECT_EQ(carol->finish(kCall), 0) << carol->diagnostics();

  const json cdrs = env.wait_cdrs(4);
  SCOPED_TRACE(dump(cdrs));
  ASSERT_EQ(cdrs.size(), 4u);
  int transferred = 0;
  for (const auto& c : cdrs) {
    EXPECT_NE(c.value("hungup_at", std::int64_t{0}), 0);
    transferred += c.value("hangup_reason", "") == "transferred";
  }
  EXPECT_EQ(transferred, 2);  // alice's and bob's second call's
}

}  // namespace
}  // namespace sipsmith::itest
