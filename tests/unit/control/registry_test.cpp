// The registry's protocol envelope, and the binding, stats and reload
// commands (no registrar: bindings come from the store).
#include <gtest/gtest.h>

#include <set>

#include "control_fixture.hpp"

namespace sip::control::testing {
namespace {

json parse(const std::string& line) {
  return json::parse(line);
}

TEST(CommandRegistry, EnvelopeEchoesIdsAndNamesProtocolErrors) {
  CommandRegistry r;
  r.add("echo", [](const json& params) -> CommandResult { return params; });
  r.add("boom",
        [](const json&) -> CommandResult { throw CommandFailure(Errc::conflict, "taken"); });

  json ok = parse(r.handle_line(R"({"id":"a-1","method":"echo","params":{"x":1}})"));
  EXPECT_EQ(ok, json({{"id", "a-1"}, {"result", {{"x", 1}}}}));
  json no_params = parse(r.handle_line(R"({"id":{"n":2},"method":"echo"})"));
  EXPECT_EQ(no_params["id"], json({{"n", 2}}));
  EXPECT_EQ(no_params["result"], json::object());

  json bad = parse(r.handle_line("{not json"));
  EXPECT_TRUE(bad["id"].is_null());
  EXPECT_EQ(bad["error"]["code"], "parse_error");
  EXPECT_EQ(parse(r.handle_line(R"({"id":3})"))["error"]["code"], "invalid_request");
  EXPECT_EQ(parse(r.handle_line(R"({"id":3})"))["id"], 3);
  EXPECT_EQ(parse(r.handle_line(R"([1,2])"))["error"]["code"], "invalid_request");
  EXPECT_EQ(parse(r.handle_line(R"({"id":4,"method":"echo","params":[1]})"))["error"]["code"],
            "invalid_request");
  json unknown = parse(r.handle_line(R"({"id":5,"method":"nope"})"));
  EXPECT_EQ(unknown["error"]["code"], "unknown_method");
  EXPECT_NE(unknown["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  json boom = parse(r.handle_line(R"({"id":6,"method":"boom"})"));
  EXPECT_EQ(boom["error"], json({{"code", "conflict"}, {"message", "taken"}}));
  // The id comes first on the wire, as in docs/control-protocol.md.
  EXPECT_EQ(r.handle_line(R"({"id":7,"method":"echo"})").rfind("{\"id\":7,", 0), 0u);
}

TEST_F(ControlTest, EveryAgreedMethodIsRegistered) {
  for (const char* m :
       {"customer.list",  "customer.get", "customer.add",   "customer.update", "customer.remove",
        "domain.list",    "domain.add",   "domain.update",  "domain.remove",   "account.list",
        "account.get",    "account.add",  "account.update", "account.remove",  "binding.list",
        "binding.remove", "stats",        "reload",         "export",          "import"})
    EXPECT_TRUE(n().registry.contains(m)) << m;
}

TEST_F(ControlTest, BindingListAndRemoveFromTheStore) {
  add_basics();
  ok("account.add", {{"owner", "demo"}, {"username", "1002"}, {"domain", "sipsmith.test"}});
  auto a1 = n().db->accounts().find("1001", "sipsmith.test");
  auto a2 = n().db->accounts().find("1002", "sipsmith.test");
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto binding = [&](store::Id account, const std::string& key, std::int64_t expires) {
    store::Binding b;
    b.account_id = account;
    b.contact_key = key;
    b.contact_uri = key;
    b.mangled_uri = key;
    b.transport = "udp";
    b.remote = "192.0.2.1:5060";
    b.local = "127.0.0.1:5060";
    b.registered = b.updated = 1'700'000'000;
    b.expires = expires;
    ASSERT_TRUE(n().db->bindings().upsert(b).ok());
  };
  binding(a1->id, "sip:1001@192.0.2.1:5060", 1'700'000'300);
  binding(a1->id, "sip:1001@192.0.2.2:5060", 1'700'000'600);
  binding(a2->id, "sip:1002@192.0.2.3:5060", 1'700'000'900);

  json all = ok("binding.list");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["account"], "1001@sipsmith.test");
  EXPECT_EQ(all[0]["expires_in"], 300);  // the wall clock is at 1'700'000'000
  EXPECT_EQ(all[2]["account"], "1002@sipsmith.test");
  json one = ok("binding.list", {{"username", "1001"}, {"domain", "local"}});
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[1]["contact_uri"], "sip:1001@192.0.2.2:5060");
  EXPECT_EQ(ok("binding.list", {{"owner", "demo"}}).size(), 3u);
  err("binding.list", {{"username", "1001"}}, "invalid_argument");

  EXPECT_EQ(ok("binding.remove", {{"username", "1001"},
                                  {"domain", "sipsmith.test"},
                                  {"contact", "sip:1001@192.0.2.2:5060"}}),
            json({{"removed", 1}}));
  err("binding.remove",
      {{"username", "1001"}, {"domain", "sipsmith.test"}, {"contact", "sip:nobody@192.0.2.9"}},
      "not_found");
  EXPECT_EQ(ok("binding.remove", {{"username", "1002"}, {"domain", "sipsmith.test"}}),
            json({{"removed", 1}}));
  EXPECT_EQ(ok("binding.list").size(), 1u);
  EXPECT_EQ(ok("stats")["bindings"], 1);
}

TEST_F(ControlTest, StatsMergesTheEngineHook) {
  add_basics();
  json s = ok("stats");
  EXPECT_EQ(s["accounts"], 1);
  EXPECT_EQ(s["bindings"], 0);
  EXPECT_GE(s["store"]["schema_version"].get<int>(), 1);
  n().context->stats = [] { return json{{"uptime_s", 12}, {"transport", {{"udp_in", 3}}}}; };
  s = ok("stats");
  EXPECT_EQ(s["uptime_s"], 12);
  EXPECT_EQ(s["transport"]["udp_in"], 3);
  EXPECT_EQ(s["accounts"], 1);
}

TEST_F(ControlTest, ReloadRereadsTheDirectoryOrCallsTheHook) {
  add_basics();
  // A change made behind the commands' back (another tool on the file).
  auto c = n().db->customers().find("demo");
  ASSERT_TRUE(c.ok());
  store::SipAccount a;
  a.owner_id = c->id;
  a.username = "1009";
  a.domain = "sipsmith.test";
  ASSERT_TRUE(n().db->accounts().add(a).ok());
  EXPECT_EQ(n().directory.find("1009", "sipsmith.test"), nullptr);
  EXPECT_EQ(ok("reload"), json({{"reloaded", true}}));
  EXPECT_NE(n().directory.find("1009", "sipsmith.test"), nullptr);

  int calls = 0;
  n().context->reload = [&]() -> Result<void> {
    ++calls;
    return make_error(Errc::bad_config, 0, "listen: bad address");
  };
  EXPECT_NE(err("reload", json::object(), "bad_config").find("listen: bad address"),
            std::string::npos);
  EXPECT_EQ(calls, 1);
}

TEST(GeneratePassword, LengthAlphabetAndSpread) {
  const std::string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::set<char> seen;
  for (int i = 0; i < 200; ++i) {
    std::string p = generate_password();
    ASSERT_EQ(p.size(), 16u);
    for (char ch : p) {
      ASSERT_NE(alphabet.find(ch), std::string::npos) << p;
      seen.insert(ch);
    }
  }
  EXPECT_EQ(seen.size(), alphabet.size());  // 3200 draws cover all 57 characters
  EXPECT_EQ(generate_password(24).size(), 24u);
}

}  // namespace
}  // namespace sip::control::testing
