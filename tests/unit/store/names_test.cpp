// The one rule per name kind, shared by the store and the control socket.
#include "sip/store/names.hpp"

#include <gtest/gtest.h>

namespace {

using namespace sip::store;

TEST(StoreNames, AccountUsernames) {
  EXPECT_TRUE(valid_account_username("1001"));
  EXPECT_TRUE(valid_account_username("Alice.Smith+home_2-x"));
  EXPECT_FALSE(valid_account_username(""));
  EXPECT_FALSE(valid_account_username(std::string(65, 'a')));
  EXPECT_TRUE(valid_account_username(std::string(64, 'a')));
  // Characters that mean something in a dial string or need URI escaping.
  for (const char* bad : {"a&b", "a|b", "a,b", "a;b", "a[b", "a@b", "a b", "a:b", "a%20"})
    EXPECT_FALSE(valid_account_username(bad)) << bad;
  EXPECT_FALSE(valid_account_username("dispatcher"));
  EXPECT_FALSE(valid_account_username("DisPatcher"));
  EXPECT_TRUE(valid_account_username("dispatcher2"));
}

TEST(StoreNames, CustomerProviderAndPlanNames) {
  EXPECT_TRUE(valid_customer_username("demo"));
  EXPECT_FALSE(valid_customer_username("ab"));
  EXPECT_FALSE(valid_customer_username("Demo"));  // lower-cased before the check
  EXPECT_TRUE(valid_provider_name("voip-ms_1"));
  EXPECT_FALSE(valid_provider_name("voip.ms"));
  EXPECT_TRUE(valid_plan_name("alice.out"));
  EXPECT_FALSE(valid_plan_name("alice out"));
}

}  // namespace
