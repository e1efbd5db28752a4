// Customer, domain and account commands against a real SQLite store, with
// the Directory kept in step.
#include <gtest/gtest.h>

#include "control_fixture.hpp"
#include "sip/auth/digest.hpp"
#include "sip/auth/password.hpp"

namespace sip::control::testing {
namespace {

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// ---- customers

TEST_F(ControlTest, CustomerAddGeneratesAPasswordReturnedOnceAndStoresOnlyItsHash) {
  json c = ok("customer.add", {{"username", "Demo"}});
  ASSERT_TRUE(c.contains("password"));
  const std::string password = c["password"];
  EXPECT_EQ(password.size(), 16u);
  EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos) << password;
  EXPECT_EQ(c["username"], "demo");
  EXPECT_FALSE(c.contains("password_hash"));
  EXPECT_EQ(c["api_key"].get<std::string>().size(), 64u);
  EXPECT_TRUE(is_lower_hex(c["api_key"]));

  json got = ok("customer.get", {{"username", "demo"}});
  EXPECT_FALSE(got.contains("password"));
  EXPECT_FALSE(got.contains("password_hash"));
  auto stored = n().db->customers().find("demo");
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->password_hash.find("pbkdf2-sha256$"), std::string::npos);
  EXPECT_TRUE(auth::verify_password(stored->password_hash, password));
  EXPECT_FALSE(auth::verify_password(stored->password_hash, password + "x"));

  // Two generated passwords differ.
  json other = ok("customer.add", {{"username", "other"}});
  EXPECT_NE(other["password"], c["password"]);
}

TEST_F(ControlTest, CustomerAddWithAPasswordNeverEchoesIt) {
  json c = ok("customer.add", {{"username", "demo"},
                               {"password", "correct horse"},
                               {"time_zone", "Europe/Dublin"},
                               {"max_accounts", 3},
                               {"admin", true}});
  EXPECT_FALSE(c.contains("password"));
  EXPECT_EQ(c["time_zone"], "Europe/Dublin");
  EXPECT_EQ(c["max_accounts"], 3);
  EXPECT_EQ(c["admin"], true);
  auto stored = n().db->customers().find("demo");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(auth::verify_password(stored->password_hash, "correct horse"));
}

TEST_F(ControlTest, CustomerErrorsNameTheProblem) {
  ok("customer.add", {{"username", "demo"}});
  EXPECT_NE(err("customer.add", {{"username", "DEMO"}}, "conflict").find("demo"),
            std::string::npos);
  EXPECT_NE(err("customer.add", {{"username", "ab"}}, "invalid_argument").find("username"),
            std::string::npos);
  EXPECT_NE(err("customer.add", json::object(), "invalid_argument").find("username"),
            std::string::npos);
  EXPECT_NE(err("customer.add", {{"username", "carol"}, {"max_accounts", -1}}, "invalid_argument")
                .find("max_accounts"),
            std::string::npos);
  EXPECT_NE(err("customer.add", {{"username", "carol"}, {"admin", "yes"}}, "invalid_argument")
                .find("admin"),
            std::string::npos);
  EXPECT_NE(err("customer.add", {{"username", "carol"}, {"colour", "red"}}, "invalid_argument")
                .find("colour"),
            std::string::npos);
  EXPECT_NE(err("customer.add", {{"username", "carol"}, {"time_zone", "../etc/passwd"}},
                "invalid_argument")
                .find("time_zone"),
            std::string::npos);
  EXPECT_NE(err("customer.get", {{"username", "nobody"}}, "not_found").find("nobody"),
            std::string::npos);
  err("customer.update", {{"username", "nobody"}, {"admin", true}}, "not_found");
  err("customer.remove", {{"username", "nobody"}}, "not_found");
  EXPECT_EQ(ok("customer.list").size(), 1u);  // nothing half-added
}

TEST_F(ControlTest, CustomerUpdateAndRemove) {
  ok("customer.add", {{"username", "demo"}, {"password", "first-password"}});
  json c = ok("customer.update", {{"username", "demo"},
                                  {"time_zone", "UTC"},
                                  {"max_executions", 9},
                                  {"disabled", true},
                                  {"password", "second-password"}});
  EXPECT_EQ(c["max_executions"], 9);
  EXPECT_EQ(c["disabled"], true);
  EXPECT_FALSE(c.contains("password"));
  auto stored = n().db->customers().find("demo");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(auth::verify_password(stored->password_hash, "second-password"));
  EXPECT_EQ(ok("customer.get", {{"username", "demo"}})["disabled"], true);

  EXPECT_EQ(ok("customer.remove", {{"username", "demo"}}), json({{"removed", true}}));
  err("customer.get", {{"username", "demo"}}, "not_found");
  EXPECT_TRUE(ok("customer.list").empty());
}

TEST_F(ControlTest, CustomerRemoveTakesItsAccountsAndDomainsOutOfTheDirectory) {
  add_basics();
  ok("domain.add", {{"name", "demo.example"}, {"owner", "demo"}});
  ok("account.add", {{"owner", "demo"}, {"username", "2001"}, {"domain", "demo.example"}});
  ASSERT_NE(n().directory.find("2001", "demo.example"), nullptr);
  ASSERT_TRUE(n().directory.canonical_domain("demo.example"));
  ok("customer.remove", {{"username", "demo"}});
  EXPECT_EQ(n().directory.find("1001", "sipsmith.test"), nullptr);
  EXPECT_EQ(n().directory.find("2001", "demo.example"), nullptr);
  EXPECT_FALSE(n().directory.canonical_domain("demo.example"));
  EXPECT_TRUE(n().directory.canonical_domain("sipsmith.test"));  // the operator's stays
  EXPECT_EQ(n().directory.account_count(), 0u);
}

// ---- domains

TEST_F(ControlTest, DomainAddUpdateRemoveKeepsTheDirectoryInStep) {
  ok("customer.add", {{"username", "demo"}});
  json d = ok("domain.add", {{"name", "SIPsmith.test"}, {"aliases", {"Alias.Test", "local"}}});
  EXPECT_EQ(d["name"], "sipsmith.test");
  EXPECT_EQ(d["aliases"], json({"alias.test", "local"}));
  EXPECT_EQ(d["owner"], "");
  EXPECT_EQ(n().directory.canonical_domain("alias.test").value_or(""), "sipsmith.test");

  d = ok("domain.update",
         {{"name", "sipsmith.test"}, {"aliases", {"new.test"}}, {"owner", "demo"}});
  EXPECT_EQ(d["aliases"], json({"new.test"}));
  EXPECT_EQ(d["owner"], "demo");
  EXPECT_FALSE(n().directory.canonical_domain("alias.test"));
  EXPECT_EQ(n().directory.canonical_domain("new.test").value_or(""), "sipsmith.test");

  json list = ok("domain.list");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["owner"], "demo");

  EXPECT_EQ(ok("domain.remove", {{"name", "sipsmith.test"}}), json({{"removed", true}}));
  EXPECT_FALSE(n().directory.canonical_domain("sipsmith.test"));
  EXPECT_TRUE(ok("domain.list").empty());
}

TEST_F(ControlTest, DomainErrors) {
  ok("domain.add", {{"name", "sipsmith.test"}, {"aliases", {"local"}}});
  err("domain.add", {{"name", "sipsmith.test"}}, "conflict");
  err("domain.add", {{"name", "local"}}, "conflict");  // a name may not repeat an alias
  err("domain.add", {{"name", "other.test"}, {"aliases", {"local"}}}, "conflict");
  EXPECT_NE(err("domain.add", {{"name", "bad host!"}}, "invalid_argument").find("name"),
            std::string::npos);
  EXPECT_NE(err("domain.add", {{"name", "x.test"}, {"aliases", "local"}}, "invalid_argument")
                .find("aliases"),
            std::string::npos);
  err("domain.add", {{"name", "x.test"}, {"owner", "nobody"}}, "not_found");
  err("domain.update", {{"name", "nowhere.test"}}, "not_found");
  err("domain.remove", {{"name", "nowhere.test"}}, "not_found");
  EXPECT_EQ(ok("domain.list").size(), 1u);
}

TEST_F(ControlTest, DomainWithAccountsCannotBeRemoved) {
  add_basics();
  CommandResult r = n().registry.call("domain.remove", {{"name", "sipsmith.test"}});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().code == "invalid_argument" || r.error().code == "conflict")
      << r.error().code;
  EXPECT_TRUE(n().directory.canonical_domain("sipsmith.test"));
  EXPECT_NE(n().directory.find("1001", "sipsmith.test"), nullptr);
}

// ---- accounts

TEST_F(ControlTest, AccountAddGeneratesAPasswordWhoseHa1Verifies) {
  ok("customer.add", {{"username", "demo"}});
  ok("domain.add", {{"name", "sipsmith.test"}, {"aliases", {"local"}}});
  json a = ok("account.add", {{"owner", "demo"},
                              {"username", "1001"},
                              {"domain", "local"},  // an alias: stored under the name
                              {"keepalive", "options"},
                              {"description", "front desk"}});
  ASSERT_TRUE(a.contains("password"));
  const std::string password = a["password"];
  EXPECT_EQ(password.size(), 16u);
  EXPECT_EQ(a["domain"], "sipsmith.test");
  EXPECT_EQ(a["owner"], "demo");
  EXPECT_EQ(a["keepalive"], "options");
  EXPECT_FALSE(a.contains("ha1_md5"));
  EXPECT_FALSE(a.contains("ha1_sha256"));

  auto stored = n().db->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(stored.ok());
  auto md5 = auth::ha1(auth::DigestHash::Md5, "1001", "sipsmith.test", password);
  auto sha = auth::ha1(auth::DigestHash::Sha256, "1001", "sipsmith.test", password);
  ASSERT_TRUE(md5.ok() && sha.ok());
  EXPECT_EQ(stored->ha1_md5, *md5);
  EXPECT_EQ(stored->ha1_sha256, *sha);

  const store::SipAccount* dir = n().directory.find("1001", "local");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->ha1_md5, *md5);
  EXPECT_EQ(dir->keepalive, store::KeepAliveMode::Options);

  json got = ok("account.get", {{"username", "1001"}, {"domain", "sipsmith.test"}});
  EXPECT_FALSE(got.contains("password"));
  EXPECT_FALSE(got.contains("ha1_md5"));
  EXPECT_EQ(got["description"], "front desk");
}

TEST_F(ControlTest, AccountErrorsNameTheField) {
  add_basics();
  json base = {{"owner", "demo"}, {"username", "1002"}, {"domain", "sipsmith.test"}};
  auto with = [&](const char* key, json value) {
    json p = base;
    p[key] = std::move(value);
    return p;
  };
  EXPECT_NE(err("account.add", with("username", "1001"), "conflict").find("1001"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("owner", "nobody"), "not_found").find("nobody"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("domain", "nowhere.test"), "not_found").find("nowhere.test"),
            std::string::npos);
  EXPECT_NE(
      err("account.add", with("keepalive", "sometimes"), "invalid_argument").find("keepalive"),
      std::string::npos);
  EXPECT_NE(err("account.add", with("ip_acl", "10.0.0.0/33"), "invalid_argument").find("ip_acl"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("username", "a@b"), "invalid_argument").find("username"),
            std::string::npos);
  // The store's rule, not a looser one: '&' would split a dial string.
  EXPECT_NE(err("account.add", with("username", "a&b"), "invalid_argument").find("username"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("username", "Dispatcher"), "invalid_argument").find("username"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("digest_algorithms", "SHA-1"), "invalid_argument")
                .find("digest_algorithms"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("digest_algorithms", "MD5,md5"), "invalid_argument")
                .find("digest_algorithms"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("incoming_only", 1), "invalid_argument").find("incoming_only"),
            std::string::npos);
  EXPECT_NE(err("account.add", with("password", ""), "invalid_argument").find("password"),
            std::string::npos);
  json no_owner = base;
  no_owner.erase("owner");
  EXPECT_NE(err("account.add", no_owner, "invalid_argument").find("owner"), std::string::npos);
  err("account.get", {{"username", "1002"}, {"domain", "sipsmith.test"}}, "not_found");
  err("account.update", {{"username", "1002"}, {"domain", "sipsmith.test"}}, "not_found");
  err("account.remove", {{"username", "1002"}, {"domain", "sipsmith.test"}}, "not_found");
  EXPECT_EQ(ok("account.list").size(), 1u);
  EXPECT_EQ(n().directory.account_count(), 1u);

  // A domain owned by another customer is not open to demo.
  ok("customer.add", {{"username", "carol"}});
  ok("domain.add", {{"name", "carol.test"}, {"owner", "carol"}});
  EXPECT_NE(err("account.add", with("domain", "carol.test"), "invalid_argument").find("domain"),
            std::string::npos);
}

TEST_F(ControlTest, AccountAddRespectsMaxAccounts) {
  ok("customer.add", {{"username", "demo"}, {"max_accounts", 1}});
  ok("domain.add", {{"name", "sipsmith.test"}});
  ok("account.add", {{"owner", "demo"}, {"username", "1001"}, {"domain", "sipsmith.test"}});
  err("account.add", {{"owner", "demo"}, {"username", "1002"}, {"domain", "sipsmith.test"}},
      "limit_reached");
}

TEST_F(ControlTest, AccountUpdateChangesFieldsPasswordAndTheDirectory) {
  add_basics();
  auto before = n().db->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(before.ok());
  json a = ok("account.update", {{"username", "1001"},
                                 {"domain", "local"},
                                 {"password", "new-secret"},
                                 {"disabled", true},
                                 {"ip_acl", "192.0.2.0/24, 2001:db8::/32"},
                                 {"out_dialplan", "default"}});
  EXPECT_FALSE(a.contains("password"));
  EXPECT_EQ(a["disabled"], true);
  EXPECT_EQ(a["out_dialplan"], "default");
  auto after = n().db->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->id, before->id);
  EXPECT_NE(after->ha1_md5, before->ha1_md5);
  EXPECT_EQ(after->ha1_md5,
            *auth::ha1(auth::DigestHash::Md5, "1001", "sipsmith.test", "new-secret"));
  const store::SipAccount* dir = n().directory.find("1001", "sipsmith.test");
  ASSERT_NE(dir, nullptr);
  EXPECT_TRUE(dir->disabled);
  EXPECT_EQ(dir->ha1_md5, after->ha1_md5);
  EXPECT_EQ(dir->ip_acl, "192.0.2.0/24, 2001:db8::/32");
  EXPECT_EQ(dir->digest_algorithms, "");

  // The per-account digest algorithms: canonical names, "" = the server's.
  a = ok(
      "account.update",
      {{"username", "1001"}, {"domain", "sipsmith.test"}, {"digest_algorithms", "sha-256 , md5"}});
  EXPECT_EQ(a["digest_algorithms"], "SHA-256,MD5");
  EXPECT_EQ(n().directory.find("1001", "sipsmith.test")->digest_algorithms, "SHA-256,MD5");
  a = ok("account.update",
         {{"username", "1001"}, {"domain", "sipsmith.test"}, {"digest_algorithms", ""}});
  EXPECT_EQ(a["digest_algorithms"], "");
}

TEST_F(ControlTest, AccountRemoveAndListFilters) {
  add_basics();
  ok("customer.add", {{"username", "carol"}});
  ok("domain.add", {{"name", "other.test"}});
  ok("account.add", {{"owner", "carol"}, {"username", "2001"}, {"domain", "other.test"}});
  ok("account.add", {{"owner", "demo"}, {"username", "1002"}, {"domain", "other.test"}});
  EXPECT_EQ(ok("account.list").size(), 3u);
  EXPECT_EQ(ok("account.list", {{"owner", "demo"}}).size(), 2u);
  EXPECT_EQ(ok("account.list", {{"domain", "other.test"}}).size(), 2u);
  json one = ok("account.list", {{"owner", "demo"}, {"domain", "other.test"}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["username"], "1002");
  EXPECT_EQ(one[0]["owner"], "demo");
  err("account.list", {{"owner", "nobody"}}, "not_found");

  EXPECT_EQ(ok("account.remove", {{"username", "1002"}, {"domain", "other.test"}}),
            json({{"removed", true}}));
  EXPECT_EQ(n().directory.find("1002", "other.test"), nullptr);
  EXPECT_NE(n().directory.find("2001", "other.test"), nullptr);
  EXPECT_EQ(ok("account.list").size(), 2u);
}

}  // namespace
}  // namespace sip::control::testing
