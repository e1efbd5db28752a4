// Server-side digest verification: accept and reject paths.
#include <gtest/gtest.h>

#include <cctype>

#include "sip/auth/digest.hpp"

namespace sip::auth {
namespace {

constexpr std::string_view kRealm = "atlanta.com";

struct Case {
  Algorithm algorithm;
  std::vector<Qop> qop;
};

std::string client_header(const Case& k, std::string_view password, std::string_view body = {},
                          std::string_view user = "alice") {
  Challenge c;
  c.realm = std::string(kRealm);
  c.nonce = "abc123";
  c.opaque = "op";
  c.has_opaque = true;
  c.algorithm = k.algorithm;
  c.qop_options = k.qop;
  auto h =
      make_authorization(c, Credentials::with_password(std::string(user), std::string(password)),
                         {"REGISTER", "sip:atlanta.com", body}, 1);
  EXPECT_TRUE(h) << h.error().to_string();
  return h ? *h : std::string();
}

DigestVerdict verify(std::string_view header, Algorithm stored_as, std::string_view body = {},
                     std::string_view method = "REGISTER", std::string_view realm = kRealm) {
  const auto v = msg::parse_auth(header);
  EXPECT_TRUE(v) << header;
  if (!v) return DigestVerdict::Malformed;
  const auto stored = ha1(stored_as, "alice", kRealm, "secret");
  return verify_digest(*v, realm, method, body, *stored);
}

TEST(DigestVerify, AcceptsEveryAlgorithmAndQop) {
  for (Algorithm a : {Algorithm::Md5, Algorithm::Md5Sess, Algorithm::Sha256, Algorithm::Sha256Sess,
                      Algorithm::Sha512_256, Algorithm::Sha512_256Sess}) {
    for (const auto& qop :
         {std::vector<Qop>{Qop::Auth}, std::vector<Qop>{Qop::AuthInt}, std::vector<Qop>{}}) {
      if (qop.empty() && algorithm_is_sess(a)) continue;
      const std::string h = client_header({a, qop}, "secret", "v=0\r\n");
      EXPECT_EQ(verify(h, a, "v=0\r\n"), DigestVerdict::Ok) << h;
      EXPECT_EQ(verify(client_header({a, qop}, "wrong", "v=0\r\n"), a, "v=0\r\n"),
                DigestVerdict::BadResponse)
          << h;
    }
  }
}

TEST(DigestVerify, RejectsTampering) {
  const std::string h = client_header({Algorithm::Sha256, {Qop::AuthInt}}, "secret", "body");
  EXPECT_EQ(verify(h, Algorithm::Sha256, "body"), DigestVerdict::Ok);
  EXPECT_EQ(verify(h, Algorithm::Sha256, "bodY"), DigestVerdict::BadResponse);
  EXPECT_EQ(verify(h, Algorithm::Sha256, "body", "INVITE"), DigestVerdict::BadResponse);
  std::string other_uri = h;
  other_uri.replace(other_uri.find("sip:atlanta.com"), 15, "sip:evil.com");
  EXPECT_EQ(verify(other_uri, Algorithm::Sha256, "body"), DigestVerdict::BadResponse);
  // An HA1 of another hash (the store picked the wrong one) never verifies.
  EXPECT_EQ(verify(h, Algorithm::Md5, "body"), DigestVerdict::BadResponse);
}

TEST(DigestVerify, AcceptsUppercaseResponseHex) {
  std::string h = client_header({Algorithm::Md5, {Qop::Auth}}, "secret");
  const auto at = h.find("response=\"") + 10;
  for (std::size_t i = at; h[i] != '"'; ++i) h[i] = static_cast<char>(std::toupper(h[i]));
  EXPECT_EQ(verify(h, Algorithm::Md5), DigestVerdict::Ok);
}

TEST(DigestVerify, WrongRealmAndUnsupportedAlgorithm) {
  const std::string h = client_header({Algorithm::Md5, {Qop::Auth}}, "secret");
  EXPECT_EQ(verify(h, Algorithm::Md5, {}, "REGISTER", "biloxi.com"), DigestVerdict::WrongRealm);
  std::string aka = h;
  aka.replace(aka.find("algorithm=MD5"), 13, "algorithm=AKAv1-MD5");
  EXPECT_EQ(verify(aka, Algorithm::Md5), DigestVerdict::UnsupportedAlgorithm);
}

TEST(DigestVerify, Malformed) {
  EXPECT_EQ(verify("Basic username=\"alice\"", Algorithm::Md5), DigestVerdict::Malformed);
  EXPECT_EQ(verify("Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"n\", uri=\"sip:a\"",
                   Algorithm::Md5),
            DigestVerdict::Malformed);  // no response
  EXPECT_EQ(verify("Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"n\", uri=\"sip:a\", "
                   "response=\"00\", qop=auth, cnonce=\"c\"",
                   Algorithm::Md5),
            DigestVerdict::Malformed);  // qop without nc
  EXPECT_EQ(verify("Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"n\", uri=\"sip:a\", "
                   "response=\"00\", qop=auth, cnonce=\"c\", nc=1",
                   Algorithm::Md5),
            DigestVerdict::Malformed);  // nc not 8 hex digits
  EXPECT_EQ(verify("Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"n\", uri=\"sip:a\", "
                   "response=\"00\", algorithm=MD5-sess",
                   Algorithm::Md5),
            DigestVerdict::Malformed);  // -sess without qop
}

TEST(DigestVerify, ParsedAuthorizationFields) {
  const std::string h = client_header({Algorithm::Sha512_256, {Qop::Auth}}, "secret");
  const auto a = parse_authorization(*msg::parse_auth(h));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->username, "alice");
  EXPECT_EQ(a->realm, kRealm);
  EXPECT_EQ(a->nonce, "abc123");
  EXPECT_EQ(a->uri, "sip:atlanta.com");
  EXPECT_EQ(a->algorithm, Algorithm::Sha512_256);
  EXPECT_EQ(a->qop, Qop::Auth);
  EXPECT_EQ(a->nc, "00000001");
  EXPECT_EQ(a->opaque, "op");
  EXPECT_EQ(a->response.size(), 64u);
  EXPECT_EQ(verdict_name(DigestVerdict::UnsupportedAlgorithm), "unsupported_algorithm");
}

}  // namespace
}  // namespace sip::auth
