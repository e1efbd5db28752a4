// Password hashing (PBKDF2-HMAC-SHA256 stored strings) and API keys.
#include "sip/auth/password.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sip::auth {
namespace {

// RFC 7914 section 11 PBKDF2-HMAC-SHA256 vectors; the stored hash is the
// first 32 bytes (the first PBKDF2 block) of the 64-byte outputs:
//   P="passwd",   S="salt", c=1:     55ac046e56e3089f ec1691c22544b605 f94185216dde0465
//   e68b9d57c20dacbc P="Password", S="NaCl", c=80000: 4ddcd8f60b98be21 830cee5ef22701f9
//   641a4418d04c0414 aeff08876b34ab56
constexpr const char* kVector1 =
    "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=";
constexpr const char* kVector2 =
    "pbkdf2-sha256$80000$TmFDbA==$TdzY9guYviGDDO5e8icB+WQaRBjQTAQUrv8Ih2s0q1Y=";

TEST(Password, KnownPbkdf2Sha256Vectors) {
  EXPECT_TRUE(verify_password(kVector1, "passwd"));
  EXPECT_FALSE(verify_password(kVector1, "passwe"));
  EXPECT_TRUE(verify_password(kVector2, "Password"));
  EXPECT_FALSE(verify_password(kVector2, "password"));
}

TEST(Password, RoundTripWithFreshSalt) {
  const std::string a = hash_password("correct horse", 1000);
  const std::string b = hash_password("correct horse", 1000);
  ASSERT_EQ(a.rfind("pbkdf2-sha256$1000$", 0), 0u) << a;
  // scheme $ 1000 $ 24 chars of 16-byte salt $ 44 chars of 32-byte hash
  EXPECT_EQ(a.size(), std::string("pbkdf2-sha256$1000$").size() + 24 + 1 + 44);
  EXPECT_NE(a, b);  // random salt
  EXPECT_TRUE(verify_password(a, "correct horse"));
  EXPECT_TRUE(verify_password(b, "correct horse"));
  EXPECT_FALSE(verify_password(a, "correct horse "));
  EXPECT_FALSE(verify_password(a, ""));
  const std::string empty = hash_password("", 10);
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, "x"));
}

TEST(Password, DefaultIterationCount) {
  // One hash at the default cost (verifying would double the test's time;
  // verification is the same code at any count).
  const std::string h = hash_password("secret");
  EXPECT_EQ(h.rfind("pbkdf2-sha256$600000$", 0), 0u) << h;
  EXPECT_EQ(h.size(), std::string("pbkdf2-sha256$600000$").size() + 24 + 1 + 44);
}

TEST(Password, MalformedStoredStringsNeverVerify) {
  const std::string good = kVector1;
  ASSERT_TRUE(verify_password(good, "passwd"));
  const char* bad[] = {
      "",
      "passwd",
      "pbkdf2-sha256",
      "pbkdf2-sha256$1$c2FsdA==",
      "pbkdf2-sha1$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$0$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$01$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$-1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$99999999999$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$1$$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
      "pbkdf2-sha256$1$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",    // no padding
      "pbkdf2-sha256$1$c2FsdA=!$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",  // bad char
      "pbkdf2-sha256$1$c2FsdB==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",  // stray bits
      "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrA=",   // bad length
      "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=$",
      "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=$x",
      "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw",
      " pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
  };
  for (const char* s : bad) EXPECT_FALSE(verify_password(s, "passwd")) << s;
  // Iteration counts outside the accepted range give no hash at all.
  EXPECT_EQ(hash_password("x", 0), "");
  EXPECT_EQ(hash_password("x", kMaxPasswordIterations + 1), "");
}

TEST(Password, ApiKeysAre64LowercaseHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string k = make_api_key();
    ASSERT_EQ(k.size(), 64u);
    for (const char c : k) {
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << k;
    }
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace sip::auth
