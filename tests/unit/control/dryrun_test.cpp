// dialplan.test (the daemon's dry run) over a real SQLite store without a
// registrar: the stored plan runs through the one dial engine against the
// Directory and the store's unexpired bindings, legs are answered from the
// outcome table in the request, nothing is written (no CDR, no key/value
// change), the trace has dialplan-test's event names and fields, a plan only
// sees its owner's providers and accounts, and bad requests are refused with
// the field named. Also the store's read-only mode used by dialplan-test --store.
#include "control_fixture.hpp"
#include "sip/control/sim_inputs.hpp"

namespace sip::control::testing {
namespace {

using DryRun = ControlTest;

constexpr const char* kPlan = R"(
sys.Log("dry " .. req.URI.User)
sys.DBWrite("seen", "yes")
local r = sys.Dial("${dst}@itsp|1001@local", 30)
sys.Log("first: " .. r .. " " .. tostring(sys.LastFailureStatus))
)";

void add_world(ControlTest& t) {
  t.add_basics();
  t.ok("customer.add", {{"username", "other"}, {"password", "other-password"}});
  t.ok("account.add", {{"owner", "other"},
                       {"username", "2001"},
                       {"domain", "sipsmith.test"},
                       {"password", "secret-2001"}});
  t.ok("provider.add", {{"owner", "demo"}, {"name", "itsp"}, {"server", "sip:demo-itsp.example"}});
  t.ok("provider.add",
       {{"owner", "other"}, {"name", "itsp"}, {"server", "sip:other-itsp.example"}});
  t.ok("dialplan.add", {{"owner", "demo"}, {"name", "out"}, {"type", "lua"}, {"source", kPlan}});
  // A current binding of 1001 and an expired one.
  store::SipAccount a = *t.n().db->accounts().find("1001", "sipsmith.test");
  for (auto [uri, expires] : {std::pair{"sip:1001@192.0.2.10:5060", 1'700'003'600},
                              std::pair{"sip:1001@192.0.2.99:5060", 1'600'000'000}}) {
    store::Binding b;
    b.account_id = a.id;
    b.contact_key = uri;
    b.contact_uri = uri;
    b.mangled_uri = uri;
    b.transport = "udp";
    b.expires = expires;
    b.updated = b.registered = 1'699'999'000;
    ASSERT_TRUE(t.n().db->bindings().upsert(b).ok());
  }
}

json events_named(const json& events, const std::string& name) {
  json out = json::array();
  for (const auto& e : events)
    if (e["event"] == name) out.push_back(e);
  return out;
}

TEST_F(DryRun, RunsTheStoredPlanAgainstTheRealDirectoryWithSimulatedOutcomes) {
  add_world(*this);
  const json outcomes = {
      {"outcomes",
       {{{"match", "sip:*@demo-itsp.example"}, {"status", 503}, {"delay", 1}},
        {{"match", "sip:1001@192.0.2.10:5060"}, {"status", 200}, {"delay", 2}}}}};
  json events = ok("dialplan.test", {{"owner", "demo"},
                                     {"name", "out"},
                                     {"to", "sip:0871000100@sipsmith.test"},
                                     {"from", "<sip:1001@sipsmith.test>;tag=a"},
                                     {"account", "1001@sipsmith.test"},
                                     {"outcomes", outcomes},
                                     {"outcome_lines", {0, 3, 8}}});
  ASSERT_TRUE(events.is_array());
  ASSERT_GE(events.size(), 5u) << events.dump(1);
  const json& call = events.front();
  EXPECT_EQ(call["event"], "call");
  EXPECT_EQ(call["call"], "call-1");
  EXPECT_EQ(call["plan"], "out");
  EXPECT_EQ(call["plan_type"], "lua");
  EXPECT_EQ(call["account"], "1001@sipsmith.test");
  EXPECT_EQ(call["start_time"], 1'700'000'000);  // the daemon's wall clock
  const json dials = events_named(events, "dial");
  ASSERT_EQ(dials.size(), 1u);
  ASSERT_EQ(dials[0]["legs"].size(), 2u) << dials[0].dump(1);  // the expired binding is not there
  EXPECT_EQ(dials[0]["legs"][0]["request_uri"], "sip:0871000100@demo-itsp.example");
  EXPECT_EQ(dials[0]["legs"][0]["provider"], "itsp");
  EXPECT_EQ(dials[0]["legs"][1]["kind"], "binding");
  EXPECT_EQ(dials[0]["legs"][1]["request_uri"], "sip:1001@192.0.2.10:5060");
  const json responses = events_named(events, "response");
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0]["status"], 503);
  EXPECT_EQ(responses[0]["outcome_line"], 3);  // where the client read the row
  EXPECT_EQ(responses[1]["status"], 200);
  EXPECT_EQ(responses[1]["outcome_line"], 8);
  const json& fin = events.back();
  EXPECT_EQ(fin["event"], "final");
  EXPECT_EQ(fin["status"], 200);
  EXPECT_EQ(fin["kind"], "answered");
  EXPECT_EQ(fin["answered_by"], "sip:1001@192.0.2.10:5060");
  EXPECT_EQ(fin["t"], 3.0);
  EXPECT_EQ(events_named(events, "kv_write").size(), 1u);

  // Nothing was written: no key/value row, no CDR.
  const store::Customer demo = *n().db->customers().find("demo");
  auto keys = n().db->kv().keys(demo.id);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  EXPECT_EQ(ok("cdr.list", json::object()).size(), 0u);
}

TEST_F(DryRun, OwnerComesFromTheAccountOrTheOnlyPlanOfThatName) {
  add_world(*this);
  json events = ok("dialplan.test", {{"name", "out"}, {"to", "sip:5@sipsmith.test"}});
  EXPECT_EQ(events.front()["plan"], "out");
  // Unanswered: every leg gets the default 480.
  EXPECT_EQ(events.back()["status"], 480);
  ok("dialplan.add",
     {{"owner", "other"}, {"name", "OUT"}, {"type", "dialstring"}, {"source", "${dst}@itsp"}});
  EXPECT_NE(err("dialplan.test", {{"name", "out"}, {"to", "sip:5@x"}}, "invalid_argument")
                .find("give owner"),
            std::string::npos);
  events =
      ok("dialplan.test", {{"name", "out"}, {"to", "sip:5@x"}, {"account", "2001@sipsmith.test"}});
  EXPECT_EQ(events.front()["plan_type"], "dialstring");
  // other's plan dials other's provider, never demo's.
  const json dials = events_named(events, "dial");
  ASSERT_EQ(dials.size(), 1u);
  EXPECT_EQ(dials[0]["legs"][0]["request_uri"], "sip:5@other-itsp.example");
}

TEST_F(DryRun, ACustomersPlanSeesOnlyItsOwnAccountsAndProviders) {
  add_world(*this);
  ok("dialplan.add", {{"owner", "demo"},
                      {"name", "peek"},
                      {"type", "lua"},
                      {"source",
                       "sys.Log(tostring(sys.GetBindings('2001', 'sipsmith.test')))\n"
                       "sys.Log(#sys.GetSIPAccounts() .. ' ' .. #sys.Providers)"}});
  // Another customer's account cannot be the call's account.
  EXPECT_NE(err("dialplan.test",
                {{"owner", "demo"},
                 {"name", "peek"},
                 {"to", "sip:5@x"},
                 {"account", "2001@sipsmith.test"}},
                "invalid_argument")
                .find("not one of demo's"),
            std::string::npos);
  // Nor is it taken from the From of an out call.
  json events = ok("dialplan.test", {{"owner", "demo"},
                                     {"name", "peek"},
                                     {"to", "sip:5@x"},
                                     {"from", "<sip:2001@sipsmith.test>;tag=1"}});
  EXPECT_TRUE(events.front()["account"].is_null()) << events.front().dump();
  const json logs = events_named(events, "log");
  ASSERT_EQ(logs.size(), 2u) << events.dump(1);
  EXPECT_EQ(logs[0]["text"], "nil");
  EXPECT_EQ(logs[1]["text"], "1 1");
}

TEST_F(DryRun, BadRequestsNameTheField) {
  add_world(*this);
  err("dialplan.test", {{"owner", "demo"}, {"name", "out"}}, "invalid_argument");  // no "to"
  err("dialplan.test", {{"owner", "demo"}, {"name", "nope"}, {"to", "sip:1@x"}}, "not_found");
  EXPECT_NE(err("dialplan.test",
                {{"owner", "demo"},
                 {"name", "out"},
                 {"to", "sip:1@x"},
                 {"outcomes", {{"outcomes", {{{"match", "*"}, {"status", 100}}}}}}},
                "invalid_argument")
                .find("outcomes: outcomes[0].status: status must be 0"),
            std::string::npos);
  err("dialplan.test",
      {{"owner", "demo"}, {"name", "out"}, {"to", "sip:1@x"}, {"direction", "sideways"}},
      "invalid_argument");
  err("dialplan.test", {{"owner", "demo"}, {"name", "out"}, {"to", "sip:1@x"}, {"at", "noon"}},
      "invalid_argument");
  err("dialplan.test", {{"owner", "demo"}, {"name", "out"}, {"to", "sip:1@x"}, {"bogus", 1}},
      "invalid_argument");
  err("dialplan.test",
      {{"owner", "demo"}, {"name", "out"}, {"to", "sip:1@x"}, {"outcome_lines", {1, 2}}},
      "invalid_argument");  // no rows: only the default's line
  json events = ok("dialplan.test", {{"owner", "demo"},
                                     {"name", "out"},
                                     {"to", "sip:1@x"},
                                     {"at", "2024-07-01T09:30:00Z"},
                                     {"id", "mine"}});
  EXPECT_EQ(events.front()["start_time"], 1719826200);
  EXPECT_EQ(events.front()["call"], "mine");
}

TEST_F(DryRun, ALongTraceKeepsItsFinalEvent) {
  add_world(*this);
  ok("dialplan.add", {{"owner", "demo"},
                      {"name", "chatty"},
                      {"type", "lua"},
                      {"source", "for i = 1, 6000 do sys.DBWrite('k', 'v' .. i) end"}});
  json events = ok("dialplan.test", {{"owner", "demo"}, {"name", "chatty"}, {"to", "sip:1@x"}});
  ASSERT_EQ(events.size(), 5000u);
  EXPECT_EQ(events[events.size() - 2]["event"], "truncated");
  EXPECT_EQ(events.back()["event"], "final");
}

TEST_F(DryRun, AReadOnlyStoreReadsButNeverWrites) {
  add_world(*this);
  store::SqliteOptions o;
  o.path = (dir_ / "store.db").string();
  o.read_only = true;
  auto ro = store::open_sqlite(o);
  ASSERT_TRUE(ro.ok()) << ro.error().to_string();
  auto plans = (*ro)->dialplans().list(0);
  ASSERT_TRUE(plans.ok());
  EXPECT_EQ(plans->size(), 1u);
  EXPECT_TRUE((*ro)
                  ->transaction([&]() -> Result<void> {
                    auto c = (*ro)->customers().list();
                    if (!c) return c.error();
                    return {};
                  })
                  .ok());
  store::Customer c;
  c.username = "intruder";
  EXPECT_FALSE((*ro)->customers().add(c).ok());
  err("customer.get", {{"username", "intruder"}}, "not_found");
  // The writer goes on meanwhile (WAL readers do not block it).
  ok("customer.add", {{"username", "later"}, {"password", "later-password"}});

  o.path = (dir_ / "missing.db").string();
  EXPECT_FALSE(store::open_sqlite(o).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.db"));
}

}  // namespace
}  // namespace sip::control::testing
