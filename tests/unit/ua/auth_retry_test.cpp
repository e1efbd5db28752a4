// Building the retried request after a 401/407, and the no-loop policy.
#include "sip/ua/auth_retry.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/auth/nonce_service.hpp"
#include "sip/base/clock.hpp"
#include "sip/parser/parse.hpp"

namespace sip::ua {
namespace {

constexpr std::string_view kRegister =
    "REGISTER sip:atlanta.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKoriginal1;x=y\r\n"
    "Max-Forwards: 70\r\n"
    "From:  \"Alice\" <sip:alice@atlanta.com>;tag=a73kszlfl\r\n"
    "To: <sip:alice@atlanta.com>\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.10\r\n"
    "CSeq: 41 REGISTER\r\n"
    "Contact: <sip:alice@192.0.2.10:5060>\r\n"
    "X-Odd:   spacing   kept\r\n"
    "Expires: 3600\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

msg::Message parse(std::string_view s) {
  auto m = parser::parse_datagram(s);
  EXPECT_TRUE(m) << m.error().to_string();
  return std::move(m).value();
}

msg::Message challenge_response(int status, std::initializer_list<std::string_view> challenges) {
  std::string s = status == 401 ? "SIP/2.0 401 Unauthorized\r\n"
                                : "SIP/2.0 407 Proxy Authentication Required\r\n";
  s += "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKoriginal1\r\n"
       "From: <sip:alice@atlanta.com>;tag=a73kszlfl\r\n"
       "To: <sip:alice@atlanta.com>;tag=srv\r\n"
       "Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.10\r\n"
       "CSeq: 41 REGISTER\r\n";
  const char* name = status == 401 ? "WWW-Authenticate: " : "Proxy-Authenticate: ";
  for (std::string_view c : challenges) s.append(name).append(c).append("\r\n");
  s += "Content-Length: 0\r\n\r\n";
  return parse(s);
}

std::string digest(std::string_view realm, std::string_view nonce, std::string_view extra = {}) {
  std::string s = "Digest realm=\"";
  s.append(realm).append("\", nonce=\"").append(nonce).append("\", qop=\"auth\"");
  s.append(extra);
  return s;
}

std::string_view value_of(const msg::Message& m, msg::HeaderId id) {
  return m.value(id);
}

const auth::Credentials kAlice = auth::Credentials::with_password("alice", "secret");

TEST(AuthRetry, Builds401RetryKeepingOtherBytes) {
  const msg::Message req = parse(kRegister);
  const msg::Message resp =
      challenge_response(401, {digest("atlanta.com", "n1", ", opaque=\"o\"")});
  auth::NonceCounter nc;
  auto next = build_auth_retry(req, resp, kAlice, nc);
  ASSERT_TRUE(next) << next.error().to_string();

  EXPECT_EQ(next->cseq()->number, 42u);
  EXPECT_EQ(next->cseq()->method_token, "REGISTER");
  const std::string_view branch = next->top_via()->branch();
  EXPECT_TRUE(branch.starts_with("z9hG4bK"));
  EXPECT_NE(branch, "z9hG4bKoriginal1");
  EXPECT_EQ(next->count(msg::HeaderId::Authorization), 1u);
  EXPECT_EQ(next->count(msg::HeaderId::ProxyAuthorization), 0u);

  // Byte for byte: only the branch, the CSeq number and the new
  // Authorization line (before the body headers) differ.
  const std::string_view auth_value = value_of(*next, msg::HeaderId::Authorization);
  std::string expected(kRegister);
  expected.replace(expected.find("z9hG4bKoriginal1"), 16, branch);
  expected.replace(expected.find("CSeq: 41"), 8, "CSeq: 42");
  expected.insert(expected.find("Content-Length:"),
                  "Authorization: " + std::string(auth_value) + "\r\n");
  EXPECT_EQ(next->bytes(), expected);
  EXPECT_TRUE(
      auth_value.starts_with("Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"n1\""));

  // The Authorization verifies on the server side.
  const auto a = next->auth_at(*next->first(msg::HeaderId::Authorization));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->param("nc"), "00000001");
  EXPECT_EQ(a->param("uri"), "sip:atlanta.com");
  EXPECT_EQ(a->param("opaque"), "o");
  EXPECT_EQ(
      auth::verify_digest(*a, "atlanta.com", "REGISTER", "",
                          *auth::ha1(auth::DigestHash::Md5, "alice", "atlanta.com", "secret")),
      auth::DigestVerdict::Ok);
}

TEST(AuthRetry, Uses407ProxyHeadersAndStrongestAlgorithm) {
  const msg::Message req = parse(kRegister);
  const msg::Message resp =
      challenge_response(407, {digest("proxy.net", "m", ", algorithm=MD5"),
                               digest("proxy.net", "s", ", algorithm=SHA-256")});
  auth::NonceCounter nc;
  auto next = build_auth_retry(req, resp, kAlice, nc);
  ASSERT_TRUE(next) << next.error().to_string();
  EXPECT_EQ(next->count(msg::HeaderId::Authorization), 0u);
  ASSERT_EQ(next->count(msg::HeaderId::ProxyAuthorization), 1u);
  const auto a = next->auth_at(*next->first(msg::HeaderId::ProxyAuthorization));
  EXPECT_EQ(a->param("algorithm"), "SHA-256");
  EXPECT_EQ(a->param("nonce"), "s");
  EXPECT_NE(next->bytes().find("\r\nProxy-Authorization: Digest "), std::string_view::npos);
}

// As sipreg and the B2BUA's provider legs answer: the strongest challenge
// they can answer, whatever order the server lists them in.
TEST(AuthSession, PicksSha256OverMd5InEitherOrder) {
  const msg::Message req = parse(kRegister);
  const auto md5 = digest("atlanta.com", "m", ", algorithm=MD5");
  const auto sha = digest("atlanta.com", "s", ", algorithm=SHA-256");
  for (int status : {401, 407}) {
    for (const auto& offered :
         {std::vector<std::string>{md5, sha}, std::vector<std::string>{sha, md5}}) {
      const msg::Message resp = challenge_response(status, {offered[0], offered[1]});
      AuthSession session;
      auto next = session.retry(req, resp, kAlice);
      ASSERT_TRUE(next) << next.error().to_string();
      const auto id =
          status == 401 ? msg::HeaderId::Authorization : msg::HeaderId::ProxyAuthorization;
      ASSERT_EQ(next->count(id), 1u);
      const auto a = next->auth_at(*next->first(id));
      EXPECT_EQ(a->param("algorithm"), "SHA-256") << offered[0];
      EXPECT_EQ(a->param("nonce"), "s");
      EXPECT_EQ(auth::verify_digest(
                    *a, "atlanta.com", "REGISTER", "",
                    *auth::ha1(auth::DigestHash::Sha256, "alice", "atlanta.com", "secret")),
                auth::DigestVerdict::Ok);
    }
  }
  // Credentials holding only an MD5 HA1 answer the MD5 challenge instead.
  const auto md5_only = auth::Credentials::with_ha1(
      "alice", "atlanta.com", auth::DigestHash::Md5,
      *auth::ha1(auth::DigestHash::Md5, "alice", "atlanta.com", "secret"));
  AuthSession session;
  auto next = session.retry(req, challenge_response(401, {sha, md5}), md5_only);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->auth_at(*next->first(msg::HeaderId::Authorization))->param("algorithm"), "MD5");
}

TEST(AuthRetry, ReplacesEarlierCredentialsForTheSameRealmOnly) {
  std::string with_auth(kRegister);
  with_auth.insert(
      with_auth.find("Contact:"),
      "Authorization: Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"old\", "
      "uri=\"sip:atlanta.com\", response=\"00\"\r\n"
      "Authorization: Digest username=\"al\", realm=\"other.org\", nonce=\"x\", "
      "uri=\"sip:atlanta.com\", response=\"11\"\r\n");
  const msg::Message req = parse(with_auth);
  const msg::Message resp = challenge_response(401, {digest("atlanta.com", "fresh")});
  auth::NonceCounter nc;
  auto next = build_auth_retry(req, resp, kAlice, nc);
  ASSERT_TRUE(next) << next.error().to_string();
  ASSERT_EQ(next->count(msg::HeaderId::Authorization), 2u);
  std::vector<std::string> nonces;
  next->for_each(msg::HeaderId::Authorization, [&](const msg::HeaderField& f) {
    nonces.emplace_back(*next->auth_at(f)->param("nonce"));
  });
  EXPECT_EQ(nonces, (std::vector<std::string>{"fresh", "x"}));  // replaced in place
  const auto at = next->bytes().find(
      "Authorization: Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"fresh\"");
  EXPECT_LT(at, next->bytes().find("Contact:"));
}

TEST(AuthRetry, NonceCountGrowsForTheSameNonce) {
  const msg::Message req = parse(kRegister);
  const msg::Message resp = challenge_response(401, {digest("atlanta.com", "same")});
  auth::NonceCounter nc;
  auto first = build_auth_retry(req, resp, kAlice, nc);
  auto second = build_auth_retry(*first, resp, kAlice, nc);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->cseq()->number, 43u);
  EXPECT_EQ(second->count(msg::HeaderId::Authorization), 1u);
  EXPECT_EQ(second->auth_at(*second->first(msg::HeaderId::Authorization))->param("nc"), "00000002");
  EXPECT_NE(first->top_via()->branch(), second->top_via()->branch());
}

TEST(AuthRetry, AddsBranchWhenMissing) {
  std::string no_branch(kRegister);
  no_branch.replace(no_branch.find(";rport;branch=z9hG4bKoriginal1;x=y"), 34, "");
  const msg::Message req = parse(no_branch);
  auth::NonceCounter nc;
  auto next =
      build_auth_retry(req, challenge_response(401, {digest("atlanta.com", "n")}), kAlice, nc);
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->top_via()->has_cookie());
  EXPECT_EQ(value_of(*next, msg::HeaderId::Via).substr(0, 33), "SIP/2.0/UDP 192.0.2.10:5060;branc");
}

TEST(AuthRetry, ClearErrors) {
  const msg::Message req = parse(kRegister);
  auth::NonceCounter nc;
  const auto unknown = build_auth_retry(
      req, challenge_response(401, {digest("a", "n", ", algorithm=AKAv1-MD5")}), kAlice, nc);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  const msg::Message forbidden = parse(
      "SIP/2.0 403 Forbidden\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 41 REGISTER\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(build_auth_retry(req, forbidden, kAlice, nc).error().code, Errc::bad_status);
}

TEST(AuthSession, RetriesOnceThenRefusesToLoop) {
  AuthSession s;
  const msg::Message req = parse(kRegister);
  auto first = s.retry(req, challenge_response(401, {digest("atlanta.com", "n1")}), kAlice);
  ASSERT_TRUE(first);
  EXPECT_EQ(s.failure(), AuthFailure::None);
  // Wrong password: the server challenges again with a fresh nonce, not stale.
  auto second = s.retry(*first, challenge_response(401, {digest("atlanta.com", "n2")}), kAlice);
  ASSERT_FALSE(second);
  EXPECT_EQ(s.failure(), AuthFailure::Rejected);
  EXPECT_EQ(auth_failure_name(s.failure()), "rejected");
  EXPECT_NE(second.error().to_string().find("credentials rejected"), std::string::npos);
}

TEST(AuthSession, StaleNonceIsNotAFailure) {
  AuthSession s;
  const msg::Message req = parse(kRegister);
  auto first = s.retry(req, challenge_response(401, {digest("atlanta.com", "n1")}), kAlice);
  ASSERT_TRUE(first);
  auto second = s.retry(
      *first, challenge_response(401, {digest("atlanta.com", "n2", ", stale=true")}), kAlice);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(second->cseq()->number, 43u);
  EXPECT_EQ(second->auth_at(*second->first(msg::HeaderId::Authorization))->param("nonce"), "n2");
  // stale=true repeating the nonce we just answered is a rejection.
  auto third = s.retry(
      *second, challenge_response(401, {digest("atlanta.com", "n2", ", stale=true")}), kAlice);
  EXPECT_FALSE(third);
  EXPECT_EQ(s.failure(), AuthFailure::Rejected);
}

TEST(AuthSession, StaleRetriesAreBounded) {
  AuthSession s;
  auto cur =
      s.retry(parse(kRegister), challenge_response(401, {digest("atlanta.com", "s0")}), kAlice);
  ASSERT_TRUE(cur);
  for (int i = 1; i <= AuthSession::kMaxStaleRetries; ++i) {
    cur = s.retry(
        *cur,
        challenge_response(401, {digest("atlanta.com", "s" + std::to_string(i), ", stale=true")}),
        kAlice);
    ASSERT_TRUE(cur) << i;
  }
  const auto last = s.retry(
      *cur, challenge_response(401, {digest("atlanta.com", "s99", ", stale=true")}), kAlice);
  EXPECT_FALSE(last);
  EXPECT_EQ(s.failure(), AuthFailure::TooManyStale);
}

TEST(AuthSession, ProxyAndServerChallengesAndReset) {
  AuthSession s;
  auto a = s.retry(parse(kRegister), challenge_response(407, {digest("proxy.net", "p1")}), kAlice);
  ASSERT_TRUE(a);
  auto b = s.retry(*a, challenge_response(401, {digest("atlanta.com", "w1")}), kAlice);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(b->count(msg::HeaderId::ProxyAuthorization), 1u);
  EXPECT_EQ(b->count(msg::HeaderId::Authorization), 1u);
  EXPECT_EQ(b->cseq()->number, 43u);
  EXPECT_FALSE(s.retry(*b, challenge_response(401, {digest("atlanta.com", "w2")}), kAlice));
  // A new request chain (e.g. the next re-REGISTER) starts afresh.
  s.reset();
  EXPECT_EQ(s.failure(), AuthFailure::None);
  EXPECT_TRUE(
      s.retry(parse(kRegister), challenge_response(401, {digest("atlanta.com", "w3")}), kAlice));
}

TEST(AuthSession, NoUsableChallengeAndNotAChallenge) {
  AuthSession s;
  const msg::Message req = parse(kRegister);
  EXPECT_FALSE(s.retry(req, challenge_response(401, {"Basic realm=\"x\""}), kAlice));
  EXPECT_EQ(s.failure(), AuthFailure::NoUsableChallenge);
  const auto md5_ha1 = auth::Credentials::with_ha1(
      "alice", "atlanta.com", auth::DigestHash::Md5,
      *auth::ha1(auth::DigestHash::Md5, "alice", "atlanta.com", "secret"));
  EXPECT_FALSE(s.retry(
      req, challenge_response(401, {digest("atlanta.com", "n", ", algorithm=SHA-256")}), md5_ha1));
  EXPECT_EQ(s.failure(), AuthFailure::NoUsableChallenge);
  EXPECT_FALSE(s.retry(req, req, kAlice));
  EXPECT_EQ(s.failure(), AuthFailure::NotChallenged);
}

// The whole exchange against the server half: stateless nonce + verifier.
TEST(AuthRetry, EndToEndWithNonceService) {
  ManualClock clock;
  auth::NonceService nonces(clock, std::chrono::seconds(60));
  const std::string stored =
      *auth::ha1(auth::DigestHash::Sha512_256, "alice", "atlanta.com", "secret");
  const std::string nonce = *nonces.issue("atlanta.com");
  AuthSession s;
  auto next = s.retry(
      parse(kRegister),
      challenge_response(401, {digest("atlanta.com", nonce, ", algorithm=SHA-512-256")}), kAlice);
  ASSERT_TRUE(next) << next.error().to_string();
  const auto a =
      auth::parse_authorization(*next->auth_at(*next->first(msg::HeaderId::Authorization)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->uri, next->request_uri_text());
  EXPECT_EQ(nonces.verify(a->nonce, a->realm), auth::NonceStatus::Valid);
  EXPECT_EQ(auth::verify_digest(*a, "atlanta.com", next->method_token(), next->body(), stored),
            auth::DigestVerdict::Ok);
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(nonces.verify(a->nonce, a->realm), auth::NonceStatus::Stale);
}

}  // namespace
}  // namespace sip::ua
