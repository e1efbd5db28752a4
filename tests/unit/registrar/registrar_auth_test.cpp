// Registrar digest gate: challenge shape, MD5 and SHA-256, stale and
// replayed nonces, no account enumeration, source blocking, IP ACLs,
// disabled accounts, domain and To checks.
#include "registrar_test_support.hpp"

namespace sip::registrar::test {
namespace {

TEST_F(RegistrarTest, ChallengeOffersMd5ThenSha256ForTheCanonicalRealm) {
  Reg r;
  r.domain = "ALIAS.test";  // an alias: the realm is still the canonical domain
  const auto resp = send(r);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 401);
  const auto www = values(*resp, msg::HeaderId::WwwAuthenticate);
  ASSERT_EQ(www.size(), 2u);
  // The default order: MD5 first (phones that read only the first challenge).
  const auto md5 =
      auth::parse_challenge(*resp->auth_at(*resp->first(msg::HeaderId::WwwAuthenticate)));
  ASSERT_TRUE(md5);
  EXPECT_EQ(md5->algorithm, auth::Algorithm::Md5);
  EXPECT_EQ(md5->realm, kDomain);
  EXPECT_EQ(md5->qop_options, std::vector<auth::Qop>{auth::Qop::Auth});
  EXPECT_FALSE(md5->stale);
  const auto sha = challenge_for(*resp, auth::Algorithm::Sha256);
  EXPECT_EQ(sha.realm, kDomain);
  EXPECT_EQ(sha.nonce, md5->nonce);
  EXPECT_NE(www[1].find("algorithm=SHA-256"), std::string::npos);
  EXPECT_NE(www[1].find("qop=\"auth\""), std::string::npos);
  EXPECT_FALSE(resp->to()->tag().empty());
  EXPECT_EQ(resp->value(msg::HeaderId::Server), "sipsmith");
  EXPECT_EQ(registrar->stats().challenged, 1u);
  EXPECT_TRUE(registrar->all_bindings().empty());
}

TEST_F(RegistrarTest, Sha256CredentialsRegister) {
  const auto ok = register_with_auth(Reg{});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status(), 200);
  ASSERT_EQ(registrar->bindings(1).size(), 1u);
  EXPECT_EQ(registrar->bindings(1)[0].contact_uri, "sip:1001@203.0.113.9:5070");
  EXPECT_TRUE(persistence.has(1, "sip:1001@203.0.113.9:5070"));
}

TEST_F(RegistrarTest, Md5CredentialsRegister) {
  const auto ok = register_with_auth(Reg{}, kPassword, {}, auth::Algorithm::Md5);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status(), 200);
  EXPECT_EQ(registrar->bindings(1).size(), 1u);
}

TEST_F(RegistrarTest, ExpiredNonceIsChallengedStale) {
  Reg r;
  const auto first = send(r);
  ASSERT_TRUE(first);
  const auto c = challenge_for(*first, auth::Algorithm::Sha256);
  timers.advance(nonces.lifetime() + 1s);
  r.cseq = 2;
  r.authorization = {authorization(c, "1001", kPassword)};
  const auto again = send(r);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status(), 401);
  const auto fresh = challenge_for(*again, auth::Algorithm::Sha256);
  EXPECT_TRUE(fresh.stale);
  EXPECT_NE(fresh.nonce, c.nonce);
  EXPECT_EQ(registrar->stats().stale, 1u);
  EXPECT_EQ(registrar->stats().auth_failures, 0u);
  // The fresh nonce works.
  r.cseq = 3;
  r.authorization = {authorization(fresh, "1001", kPassword)};
  EXPECT_EQ(send(r)->status(), 200);
}

TEST_F(RegistrarTest, ReusedNonceCountIsStaleAndHigherCountWorks) {
  Reg r;
  const auto c = challenge_for(*send(r), auth::Algorithm::Sha256);
  r.cseq = 2;
  r.authorization = {authorization(c, "1001", kPassword, 1)};
  EXPECT_EQ(send(r)->status(), 200);
  r.cseq = 3;  // a replay of the same credentials (e.g. another Contact)
  r.contacts = {"<sip:evil@192.0.2.66>"};
  const auto replay = send(r);
  EXPECT_EQ(replay->status(), 401);
  EXPECT_TRUE(challenge_for(*replay, auth::Algorithm::Sha256).stale);
  r.cseq = 4;
  r.contacts = {"<sip:1001@203.0.113.9:5070>"};
  r.authorization = {authorization(c, "1001", kPassword, 2)};
  EXPECT_EQ(send(r)->status(), 200);
  EXPECT_EQ(registrar->bindings(1).size(), 1u);
}

// Status line and headers without the per-request ones.
std::vector<std::string> shape(const msg::Message& m) {
  std::vector<std::string> out{std::to_string(m.status()) + " " + std::string(m.reason())};
  for (const auto& f : m.fields()) {
    switch (f.id) {
      case msg::HeaderId::Via:
      case msg::HeaderId::From:
      case msg::HeaderId::To:
      case msg::HeaderId::CallId:
      case msg::HeaderId::CSeq: out.emplace_back(m.text(f.name)); break;
      default: out.push_back(std::string(m.text(f.name)) + ": " + std::string(m.text(f.value)));
    }
  }
  return out;
}

TEST_F(RegistrarTest, WrongPasswordAndUnknownUserLookTheSame) {
  Reg known;
  Reg unknown;
  unknown.user = "nobody";
  unknown.call_id = "reg-2@203.0.113.9";
  const auto c1 = send(known);
  const auto c2 = send(unknown);
  ASSERT_TRUE(c1 && c2);
  // The challenges have the same shape (nonces differ).
  EXPECT_EQ(c1->status(), 401);
  EXPECT_EQ(c2->status(), 401);
  EXPECT_EQ(values(*c1, msg::HeaderId::WwwAuthenticate).size(),
            values(*c2, msg::HeaderId::WwwAuthenticate).size());
  known.cseq = unknown.cseq = 2;
  known.authorization = {
      authorization(challenge_for(*c1, auth::Algorithm::Sha256), "1001", "wrong")};
  unknown.authorization = {
      authorization(challenge_for(*c2, auth::Algorithm::Sha256), "nobody", kPassword)};
  const auto bad_password = send(known);
  const auto no_user = send(unknown);
  ASSERT_TRUE(bad_password && no_user);
  EXPECT_EQ(bad_password->status(), 403);
  EXPECT_EQ(bad_password->reason(), "Forbidden");
  EXPECT_EQ(shape(*bad_password), shape(*no_user));
  // From and To carry the user; everything else has the same length.
  EXPECT_EQ(bad_password->bytes().size() - 2 * known.user.size(),
            no_user->bytes().size() - 2 * unknown.user.size());
  EXPECT_EQ(registrar->stats().auth_failures, 2u);
  EXPECT_TRUE(registrar->all_bindings().empty());
}

TEST_F(RegistrarTest, FailedAuthenticationsAreCountedPerSourceInTheGuard) {
  policy::SourceGuardConfig g;
  g.max_failures = 3;
  g.block_for = 120s;
  guard.reconfigure(g);
  const From attacker{"192.0.2.50:5060"};
  for (int i = 0; i < 3; ++i) {
    Reg r;
    r.call_id = "att-" + std::to_string(i);
    const auto resp = register_with_auth(r, "guess", attacker);
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->status(), 403);
    EXPECT_EQ(resp->reason(), "Forbidden");
    EXPECT_EQ(guard.blocked("192.0.2.50"), i == 2) << "after failure " << i + 1;
  }
  EXPECT_EQ(registrar->stats().blocked_sources, 1u);
  // An unknown user counts too; another source is not affected.
  Reg unknown;
  unknown.user = "nobody";
  ASSERT_TRUE(register_with_auth(unknown, "guess", From{"192.0.2.51:5060"}));
  EXPECT_FALSE(guard.blocked("192.0.2.51"));
  EXPECT_EQ(guard.size(), 2u);
  // Refusing blocked sources is the engine's intake (DispatcherTest), not
  // the registrar's: the block ends after block_for.
  timers.advance(121s);
  EXPECT_FALSE(guard.blocked("192.0.2.50"));
  EXPECT_EQ(registrar->stats().blocked_sources, 0u);
}

TEST_F(RegistrarTest, IpAclSkipsTheChallenge) {
  Reg r;
  r.user = "acl";
  const auto ok = send(r, From{"198.51.100.20:5060"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status(), 200);
  r.cseq = 2;
  const auto other = send(r, From{"192.0.2.20:5060"});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status(), 401);
  r.cseq = 3;
  const auto v6 = send(r, From{"[2001:db8::5]:5060"});
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->status(), 200);
}

TEST_F(RegistrarTest, DisabledAccountIsForbidden) {
  store::SipAccount a = acl_account(3, "acl");
  a.disabled = true;
  directory.upsert_account(a);
  Reg r;
  r.user = "acl";
  const auto by_acl = send(r, From{"198.51.100.20:5060"});
  ASSERT_TRUE(by_acl);
  EXPECT_EQ(by_acl->status(), 403);
  EXPECT_EQ(by_acl->reason(), "Forbidden");
  store::SipAccount b = make_account(1, "1001");
  b.disabled = true;
  directory.upsert_account(b);
  const auto with_password = register_with_auth(Reg{});
  ASSERT_TRUE(with_password);
  EXPECT_EQ(with_password->status(), 403);
  EXPECT_EQ(with_password->reason(), "Forbidden");
  EXPECT_TRUE(registrar->all_bindings().empty());
}

TEST_F(RegistrarTest, UnknownSchemeAndOtherRealmAreIgnoredAndChallenged) {
  Reg r;
  r.authorization = {"NoOneKnowsThisScheme opaque-data=here",
                     "Digest username=\"1001\", realm=\"elsewhere.test\", nonce=\"x\", "
                     "uri=\"sip:sipsmith.test\", response=\"00\""};
  const auto resp = send(r);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 401);
  EXPECT_EQ(registrar->stats().auth_failures, 0u);
}

TEST_F(RegistrarTest, DigestUriMustNameTheRequestUriWhenStrict) {
  Config strict = test_config();
  strict.strict_digest_uri = true;
  start(strict);
  Reg r;
  const auto c = challenge_for(*send(r), auth::Algorithm::Sha256);
  r.cseq = 2;
  r.authorization = {authorization(c, "1001", kPassword, 1, "sip:other.test")};
  EXPECT_EQ(send(r)->status(), 403);
}

TEST_F(RegistrarTest, DigestUriMayNameTheServerAddressByDefault) {
  // SIPp and some phones sign the server's address rather than the Request-URI.
  Reg r;
  const auto c = challenge_for(*send(r), auth::Algorithm::Md5);
  r.cseq = 2;
  r.authorization = {authorization(c, "1001", kPassword, 1, "sip:192.0.2.1:5060")};
  EXPECT_EQ(send(r)->status(), 200);
  // A non-SIP digest-uri is still refused.
  Reg t;
  t.call_id = "tel-uri";
  const auto c2 = challenge_for(*send(t), auth::Algorithm::Md5);
  t.cseq = 2;
  t.authorization = {authorization(c2, "1001", kPassword, 1, "tel:+15550100")};
  EXPECT_EQ(send(t)->status(), 403);
}

TEST_F(RegistrarTest, DomainAndToChecks) {
  Reg r;
  r.domain = "elsewhere.test";
  r.request_uri = "sip:elsewhere.test";
  const auto foreign = send(r);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status(), 403);
  EXPECT_EQ(foreign->reason(), "Domain not serviced");
  // The server's address in To: the Request-URI's domain serves it.
  Reg by_ip;
  by_ip.user = "acl";
  by_ip.domain = "192.0.2.1";
  EXPECT_EQ(send(by_ip, From{"198.51.100.20:5060"})->status(), 200);

  const std::string no_user =
      "REGISTER sip:sipsmith.test SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKnu\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:sipsmith.test>;tag=1\r\nTo: <sip:sipsmith.test>\r\n"
      "Call-ID: nu\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@203.0.113.9>\r\n"
      "Content-Length: 0\r\n\r\n";
  ASSERT_EQ(deliver_raw(no_user), 1u);
  EXPECT_EQ(last().status(), 400);
  Reg bad_contact;
  bad_contact.contacts = {"<sip:1001@203.0.113.9>;q=7"};
  EXPECT_EQ(send(bad_contact)->status(), 400);
  Reg tel_contact;
  tel_contact.contacts = {"<tel:+15551234>"};
  EXPECT_EQ(send(tel_contact)->status(), 400);
}

}  // namespace
}  // namespace sip::registrar::test
