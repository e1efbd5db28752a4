// Intake of new INVITEs (b2bua/call_manager.cpp, auth.cpp): classification,
// authentication, account and customer checks, the plan lookup, 100 Trying
// and the caller's "in" CDR.
#include <gtest/gtest.h>

#include "call_test_support.hpp"

namespace sip::b2bua::test {
namespace {

class CallIntakeTest : public CallTest {
 protected:
  // The challenge of a 407 with `algorithm`.
  static auth::Challenge challenge_of(const msg::Message& r, auth::Algorithm algorithm) {
    std::optional<auth::Challenge> found;
    r.for_each(msg::HeaderId::ProxyAuthenticate, [&](const msg::HeaderField& f) {
      auto c = auth::parse_challenge(*r.auth_at(f));
      if (c && c->algorithm == algorithm && !found) found = *c;
    });
    EXPECT_TRUE(found) << "no " << auth::algorithm_name(algorithm) << " challenge";
    return found.value_or(auth::Challenge{});
  }
  // 1002 (digest, no ACL) calls bob; `password` answers the 407 unless empty.
  Invite digest_call(const std::string& user = "1002") const {
    Invite i = out_call();
    i.from = "<sip:" + user + "@sipsmith.test>";
    i.call_id = "digest-" + user + "@127.0.0.1";
    i.from_tag = "desk-" + user;
    return i;
  }
  std::string credentials(const msg::Message& challenge, const Invite& i, std::string_view password,
                          const std::string& user = "1002") const {
    auto creds = auth::Credentials::with_password(user, std::string(password));
    auth::RequestInfo info;
    info.method = "INVITE";
    info.uri = i.uri;
    return *auth::make_authorization(challenge_of(challenge, auth::Algorithm::Md5), creds, info, 1);
  }
  // 1002's INVITE, its 407, and the INVITE again answering it with `password`.
  void digest_call_with(std::string_view password, const std::string& user = "1002") {
    Invite i = digest_call(user);
    i.branch = "z9hG4bKdesk1" + user;
    send_invite(i);
    const msg::Message challenge = last_to(kDesk, "SIP/2.0 407");
    i.branch = "z9hG4bKdesk2" + user;
    i.cseq = 2;
    i.headers = {"Proxy-Authorization: " + credentials(challenge, i, password, user)};
    send_invite(i);
  }
};

TEST_F(CallIntakeTest, UnknownDomainIs404DomainNotServiced) {
  Invite i;
  i.uri = "sip:bob@elsewhere.example";
  i.to = "<sip:bob@elsewhere.example>";
  send_invite(i);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"404 Domain not serviced"}));
  EXPECT_EQ(count_to(kCaller, "SIP/2.0 100"), 0u);
  EXPECT_TRUE(cdrs.writes.empty());  // refused before a call exists
  EXPECT_EQ(calls->stats().rejected, 1u);
}

TEST_F(CallIntakeTest, InCallToUnknownUserIsAnsweredLikeAnUnreachableOne) {
  // carol exists but has no binding: 100, then 480 from her default plan.
  Invite known;
  known.uri = "sip:carol@sipsmith.test";
  send_invite(known);
  Invite unknown;
  unknown.uri = "sip:nobody@sipsmith.test";
  unknown.call_id = "call-2@198.51.100.7";
  unknown.branch = "z9hG4bKcaller2";
  send_invite(unknown);
  const auto all = sent_to(kCaller);
  ASSERT_EQ(all.size(), 4u);
  for (std::size_t k = 0; k < 2; ++k) {
    const msg::Message& a = all[k];
    const msg::Message& b = all[k + 2];
    EXPECT_EQ(a.status(), b.status());
    EXPECT_EQ(a.reason(), b.reason());
    // The same header names in the same order, and the same Server.
    std::vector<std::string> names_a, names_b;
    for (const auto& f : a.fields()) names_a.emplace_back(a.text(f.name));
    for (const auto& f : b.fields()) names_b.emplace_back(b.text(f.name));
    EXPECT_EQ(names_a, names_b);
    EXPECT_EQ(a.value(msg::HeaderId::Server), b.value(msg::HeaderId::Server));
  }
  EXPECT_EQ(all[3].status(), 480);
  EXPECT_EQ(all[3].reason(), "Temporarily Unavailable");
}

TEST_F(CallIntakeTest, InCallWithoutUserIs484) {
  Invite i;
  i.uri = "sip:sipsmith.test";
  send_invite(i);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"484 No user specified"}));
}

TEST_F(CallIntakeTest, InCallToDisabledAccountIs480) {
  Invite i;
  i.uri = "sip:off@sipsmith.test";
  send_invite(i);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"480 Temporarily Unavailable"}));
}

TEST_F(CallIntakeTest, UnknownCallerIsChallengedAndFailsLikeAWrongPassword) {
  digest_call_with("wrong");
  digest_call_with("anything", "9999");
  // 1002: 407, 403; 9999 (no such account): the same.
  EXPECT_EQ(finals_to(kDesk),
            (std::vector<std::string>{"407 Proxy Authentication Required", "403 Forbidden",
                                      "407 Proxy Authentication Required", "403 Forbidden"}));
  const auto challenges = sent_to(kDesk, "SIP/2.0 407");
  ASSERT_EQ(challenges.size(), 2u);
  auto shape = [](const msg::Message& m) {
    std::string v(m.value(msg::HeaderId::ProxyAuthenticate));
    const auto a = v.find("nonce=\"");
    const auto b = v.find('"', a + 7);
    return v.erase(a, b - a);  // without the nonce itself
  };
  EXPECT_EQ(shape(challenges[0]), shape(challenges[1]));
  EXPECT_EQ(calls->stats().auth_failures, 2u);
}

TEST_F(CallIntakeTest, DigestAccountWithoutCredentialsIsChallenged) {
  send_invite(digest_call());
  const msg::Message r = last_to(kDesk, "SIP/2.0 407");
  EXPECT_EQ(r.reason(), "Proxy Authentication Required");
  const auto offers = registrar::test::values(r, msg::HeaderId::ProxyAuthenticate);
  // The default offers MD5 only, so every common phone can answer it.
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_TRUE(offers[0].starts_with("Digest realm=\"sipsmith.test\", nonce=\"")) << offers[0];
  EXPECT_TRUE(offers[0].ends_with("\", algorithm=MD5, qop=\"auth\"")) << offers[0];
  EXPECT_FALSE(to_tag_of(r).empty());
  EXPECT_EQ(calls->stats().challenged, 1u);
  EXPECT_TRUE(cdrs.writes.empty());
}

TEST_F(CallIntakeTest, DigestAccountWithRightCredentialsIsPlaced) {
  register_phone("bob", kBob1);
  Invite i = digest_call();
  send_invite(i);
  const msg::Message challenge = last_to(kDesk, "SIP/2.0 407");
  i.branch = "z9hG4bKdesk2";
  i.cseq = 2;
  i.headers = {"Proxy-Authorization: " + credentials(challenge, i, kPassword)};
  send_invite(i);
  EXPECT_EQ(last_to(kDesk, "SIP/2.0").status(), 100);
  EXPECT_EQ(count_to(kBob1, "INVITE sip:bob@127.0.0.21:5060 SIP/2.0"), 1u);
  EXPECT_EQ(calls->stats().auth_failures, 0u);
}

TEST_F(CallIntakeTest, ReplayedInviteAnswerGetsAFreshNonceNotACall) {
  register_phone("bob", kBob1);
  Invite i = digest_call();
  send_invite(i);
  const msg::Message challenge = last_to(kDesk, "SIP/2.0 407");
  i.branch = "z9hG4bKdesk2";
  i.cseq = 2;
  i.headers = {"Proxy-Authorization: " + credentials(challenge, i, kPassword)};
  send_invite(i);
  ASSERT_EQ(count_to(kBob1, "INVITE sip:bob@127.0.0.21:5060 SIP/2.0"), 1u);
  // The same answer (nonce, nc=00000001) on a new INVITE: a replay.
  Invite replay = i;
  replay.call_id = "digest-replay@127.0.0.1";
  replay.branch = "z9hG4bKdesk3";
  replay.from_tag = "desk-replay";
  send_invite(replay);
  const msg::Message again = last_to(kDesk, "SIP/2.0 407");
  EXPECT_EQ(again.call_id(), "digest-replay@127.0.0.1");
  const auto offers = registrar::test::values(again, msg::HeaderId::ProxyAuthenticate);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_NE(offers[0].find("stale=true"), std::string::npos) << offers[0];
  EXPECT_EQ(count_to(kBob1, "INVITE sip:bob@127.0.0.21:5060 SIP/2.0"), 1u);
}

TEST_F(CallIntakeTest, DigestAccountWithWrongCredentialsIs403) {
  digest_call_with("wrong");
  EXPECT_EQ(finals_to(kDesk),
            (std::vector<std::string>{"407 Proxy Authentication Required", "403 Forbidden"}));
  EXPECT_EQ(calls->stats().auth_failures, 1u);
}

TEST_F(CallIntakeTest, FailedAuthenticationsCountInTheEnginesGuard) {
  policy::SourceGuardConfig g;
  g.max_failures = 2;
  guard.reconfigure(g);
  // An unknown caller of a served domain, then a wrong password: the same
  // guard the registrar counts in (the engine refuses blocked sources).
  digest_call_with("guess", "9999");
  EXPECT_EQ(finals_to(kDesk),
            (std::vector<std::string>{"407 Proxy Authentication Required", "403 Forbidden"}));
  EXPECT_FALSE(guard.blocked("127.0.0.1"));
  digest_call_with("wrong");
  EXPECT_TRUE(guard.blocked("127.0.0.1"));
  EXPECT_FALSE(guard.blocked("198.51.100.7"));
}

TEST_F(CallIntakeTest, DisabledCallingAccountIs403) {
  Invite i = out_call();
  i.from = "<sip:off@sipsmith.test>";
  send_invite(i);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"403 SIP account disabled"}));
}

TEST_F(CallIntakeTest, IncomingOnlyAccountCannotCallOut) {
  Invite i = out_call();
  i.from = "<sip:inonly@sipsmith.test>";
  send_invite(i);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"403 SIP account is incoming only"}));
}

TEST_F(CallIntakeTest, AccountWithoutOutDialPlanIs480) {
  Invite i = out_call();
  i.from = "<sip:noplan@sipsmith.test>";
  send_invite(i);
  EXPECT_EQ(finals_to(kDesk),
            (std::vector<std::string>{"480 SIP account missing dialplan setting"}));
  EXPECT_TRUE(cdrs.writes.empty());
}

TEST_F(CallIntakeTest, MissingStoredPlanIs500) {
  Invite i = out_call();
  i.from = "<sip:lost@sipsmith.test>";
  send_invite(i);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"500 Could not load dialplan nosuch"}));
}

TEST_F(CallIntakeTest, SuspendedCustomerIs604) {
  Invite i = out_call();
  i.from = "<sip:susp@sipsmith.test>";
  send_invite(i);
  EXPECT_EQ(finals_to(kDesk), (std::vector<std::string>{"604 Does Not Exist Anywhere"}));
}

TEST_F(CallIntakeTest, PlanThatDoesNotCompileIs500AfterTrying) {
  set_plan("out", "lua", "sys.Dial(");
  send_invite(out_call());
  const auto responses = sent_to(kDesk, "SIP/2.0");
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status(), 100);
  EXPECT_EQ(responses[1].status(), 500);
}

TEST_F(CallIntakeTest, AcceptedCallIsTriedAndLeavesAnInCdr) {
  register_phone("bob", kBob1);
  const Invite i;
  send_invite(i);
  const auto responses = sent_to(kCaller, "SIP/2.0");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status(), 100);
  EXPECT_EQ(responses[0].reason(), "Trying");
  EXPECT_EQ(responses[0].call_id(), i.call_id);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 1u);
  const auto in = cdrs.latest("in");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].owner_id, 1);
  EXPECT_EQ(in[0].account, "bob@sipsmith.test");
  EXPECT_EQ(in[0].dialplan, "");  // the built-in "ring the bindings"
  EXPECT_EQ(in[0].dst_uri, "sip:bob@sipsmith.test");
  EXPECT_EQ(in[0].from_user, "alice");
  EXPECT_EQ(in[0].from_name, "Alice");
  EXPECT_EQ(in[0].call_id, i.call_id);
  EXPECT_EQ(in[0].local_socket, "udp:192.0.2.1:5060");
  EXPECT_EQ(in[0].remote_socket, "udp:198.51.100.7:5060");
  EXPECT_EQ(in[0].answer_status, 0);
  EXPECT_EQ(in[0].bridge_id.size(), 32u);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, CallEvent::Kind::Created);
  EXPECT_EQ(calls->stats().active, 1u);
}

TEST_F(CallIntakeTest, OperatorHangUpOfARingingCallCancelsItsLegsAndAnswers480) {
  register_phone("bob", kBob1);
  send_invite(Invite{});
  ASSERT_EQ(count_to(kBob1, "INVITE "), 1u);
  reply(kBob1, last_to(kBob1, "INVITE "), 180, "b1");  // a CANCEL needs a provisional first
  const auto listed = calls->calls();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, "routing");
  EXPECT_EQ(listed[0].account, "bob@sipsmith.test");
  EXPECT_TRUE(calls->calls(2).empty());                      // another customer's view
  EXPECT_FALSE(calls->hang_up(listed[0].id, 2, "nope"));     // nor can it end it
  EXPECT_TRUE(calls->hang_up(listed[0].id, 1, "operator"));  // its owner can
  EXPECT_EQ(count_to(kBob1, "CANCEL "), 1u);
  EXPECT_EQ(finals_to(kCaller), (std::vector<std::string>{"480 Call ended by the service"}));
  EXPECT_TRUE(calls->calls().empty());
  EXPECT_FALSE(calls->hang_up(listed[0].id, 0, "again"));
}

// ---- outgoing call limits -----------------------------------------------------

TEST_F(CallIntakeTest, OutgoingCallsAreHeldToTheAccountsLimits) {
  Config c;
  c.limits.account_calls = 1;
  c.limits.account_per_minute = 3;
  start_calls(nullptr, c);
  register_phone("bob", kBob1);
  auto call = [&](int n) {
    Invite i = out_call();
    i.call_id = "limit-" + std::to_string(n) + "@127.0.0.1";
    i.from_tag = "lim-" + std::to_string(n);
    i.branch = "z9hG4bKlimit" + std::to_string(n);
    send_invite(i);
    return i;
  };
  call(1);  // rings bob
  ASSERT_EQ(count_to(kBob1, "INVITE "), 1u);
  call(2);  // a second one at once: busy, and no leg
  EXPECT_EQ(finals_to(kDesk).back(), "486 Too many calls for this account");
  EXPECT_EQ(count_to(kBob1, "INVITE "), 1u);
  // The first ends (bob busy): the next one is admitted...
  reply(kBob1, last_to(kBob1, "INVITE "), 486, "b1");
  call(3);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 2u);
  reply(kBob1, last_to(kBob1, "INVITE "), 486, "b1");
  // ... but a fourth attempt in the same minute is one too many (busy
  // refusals did not count).
  call(4);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 3u);
  reply(kBob1, last_to(kBob1, "INVITE "), 486, "b1");
  call(5);
  EXPECT_EQ(finals_to(kDesk).back(), "403 Call rate limit of this account");
  EXPECT_EQ(count_to(kBob1, "INVITE "), 3u);
  EXPECT_EQ(calls->stats().limited, 2u);
  // A minute later the bucket has refilled.
  timers.advance(std::chrono::seconds(61));
  call(6);
  EXPECT_EQ(count_to(kBob1, "INVITE "), 4u);
}

TEST_F(CallIntakeTest, IncomingCallsAreNotHeldToTheOutgoingLimits) {
  Config c;
  c.limits.account_calls = 1;
  c.limits.customer_calls = 1;
  start_calls(nullptr, c);
  register_phone("bob", kBob1);
  for (int n = 0; n < 3; ++n) {
    Invite i;
    i.call_id = "in-" + std::to_string(n) + "@198.51.100.7";
    i.branch = "z9hG4bKin" + std::to_string(n);
    i.from_tag = "in-" + std::to_string(n);
    send_invite(i);
  }
  EXPECT_EQ(count_to(kBob1, "INVITE "), 3u);
  EXPECT_EQ(calls->stats().limited, 0u);
}

}  // namespace
}  // namespace sip::b2bua::test
