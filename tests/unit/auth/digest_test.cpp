// Digest arithmetic against published vectors and the client's header format.
#include "sip/auth/digest.hpp"

#include <gtest/gtest.h>

#include "sip/base/text.hpp"

namespace sip::auth {
namespace {

// RFC 7616 section 3.9.1.
constexpr std::string_view kUser = "Mufasa";
constexpr std::string_view kPassword = "Circle of Life";
constexpr std::string_view kRealm = "http-auth@example.org";
constexpr std::string_view kNonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kCnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
constexpr std::string_view kOpaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

std::string response_for(Algorithm a, Qop qop, std::string_view nc = "00000001",
                         std::string_view method = "GET", std::string_view uri = "/dir/index.html",
                         std::string_view body = {}) {
  DigestInput in;
  in.algorithm = a;
  in.qop = qop;
  in.nonce = kNonce;
  in.cnonce = kCnonce;
  in.nc = nc;
  in.method = method;
  in.uri = uri;
  in.body = body;
  auto h1 = ha1(a, kUser, kRealm, kPassword);
  EXPECT_TRUE(h1);
  auto r = compute_response(in, *h1);
  EXPECT_TRUE(r) << r.error().to_string();
  return r ? *r : std::string();
}

Challenge rfc7616_challenge(Algorithm a) {
  Challenge c;
  c.realm = std::string(kRealm);
  c.nonce = std::string(kNonce);
  c.opaque = std::string(kOpaque);
  c.has_opaque = true;
  c.algorithm = a;
  c.qop_options = {Qop::Auth, Qop::AuthInt};
  return c;
}

TEST(DigestVectors, Rfc7616Md5) {
  EXPECT_EQ(response_for(Algorithm::Md5, Qop::Auth), "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(DigestVectors, Rfc7616Sha256) {
  EXPECT_EQ(response_for(Algorithm::Sha256, Qop::Auth),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

// Same inputs as RFC 7616 3.9.1, derived independently in a shell:
//   H() { printf '%s' "$1" | openssl dgst -sha512-256 -r | cut -d' ' -f1; }
//   HA1=$(H "Mufasa:http-auth@example.org:Circle of Life")
//   HA2=$(H "GET:/dir/index.html")
//   H "$HA1:$NONCE:00000001:$CNONCE:auth:$HA2"
TEST(DigestVectors, Sha512_256ComputedWithOpenSslCli) {
  EXPECT_EQ(response_for(Algorithm::Sha512_256, Qop::Auth),
            "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0");
}

// openssl CLI again, with HA1sess=$(H "$HA1:$NONCE:$CNONCE"),
// HA2=$(H "INVITE:sip:bob@example.org:$(H 'hello body')"), nc 00000002, auth-int.
TEST(DigestVectors, Sha512_256SessAuthIntComputedWithOpenSslCli) {
  EXPECT_EQ(response_for(Algorithm::Sha512_256Sess, Qop::AuthInt, "00000002", "INVITE",
                         "sip:bob@example.org", "hello body"),
            "5fa52432d2bae08232efc39eb64770a1f412287dc634dc91032d11c34cbb000a");
}

// RFC 2069 (no qop): H(HA1:nonce:HA2), openssl CLI as above with md5.
TEST(DigestVectors, NoQopMd5) {
  EXPECT_EQ(response_for(Algorithm::Md5, Qop::None), "7b2cc3b30e75b4777ea31027084363fd");
}

TEST(DigestVectors, Ha1Helpers) {
  EXPECT_EQ(*ha1(DigestHash::Md5, kUser, kRealm, kPassword), "3d78807defe7de2157e2b0b6573a855f");
  EXPECT_EQ(*ha1(Algorithm::Sha256Sess, kUser, kRealm, kPassword),
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
  EXPECT_EQ(*ha1(DigestHash::Sha512_256, kUser, kRealm, kPassword),
            "fb174f5c3c7802721517cae13b98e2b8dae2e0118cb705d94ee29946319204ce");
}

TEST(DigestVectors, Ha1CaseAndLength) {
  DigestInput in;
  in.qop = Qop::Auth;
  in.nonce = kNonce;
  in.cnonce = kCnonce;
  in.nc = "00000001";
  in.method = "GET";
  in.uri = "/dir/index.html";
  EXPECT_EQ(*compute_response(in, "3D78807DEFE7DE2157E2B0B6573A855F"),
            "8ca523f5e9506fed4657c9700eebdbec");
  EXPECT_FALSE(compute_response(in, "3d78807d"));
  in.algorithm = Algorithm::Sha256;
  EXPECT_FALSE(compute_response(in, "3d78807defe7de2157e2b0b6573a855f"));  // an MD5 HA1
}

// RFC 2617 section 3.5, through the whole client path.
TEST(DigestHeader, Rfc2617Example) {
  const auto value = msg::parse_auth(
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  ASSERT_TRUE(value);
  const auto c = parse_challenge(*value);
  ASSERT_TRUE(c) << c.error().to_string();
  const auto creds = Credentials::with_password("Mufasa", "Circle Of Life");
  const auto h = make_authorization(*c, creds, {"GET", "/dir/index.html", {}}, 1, "0a4f113b");
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(*h,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
            "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
            "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, cnonce=\"0a4f113b\", "
            "nc=00000001, qop=auth, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
}

// RFC 7616 3.4: algorithm, nc and qop are tokens; everything else quoted.
TEST(DigestHeader, Rfc7616Sha256Format) {
  const auto creds = Credentials::with_password(std::string(kUser), std::string(kPassword));
  const auto h = make_authorization(rfc7616_challenge(Algorithm::Sha256), creds,
                                    {"GET", "/dir/index.html", {}}, 1, kCnonce);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h,
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
            "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", "
            "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
            "algorithm=SHA-256, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
            "nc=00000001, qop=auth, opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
}

TEST(DigestHeader, NoQopOmitsCnonceNcAndOpaqueWhenAbsent) {
  Challenge c;
  c.realm = "r";
  c.nonce = "n";
  const auto h =
      make_authorization(c, Credentials::with_password("u", "p"), {"REGISTER", "sip:r", {}}, 1);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->find("cnonce"), std::string::npos);
  EXPECT_EQ(h->find("nc="), std::string::npos);
  EXPECT_EQ(h->find("qop"), std::string::npos);
  EXPECT_EQ(h->find("opaque"), std::string::npos);
  EXPECT_NE(h->find(", algorithm=MD5"), std::string::npos);
}

TEST(DigestHeader, RandomCnonceAndHexNc) {
  const auto creds = Credentials::with_password("u", "p");
  const auto h =
      make_authorization(rfc7616_challenge(Algorithm::Md5), creds, {"GET", "/", {}}, 0x1a);
  ASSERT_TRUE(h);
  EXPECT_NE(h->find(", nc=0000001a, "), std::string::npos);
  const auto parsed = msg::parse_auth(*h);
  ASSERT_TRUE(parsed);
  const auto cnonce = parsed->param("cnonce");
  ASSERT_TRUE(cnonce);
  EXPECT_EQ(cnonce->size(), 24u);
  for (char ch : *cnonce) EXPECT_TRUE(is_digit(ch) || is_alpha(ch));
  const auto again =
      make_authorization(rfc7616_challenge(Algorithm::Md5), creds, {"GET", "/", {}}, 1);
  EXPECT_NE(msg::parse_auth(*again)->param("cnonce"), cnonce);
}

TEST(DigestHeader, QuotesAndEscapes) {
  const auto creds = Credentials::with_password("a\"b\\c", "p");
  const auto h = make_authorization(rfc7616_challenge(Algorithm::Md5), creds, {"GET", "/", {}}, 1);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->rfind("Digest username=\"a\\\"b\\\\c\", ", 0), 0u);
  const auto parsed = msg::parse_auth(*h);
  ASSERT_TRUE(parsed);
  const auto back = parse_authorization(*parsed);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->username, "a\"b\\c");
}

TEST(DigestHeader, RefusesBadInput) {
  const auto c = rfc7616_challenge(Algorithm::Md5);
  EXPECT_EQ(
      make_authorization(c, Credentials::with_password("u", "p"), {"GET", "/", {}}, 0).error().code,
      Errc::out_of_range);
  EXPECT_FALSE(
      make_authorization(c, Credentials::with_password("u\r\nX: y", "p"), {"GET", "/", {}}, 1));
  Credentials none;
  none.username = "u";
  EXPECT_EQ(make_authorization(c, none, {"GET", "/", {}}, 1).error().code, Errc::not_found);
}

TEST(DigestHeader, Ha1OnlyCredentials) {
  const auto stored = *ha1(DigestHash::Sha256, kUser, kRealm, kPassword);
  const auto creds =
      Credentials::with_ha1(std::string(kUser), std::string(kRealm), DigestHash::Sha256, stored);
  EXPECT_TRUE(creds.can_answer(DigestHash::Sha256, kRealm));
  EXPECT_FALSE(creds.can_answer(DigestHash::Md5, kRealm));
  EXPECT_FALSE(creds.can_answer(DigestHash::Sha256, "elsewhere"));
  const auto h = make_authorization(rfc7616_challenge(Algorithm::Sha256), creds,
                                    {"GET", "/dir/index.html", {}}, 1, kCnonce);
  ASSERT_TRUE(h);
  EXPECT_NE(h->find("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
            std::string::npos);
  EXPECT_FALSE(make_authorization(rfc7616_challenge(Algorithm::Md5), creds, {"GET", "/", {}}, 1));
}

TEST(DigestAlgorithm, NamesRoundTrip) {
  for (Algorithm a : {Algorithm::Md5, Algorithm::Md5Sess, Algorithm::Sha256, Algorithm::Sha256Sess,
                      Algorithm::Sha512_256, Algorithm::Sha512_256Sess})
    EXPECT_EQ(parse_algorithm(algorithm_name(a)), a);
  EXPECT_EQ(parse_algorithm("sha-512-256-SESS"), Algorithm::Sha512_256Sess);
  EXPECT_EQ(algorithm_name(Algorithm::Sha256Sess), "SHA-256-sess");
  EXPECT_FALSE(parse_algorithm("AKAv1-MD5"));
  EXPECT_FALSE(parse_algorithm("SHA-512"));
  EXPECT_EQ(algorithm_hash(Algorithm::Sha512_256Sess), DigestHash::Sha512_256);
  EXPECT_TRUE(algorithm_is_sess(Algorithm::Md5Sess));
  EXPECT_FALSE(algorithm_is_sess(Algorithm::Sha256));
}

}  // namespace
}  // namespace sip::auth
