// provider.*, dialplan.* (validate on save with line:column), cdr.list, the
// Directory kept in step (customers too) and export/import of providers and
// dial plans, over a real SQLite store.
#include "control_fixture.hpp"
#include "sip/control/cdr_json.hpp"

namespace sip::control::testing {
namespace {

using PlanCommands = ControlTest;

json provider_params() {
  return {{"owner", "demo"},
          {"name", "ITSP"},
          {"server", "sip.example.net:5080"},
          {"username", "joe"},
          {"password", "provider-secret"},
          {"register_enabled", true},
          {"register_expiry", 600},
          {"from", "\"Joe\" <sip:joe@example.net>"},
          {"custom_headers", "X-A: 1"}};
}

TEST_F(PlanCommands, ProviderRoundTripNeverShowsThePassword) {
  add_basics();
  json p = ok("provider.add", provider_params());
  EXPECT_EQ(p["name"], "ITSP");
  EXPECT_EQ(p["owner"], "demo");
  EXPECT_EQ(p["server"], "sip:sip.example.net:5080");
  EXPECT_EQ(p["password_set"], true);
  EXPECT_EQ(p["from"], "\"Joe\" <sip:joe@example.net>");
  EXPECT_EQ(p["register_expiry"], 600);
  EXPECT_FALSE(p.contains("password"));
  EXPECT_EQ(p.dump().find("provider-secret"), std::string::npos);

  json listed = ok("provider.list", {{"owner", "demo"}});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed.dump().find("provider-secret"), std::string::npos);
  json got = ok("provider.get", {{"owner", "demo"}, {"name", "itsp"}});
  EXPECT_EQ(got["id"], p["id"]);
  EXPECT_EQ(got.dump().find("provider-secret"), std::string::npos);

  // The Directory follows.
  const auto owner = n().directory.find_customer("demo");
  ASSERT_NE(owner, nullptr);
  // Directory pointers die with the next mutating call: keep the id.
  const store::Id owner_id = owner->id;
  const auto* cached = n().directory.find_provider(owner_id, "itsp");
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(cached->password, "provider-secret");

  json upd = ok("provider.update",
                {{"owner", "demo"}, {"name", "itsp"}, {"new_name", "Main"}, {"password", ""}});
  EXPECT_EQ(upd["name"], "Main");
  EXPECT_EQ(upd["password_set"], false);
  EXPECT_EQ(upd["username"], "joe");  // untouched fields stay
  EXPECT_EQ(n().directory.find_provider(owner_id, "itsp"), nullptr);
  EXPECT_NE(n().directory.find_provider(owner_id, "main"), nullptr);

  json again = provider_params();
  again["name"] = "MAIN";
  err("provider.add", again, "conflict");
  again["name"] = "has.dot";
  EXPECT_NE(err("provider.add", again, "invalid_argument").find("name"), std::string::npos);
  again["name"] = "x";
  again["server"] = "tel:+1555";
  EXPECT_NE(err("provider.add", again, "invalid_argument").find("server"), std::string::npos);
  again["server"] = "sip.example.net";
  again["register_expiry"] = 30;
  EXPECT_NE(err("provider.add", again, "invalid_argument").find("register_expiry"),
            std::string::npos);
  again.erase("register_expiry");
  again["owner"] = "nobody";
  err("provider.add", again, "not_found");
  err("provider.get", {{"owner", "demo"}, {"name", "itsp"}}, "not_found");

  EXPECT_EQ(ok("provider.remove", {{"owner", "demo"}, {"name", "main"}})["removed"], true);
  EXPECT_EQ(n().directory.find_provider(owner_id, "main"), nullptr);
  EXPECT_EQ(ok("provider.list").size(), 0u);
  err("provider.remove", {{"owner", "demo"}, {"name", "main"}}, "not_found");
}

TEST_F(PlanCommands, DialPlansAreCompiledOnSave) {
  add_basics();
  json d = ok("dialplan.add", {{"owner", "demo"},
                               {"name", "Out.Main"},
                               {"type", "lua"},
                               {"source", "sys.Log('hello')\nsys.Dial('123@itsp')\n"},
                               {"description", "outgoing"}});
  EXPECT_EQ(d["name"], "Out.Main");
  EXPECT_EQ(d["type"], "lua");
  EXPECT_EQ(d["source"], "sys.Log('hello')\nsys.Dial('123@itsp')\n");
  EXPECT_GT(d["updated"].get<std::int64_t>(), 0);
  const auto* owner = n().directory.find_customer("demo");
  ASSERT_NE(owner, nullptr);
  // Directory pointers die with the next mutating call: keep the id.
  const store::Id owner_id = owner->id;
  ASSERT_NE(n().directory.find_dialplan(owner_id, "out.main"), nullptr);

  // A Lua syntax error names its line; nothing is stored.
  std::string msg = err("dialplan.add",
                        {{"owner", "demo"},
                         {"name", "broken"},
                         {"type", "lua"},
                         {"source", "sys.Log('a')\nsys.Log('b')\nif then\n"}},
                        "invalid_argument");
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  err("dialplan.get", {{"owner", "demo"}, {"name", "broken"}}, "not_found");

  // Wizard JSON diagnostics carry line and column.
  msg = err("dialplan.add",
            {{"owner", "demo"},
             {"name", "wiz"},
             {"type", "wizard"},
             {"source", "{\n  \"rules\": [\n    {\"direction\": \"out\",}\n  ]\n}"}},
            "invalid_argument");
  EXPECT_NE(msg.find("line 3:"), std::string::npos) << msg;
  ok("dialplan.add", {{"owner", "demo"},
                      {"name", "wiz"},
                      {"type", "wizard"},
                      {"source", R"({"rules": [{"direction": "out", "pattern_type": "prefix",
                                      "pattern": "1", "command": "dial",
                                      "destination": "sip:music@iptel.org"}]})"}});

  // Dial strings: offsets become line:column.
  msg =
      err("dialplan.add",
          {{"owner", "demo"}, {"name", "ds"}, {"type", "dialstring"}, {"source", "123@itsp[dt=5"}},
          "invalid_argument");
  EXPECT_NE(msg.find("line 1:"), std::string::npos) << msg;
  ok("dialplan.add",
     {{"owner", "demo"}, {"name", "ds"}, {"type", "dialstring"}, {"source", "123@itsp[dt=5]"}});

  err("dialplan.add", {{"owner", "demo"}, {"name", "x"}, {"type", "python"}, {"source", ""}},
      "invalid_argument");
  err("dialplan.add", {{"owner", "demo"}, {"name", "nosource"}, {"type", "lua"}},
      "invalid_argument");
  err("dialplan.add", {{"owner", "demo"}, {"name", "OUT.MAIN"}, {"type", "lua"}, {"source", ""}},
      "conflict");

  // An update that does not compile keeps the stored plan.
  msg = err("dialplan.update", {{"owner", "demo"}, {"name", "out.main"}, {"source", "x = = 1"}},
            "invalid_argument");
  EXPECT_NE(msg.find("line 1"), std::string::npos) << msg;
  EXPECT_EQ(ok("dialplan.get", {{"owner", "demo"}, {"name", "out.main"}})["source"],
            "sys.Log('hello')\nsys.Dial('123@itsp')\n");
  json upd =
      ok("dialplan.update", {{"owner", "demo"}, {"name", "out.main"}, {"source", "sys.Log('v2')"}});
  EXPECT_EQ(upd["source"], "sys.Log('v2')");
  EXPECT_GT(upd["updated"].get<std::int64_t>(), d["updated"].get<std::int64_t>());
  EXPECT_EQ(n().directory.find_dialplan(owner_id, "out.main")->source, "sys.Log('v2')");

  json listed = ok("dialplan.list", {{"owner", "demo"}});
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_FALSE(listed[0].contains("source"));
  EXPECT_TRUE(listed[0].contains("source_bytes"));

  ok("dialplan.remove", {{"owner", "demo"}, {"name", "OUT.MAIN"}});
  EXPECT_EQ(n().directory.find_dialplan(owner_id, "out.main"), nullptr);
  EXPECT_EQ(ok("dialplan.list").size(), 2u);
}

TEST_F(PlanCommands, AccountsNameTheirDialPlans) {
  add_basics();
  json a = ok("account.update", {{"username", "1001"},
                                 {"domain", "sipsmith.test"},
                                 {"out_dialplan", "out.main"},
                                 {"in_dialplan", "in"}});
  EXPECT_EQ(a["out_dialplan"], "out.main");
  EXPECT_EQ(a["in_dialplan"], "in");
}

TEST_F(PlanCommands, CustomersAreInTheDirectoryAndTakeTheirPlansAlong) {
  add_basics();
  ok("customer.add", {{"username", "other"}, {"password", "other-password"}});
  ASSERT_NE(n().directory.find_customer("other"), nullptr);
  ok("customer.update", {{"username", "other"}, {"time_zone", "Europe/Dublin"}});
  EXPECT_EQ(n().directory.find_customer("other")->time_zone, "Europe/Dublin");
  ok("provider.add", {{"owner", "other"}, {"name", "p"}, {"server", "sip.example.net"}});
  ok("dialplan.add", {{"owner", "other"}, {"name", "d"}, {"type", "lua"}, {"source", ""}});
  const store::Id id = n().directory.find_customer("other")->id;
  ok("customer.remove", {{"username", "other"}});
  EXPECT_EQ(n().directory.find_customer("other"), nullptr);
  EXPECT_EQ(n().directory.find_provider(id, "p"), nullptr);
  EXPECT_EQ(n().directory.find_dialplan(id, "d"), nullptr);
  EXPECT_EQ(ok("provider.list").size(), 0u);
  EXPECT_EQ(ok("dialplan.list").size(), 0u);
}

TEST_F(PlanCommands, CdrListFilters) {
  add_basics();
  const store::Id demo = n().directory.find_customer("demo")->id;
  auto put = [&](const char* id, store::Id owner, std::int64_t created, const char* call) {
    store::Cdr c;
    c.id = id;
    c.owner_id = owner;
    c.created = created;
    c.call_id = call;
    c.bridge_id = std::string("b-") + call;
    c.direction = "in";
    ASSERT_TRUE(n().db->cdrs().upsert(c).ok());
  };
  put("c1", demo, 1000, "x");
  put("c2", demo, 2000, "y");
  put("c3", 0, 3000, "x");
  json all = ok("cdr.list");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["id"], "c3");
  EXPECT_EQ(all[2]["owner"], "demo");
  EXPECT_EQ(all[2]["direction"], "in");
  EXPECT_EQ(ok("cdr.list", {{"owner", "demo"}}).size(), 2u);
  EXPECT_EQ(ok("cdr.list", {{"call_id", "x"}}).size(), 2u);
  EXPECT_EQ(ok("cdr.list", {{"bridge_id", "b-y"}})[0]["id"], "c2");
  EXPECT_EQ(ok("cdr.list", {{"since", 2000}, {"until", 3000}})[0]["id"], "c2");
  EXPECT_EQ(ok("cdr.list", {{"limit", 1}})[0]["id"], "c3");
  err("cdr.list", {{"limit", 0}}, "invalid_argument");
  err("cdr.list", {{"since", -1}}, "invalid_argument");
  err("cdr.list", {{"owner", "nobody"}}, "not_found");
  err("cdr.list", {{"bogus", 1}}, "invalid_argument");
  err("cdr.list", {{"order", "sideways"}}, "invalid_argument");
  err("cdr.list", {{"direction", "up"}}, "invalid_argument");
}

// The filters, orders and keyset paging cdr-query sends (control/cdr_json),
// and the round trip of a query through its params.
TEST_F(PlanCommands, CdrListQueryParamsRoundTrip) {
  add_basics();
  for (int i = 1; i <= 5; ++i) {
    store::Cdr c;
    c.id = "r" + std::to_string(i);
    c.created = 1000 * i;
    c.direction = i % 2 == 0 ? "out" : "in";
    c.account = i <= 2 ? "alice@sipsmith.test" : "voip1";
    c.answer_status = i == 3 ? 486 : 200;
    c.answered_at = i == 3 ? 0 : c.created + 10;
    c.hungup_at = c.created + 5000;
    c.talk_duration = i;
    ASSERT_TRUE(n().db->cdrs().upsert(c).ok());
  }
  store::CdrQuery q;
  q.order = store::CdrOrder::FinalSeq;
  q.status_min = 200;
  q.status_max = 299;
  q.min_talk = 2;
  q.limit = 2;
  std::string owner;
  const json params = control::cdr_query_params(q, "");
  const store::CdrQuery back = control::cdr_query_from_params(params, owner);
  EXPECT_EQ(back.order, store::CdrOrder::FinalSeq);
  EXPECT_EQ(back.status_max, 299);
  EXPECT_EQ(back.min_talk, 2);
  json page = ok("cdr.list", params);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]["id"], "r2");
  EXPECT_EQ(page[1]["id"], "r4");
  q.after_seq = page[1]["final_seq"].get<std::int64_t>();
  page = ok("cdr.list", control::cdr_query_params(q, ""));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]["id"], "r5");
  EXPECT_EQ(control::cdr_from_json(page[0]).talk_duration, 5);
  EXPECT_GT(page[0]["inserted"].get<std::int64_t>(), 0);
  EXPECT_EQ(ok("cdr.list", {{"account", "voip1"}, {"direction", "out"}}).size(), 1u);
  EXPECT_EQ(
      ok("cdr.list",
         {{"order", "oldest"}, {"after_created", 2000}, {"after_id", "r2"}, {"limit", 1}})[0]["id"],
      "r3");
}

TEST_F(PlanCommands, ExportImportCarriesProvidersAndDialPlans) {
  add_basics();
  ok("provider.add", provider_params());
  ok("dialplan.add",
     {{"owner", "demo"}, {"name", "out"}, {"type", "lua"}, {"source", "sys.Log('x')"}});
  json doc = ok("export");
  ASSERT_EQ(doc["providers"].size(), 1u);
  EXPECT_EQ(doc["providers"][0]["password"], "provider-secret");  // export only
  EXPECT_EQ(doc["providers"][0]["from"], "\"Joe\" <sip:joe@example.net>");
  ASSERT_EQ(doc["dialplans"].size(), 1u);
  EXPECT_EQ(doc["dialplans"][0]["source"], "sys.Log('x')");

  auto other = fresh_node("other.db");
  json counts = other->ok("import", {{"document", doc}});
  EXPECT_EQ(counts["providers"], 1);
  EXPECT_EQ(counts["dialplans"], 1);
  json p = other->ok("provider.get", {{"owner", "demo"}, {"name", "itsp"}});
  EXPECT_EQ(p["password_set"], true);
  EXPECT_EQ(p["register_expiry"], 600);
  const auto* owner = other->directory.find_customer("demo");
  ASSERT_NE(owner, nullptr);
  // Directory pointers die with the next mutating call: keep the id.
  const store::Id owner_id = owner->id;
  EXPECT_NE(other->directory.find_dialplan(owner_id, "out"), nullptr);
  EXPECT_EQ(other->directory.find_provider(owner_id, "itsp")->password, "provider-secret");

  // A plan that does not compile fails the whole import, naming the record.
  json bad = doc;
  bad["dialplans"].push_back(
      {{"owner", "demo"}, {"name", "bad"}, {"type", "lua"}, {"source", "\n\nend end"}});
  bad["providers"][0]["username"] = "changed";
  std::string msg = other->err("import", {{"document", bad}}, "invalid_argument");
  EXPECT_NE(msg.find("dialplans[1]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  EXPECT_EQ(other->ok("provider.get", {{"owner", "demo"}, {"name", "itsp"}})["username"], "joe");

  // dry_run counts only; replace removes what is absent.
  json none = doc;
  none["providers"] = json::array();
  none["dialplans"] = json::array();
  other->ok("import", {{"document", none}, {"replace", true}, {"dry_run", true}});
  EXPECT_EQ(other->ok("provider.list").size(), 1u);
  other->ok("import", {{"document", none}, {"replace", true}});
  EXPECT_EQ(other->ok("provider.list").size(), 0u);
  EXPECT_EQ(other->ok("dialplan.list").size(), 0u);
  EXPECT_EQ(other->directory.find_dialplan(owner_id, "out"), nullptr);

  json dup = doc;
  dup["providers"].push_back(doc["providers"][0]);
  dup["providers"][1]["name"] = "ITSP";
  other->err("import", {{"document", dup}}, "conflict");
}

}  // namespace
}  // namespace sip::control::testing
