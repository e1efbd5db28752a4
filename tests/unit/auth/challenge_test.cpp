// Parsing of digest challenges and the choice among several.
#include <gtest/gtest.h>

#include "sip/auth/digest.hpp"
#include "sip/message/message.hpp"
#include "sip/parser/parse.hpp"

namespace sip::auth {
namespace {

Result<Challenge> challenge(std::string_view value) {
  const auto v = msg::parse_auth(value);
  EXPECT_TRUE(v) << value;
  if (!v) return v.error();
  return parse_challenge(*v);
}

msg::Message response_with(std::string_view header,
                           std::initializer_list<std::string_view> values) {
  std::string s =
      "SIP/2.0 401 Unauthorized\r\n"
      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc\r\n"
      "From: <sip:alice@atlanta.com>;tag=1\r\n"
      "To: <sip:alice@atlanta.com>;tag=2\r\n"
      "Call-ID: c1\r\n"
      "CSeq: 1 REGISTER\r\n";
  for (std::string_view v : values) s.append(header).append(": ").append(v).append("\r\n");
  s += "Content-Length: 0\r\n\r\n";
  auto m = parser::parse_datagram(s);
  EXPECT_TRUE(m) << m.error().to_string();
  return std::move(m).value();
}

// RFC 3261 section 20.44 / 22.4 style challenge.
TEST(DigestChallenge, ParsesAllFields) {
  const auto c = challenge(
      "Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com sip:ss2.carrier.com\", "
      "qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", "
      "stale=FALSE, algorithm=MD5");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->realm, "atlanta.com");
  EXPECT_EQ(c->nonce, "f84f1cec41e6cbe5aea9c8e88d359");
  EXPECT_EQ(c->domain, "sip:ss1.carrier.com sip:ss2.carrier.com");
  EXPECT_TRUE(c->has_opaque);
  EXPECT_EQ(c->opaque, "");
  EXPECT_FALSE(c->stale);
  EXPECT_EQ(c->algorithm, Algorithm::Md5);
  EXPECT_EQ(c->qop_options, (std::vector<Qop>{Qop::Auth, Qop::AuthInt}));
}

TEST(DigestChallenge, DefaultsAndVariants) {
  auto c = challenge("Digest realm=\"r\", nonce=\"n\"");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->algorithm, Algorithm::Md5);
  EXPECT_TRUE(c->qop_options.empty());
  EXPECT_FALSE(c->has_opaque);
  EXPECT_EQ(choose_qop(*c), Qop::None);

  c = challenge(
      "digest realm=\"a\\\"b\", nonce=\"n\", stale=true, algorithm=sha-512-256-sess, "
      "qop=\" auth-int , token , auth-int\"");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->realm, "a\"b");
  EXPECT_TRUE(c->stale);
  EXPECT_EQ(c->algorithm, Algorithm::Sha512_256Sess);
  EXPECT_EQ(c->qop_options, std::vector<Qop>{Qop::AuthInt});
  EXPECT_EQ(choose_qop(*c), Qop::AuthInt);

  c = challenge("Digest realm=\"r\", nonce=\"n\", algorithm=\"SHA-256\", qop=\"auth-int,auth\"");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->algorithm, Algorithm::Sha256);
  EXPECT_EQ(choose_qop(*c), Qop::Auth);
}

TEST(DigestChallenge, RejectsUnusable) {
  EXPECT_FALSE(challenge("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5"));
  EXPECT_FALSE(challenge("Basic realm=\"r\""));
  EXPECT_FALSE(challenge("Digest realm=\"r\""));
  EXPECT_FALSE(challenge("Digest nonce=\"n\""));
  EXPECT_FALSE(challenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\""));
  EXPECT_FALSE(challenge("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"));
}

TEST(DigestSelect, PrefersStrongestOffered) {
  const auto m = response_with(
      "WWW-Authenticate", {"Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"",
                           "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-512-256, qop=\"auth\"",
                           "Digest realm=\"r\", nonce=\"n3\", algorithm=SHA-256, qop=\"auth\""});
  const auto c = select_challenge(m, msg::HeaderId::WwwAuthenticate);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->algorithm, Algorithm::Sha512_256);
  EXPECT_EQ(c->nonce, "n2");
  // The other header kind is not looked at.
  EXPECT_EQ(select_challenge(m, msg::HeaderId::ProxyAuthenticate).error().code, Errc::not_found);
}

TEST(DigestSelect, SkipsUnknownAndMalformed) {
  const auto m =
      response_with("WWW-Authenticate",
                    {"Digest realm=\"r\", nonce=\"a\", algorithm=AKAv1-MD5",
                     "Digest realm=\"r\", nonce=, broken", "Digest realm=\"r\", nonce=\"b\""});
  const auto c = select_challenge(m, msg::HeaderId::WwwAuthenticate);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->algorithm, Algorithm::Md5);
  EXPECT_EQ(c->nonce, "b");

  const auto only_unknown =
      response_with("WWW-Authenticate", {"Digest realm=\"r\", nonce=\"a\", algorithm=AKAv1-MD5"});
  EXPECT_EQ(select_challenge(only_unknown, msg::HeaderId::WwwAuthenticate).error().code,
            Errc::not_found);
}

TEST(DigestSelect, TiesKeepOfferedOrderAndHonourCredentials) {
  std::vector<Challenge> offered(3);
  offered[0].algorithm = Algorithm::Md5;
  offered[1].algorithm = Algorithm::Sha256Sess;
  offered[2].algorithm = Algorithm::Sha256;
  for (auto& c : offered) c.realm = "r";
  EXPECT_EQ(best_challenge(offered), 1u);
  const auto md5_only = Credentials::with_ha1("u", "r", DigestHash::Md5, std::string(32, '0'));
  EXPECT_EQ(best_challenge(offered, &md5_only), 0u);
  const auto other_realm = Credentials::with_ha1("u", "x", DigestHash::Md5, std::string(32, '0'));
  EXPECT_FALSE(best_challenge(offered, &other_realm));
  EXPECT_FALSE(best_challenge({}));
}

}  // namespace
}  // namespace sip::auth
