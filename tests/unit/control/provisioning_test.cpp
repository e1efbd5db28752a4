// export / import of the provisioning document: round trip into a fresh
// store, clear-text passwords, upsert, replace, dry run, atomicity.
#include <gtest/gtest.h>

#include <set>

#include "control_fixture.hpp"
#include "sip/auth/digest.hpp"
#include "sip/auth/password.hpp"

namespace sip::control::testing {
namespace {

class ProvisioningTest : public ControlTest {
 public:
  // Two customers, two domains (one owned), three accounts with varied fields.
  void populate() {
    add_basics();
    ok("customer.add", {{"username", "carol"},
                        {"password", "carol-password"},
                        {"time_zone", "Europe/Dublin"},
                        {"max_executions", 2},
                        {"max_accounts", 7},
                        {"admin", true}});
    ok("customer.update", {{"username", "carol"}, {"disabled", true}});
    ok("domain.add",
       {{"name", "carol.test"}, {"aliases", {"c.test", "carol.example"}}, {"owner", "carol"}});
    ok("account.add", {{"owner", "carol"},
                       {"username", "2001"},
                       {"domain", "carol.test"},
                       {"password", "pw-2001"},
                       {"out_dialplan", "out"},
                       {"in_dialplan", "in"},
                       {"incoming_only", true},
                       {"disabled", true},
                       {"keepalive", "none"},
                       {"ip_acl", "192.0.2.0/24"},
                       {"dont_mangle", true},
                       {"network_id", "lan-1"},
                       {"digest_algorithms", "sha-256"},
                       {"description", "lobby phone"}});
    ok("account.add", {{"owner", "demo"}, {"username", "1002"}, {"domain", "sipsmith.test"}});
  }

  static json doc_with(json customers, json domains, json accounts) {
    return {{"format", "sipsmith-provisioning"},
            {"version", 1},
            {"customers", std::move(customers)},
            {"domains", std::move(domains)},
            {"accounts", std::move(accounts)}};
  }
};

TEST_F(ProvisioningTest, ExportHasTheAgreedShapeAndNoClearText) {
  populate();
  json doc = ok("export");
  EXPECT_EQ(doc["format"], "sipsmith-provisioning");
  EXPECT_EQ(doc["version"], 1);
  ASSERT_EQ(doc["customers"].size(), 2u);
  ASSERT_EQ(doc["domains"].size(), 2u);
  ASSERT_EQ(doc["accounts"].size(), 3u);
  const json& carol =
      doc["customers"][1]["username"] == "carol" ? doc["customers"][1] : doc["customers"][0];
  std::set<std::string> keys;
  for (const auto& [k, v] : carol.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"username", "password_hash", "api_key", "time_zone",
                                         "max_executions", "max_accounts", "admin", "disabled"}));
  EXPECT_TRUE(auth::verify_password(carol["password_hash"].get<std::string>(), "carol-password"));
  keys.clear();
  for (const auto& [k, v] : doc["accounts"][0].items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"owner", "username", "domain", "ha1_md5", "ha1_sha256",
                                         "out_dialplan", "in_dialplan", "incoming_only", "disabled",
                                         "keepalive", "ip_acl", "dont_mangle", "network_id",
                                         "digest_algorithms", "description"}));
  keys.clear();
  for (const auto& [k, v] : doc["domains"][0].items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"name", "aliases", "owner"}));
  EXPECT_EQ(doc.dump().find("secret-1001"), std::string::npos);
  EXPECT_EQ(doc.dump().find("\"password\""), std::string::npos);
}

TEST_F(ProvisioningTest, ExportThenImportIntoAFreshStoreRoundTrips) {
  populate();
  json doc = ok("export");
  auto fresh = fresh_node("fresh.db");
  json counts = fresh->ok("import", {{"document", doc}});
  EXPECT_EQ(
      counts,
      json(
          {{"customers", 2}, {"domains", 2}, {"accounts", 3}, {"providers", 0}, {"dialplans", 0}}));
  EXPECT_EQ(fresh->ok("export"), doc);

  // The fresh daemon's Directory serves the imported accounts with the same secrets.
  const store::SipAccount* a = fresh->directory.find("2001", "c.test");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->ha1_md5, *auth::ha1(auth::DigestHash::Md5, "2001", "carol.test", "pw-2001"));
  EXPECT_EQ(a->ha1_sha256, *auth::ha1(auth::DigestHash::Sha256, "2001", "carol.test", "pw-2001"));
  EXPECT_TRUE(a->disabled);
  EXPECT_EQ(a->keepalive, store::KeepAliveMode::None);
  EXPECT_EQ(a->digest_algorithms, "SHA-256");
  EXPECT_EQ(fresh->directory.account_count(), 3u);
  auto carol = fresh->db->customers().find("carol");
  ASSERT_TRUE(carol.ok());
  EXPECT_TRUE(auth::verify_password(carol->password_hash, "carol-password"));

  // Importing the same document again changes nothing.
  fresh->ok("import", {{"document", doc}});
  EXPECT_EQ(fresh->ok("export"), doc);
}

TEST_F(ProvisioningTest, ImportHashesClearTextPasswords) {
  json doc = doc_with(
      {{{"username", "demo"}, {"password", "demo-pw"}}},
      {{{"name", "sipsmith.test"}, {"aliases", {"local"}}}},
      {{{"owner", "demo"}, {"username", "1001"}, {"domain", "local"}, {"password", "pw-1001"}}});
  EXPECT_EQ(ok("import", {{"document", doc}}),
            json({{"customers", 1}, {"domains", 1}, {"accounts", 1}}));
  auto c = n().db->customers().find("demo");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(auth::verify_password(c->password_hash, "demo-pw"));
  EXPECT_EQ(c->api_key.size(), 64u);
  auto a = n().db->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ha1_md5, *auth::ha1(auth::DigestHash::Md5, "1001", "sipsmith.test", "pw-1001"));
  EXPECT_NE(n().directory.find("1001", "sipsmith.test"), nullptr);
  std::string exported = ok("export").dump();
  EXPECT_EQ(exported.find("pw-1001"), std::string::npos);
  EXPECT_EQ(exported.find("demo-pw"), std::string::npos);
}

TEST_F(ProvisioningTest, ImportUpsertsByNaturalKeys) {
  populate();
  auto before = n().db->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(before.ok());
  json doc = doc_with(json::array(), json::array(),
                      {{{"username", "1001"},
                        {"domain", "sipsmith.test"},
                        {"description", "updated"},
                        {"keepalive", "options"}}});
  EXPECT_EQ(ok("import", {{"document", doc}}),
            json({{"customers", 0}, {"domains", 0}, {"accounts", 1}}));
  auto after = n().db->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->id, before->id);
  EXPECT_EQ(after->description, "updated");
  EXPECT_EQ(after->ha1_md5, before->ha1_md5);  // no secret in the record: kept
  EXPECT_EQ(n().directory.find("1001", "sipsmith.test")->description, "updated");
  EXPECT_EQ(ok("account.list").size(), 3u);  // without replace nothing else goes
}

TEST_F(ProvisioningTest, ImportReplaceRemovesWhatTheDocumentDoesNotList) {
  populate();
  json doc = ok("export");
  // Keep demo, sipsmith.test and 1001 only.
  auto keep = [](json& list, const char* key, const char* value) {
    json out = json::array();
    for (auto& r : list)
      if (r[key] == value) out.push_back(r);
    list = out;
  };
  keep(doc["customers"], "username", "demo");
  keep(doc["domains"], "name", "sipsmith.test");
  keep(doc["accounts"], "username", "1001");
  EXPECT_EQ(
      ok("import", {{"document", doc}, {"replace", true}}),
      json(
          {{"customers", 1}, {"domains", 1}, {"accounts", 1}, {"providers", 0}, {"dialplans", 0}}));
  EXPECT_EQ(ok("export"), doc);
  EXPECT_EQ(n().directory.account_count(), 1u);
  EXPECT_EQ(n().directory.find("1002", "sipsmith.test"), nullptr);
  EXPECT_FALSE(n().directory.canonical_domain("carol.test"));
}

TEST_F(ProvisioningTest, DryRunValidatesAndCountsButChangesNothing) {
  populate();
  json before = ok("export");
  json doc =
      doc_with({{{"username", "newbie"}, {"password", "newbie-pw"}}}, {{{"name", "sipsmith.test"}}},
               {{{"owner", "newbie"}, {"username", "3001"}, {"domain", "sipsmith.test"}}});
  // With replace this would remove most of the store; as a dry run it only counts.
  EXPECT_EQ(ok("import", {{"document", doc}, {"dry_run", true}, {"replace", true}}),
            json({{"customers", 1}, {"domains", 1}, {"accounts", 1}}));
  EXPECT_EQ(ok("export"), before);
  EXPECT_EQ(n().directory.account_count(), 3u);
  // A dry run still reports what would fail.
  doc["accounts"][0]["domain"] = "nowhere.test";
  std::string message = err("import", {{"document", doc}, {"dry_run", true}}, "not_found");
  EXPECT_EQ(message.rfind("accounts[0]: ", 0), 0u) << message;
  EXPECT_NE(message.find("nowhere.test"), std::string::npos) << message;
}

TEST_F(ProvisioningTest, ImportIsAtomic) {
  populate();
  json before = ok("export");
  json doc = doc_with(
      {{{"username", "newbie"}, {"password", "newbie-pw"}}}, {{{"name", "new.test"}}},
      {{{"owner", "newbie"}, {"username", "3001"}, {"domain", "new.test"}},
       {{"owner", "newbie"}, {"username", "3002"}, {"domain", "new.test"}, {"keepalive", "bad"}}});
  std::string message = err("import", {{"document", doc}, {"replace", true}}, "invalid_argument");
  EXPECT_NE(message.find("accounts[1].keepalive"), std::string::npos) << message;
  EXPECT_EQ(ok("export"), before);
  EXPECT_EQ(n().directory.account_count(), 3u);
  EXPECT_FALSE(n().directory.canonical_domain("new.test"));
  err("customer.get", {{"username", "newbie"}}, "not_found");
}

TEST_F(ProvisioningTest, ImportRejectsMalformedDocuments) {
  json good = doc_with(json::array(), json::array(), json::array());
  ok("import", {{"document", good}});
  err("import", json::object(), "invalid_argument");
  json bad = good;
  bad["format"] = "something-else";
  EXPECT_NE(err("import", {{"document", bad}}, "invalid_argument").find("format"),
            std::string::npos);
  bad = good;
  bad["version"] = 2;
  EXPECT_NE(err("import", {{"document", bad}}, "invalid_argument").find("version"),
            std::string::npos);
  bad = good;
  bad["accounts"] = "none";
  EXPECT_NE(err("import", {{"document", bad}}, "invalid_argument").find("accounts"),
            std::string::npos);
  bad = doc_with(
      {{{"username", "demo"}, {"password", "a"}}, {{"username", "Demo"}, {"password", "b"}}},
      json::array(), json::array());
  EXPECT_NE(err("import", {{"document", bad}}, "conflict").find("customers[1]"), std::string::npos);
  bad = doc_with({{{"username", "demo"}}}, json::array(), json::array());  // no secret
  EXPECT_NE(err("import", {{"document", bad}}, "invalid_argument").find("customers[0]"),
            std::string::npos);
  bad = doc_with({{{"username", "demo"}, {"password", "x"}, {"shoe_size", 9}}}, json::array(),
                 json::array());
  EXPECT_NE(err("import", {{"document", bad}}, "invalid_argument").find("shoe_size"),
            std::string::npos);
  EXPECT_TRUE(ok("customer.list").empty());
}

}  // namespace
}  // namespace sip::control::testing
