// The server's digest algorithm lists: parsing (order kept), refusals, text.
#include "sip/auth/server_algorithms.hpp"

#include <gtest/gtest.h>

namespace sip::auth {
namespace {

TEST(ServerAlgorithms, ParsesInOrderCaseInsensitively) {
  auto a = parse_server_algorithms("MD5, sha-256");
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(*a, (AlgorithmList{Algorithm::Md5, Algorithm::Sha256}));
  auto b = parse_server_algorithms("SHA-256,md5");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (AlgorithmList{Algorithm::Sha256, Algorithm::Md5}));
  auto c = parse_server_algorithms(" SHA-256 ");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (AlgorithmList{Algorithm::Sha256}));
  EXPECT_EQ(server_algorithms_text(*a), "MD5,SHA-256");
  EXPECT_EQ(server_algorithms_text(*c), "SHA-256");
}

TEST(ServerAlgorithms, RefusesWhatAStoredHa1CannotVerify) {
  EXPECT_FALSE(parse_server_algorithms(""));
  EXPECT_FALSE(parse_server_algorithms("MD5,"));
  EXPECT_FALSE(parse_server_algorithms("SHA-1"));
  EXPECT_FALSE(parse_server_algorithms("MD5-sess"));
  EXPECT_FALSE(parse_server_algorithms("SHA-512-256"));
  const auto twice = parse_server_algorithms("MD5,SHA-256, md5");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().offset, 12u);  // the byte where the repeated name starts
  EXPECT_FALSE(server_algorithms_from({}));
  EXPECT_EQ(server_algorithms_from({"SHA-256", "bogus"}).error().offset, 1u);
  EXPECT_EQ(*server_algorithms_from({"sha-256", "MD5"}),
            (AlgorithmList{Algorithm::Sha256, Algorithm::Md5}));
}

}  // namespace
}  // namespace sip::auth
