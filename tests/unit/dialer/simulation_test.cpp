// The simulated network and clock (dialer::Simulation) over the daemon's
// lookups (DirectoryHost over a Directory and a bindings source): legs are
// answered from the outcome table in simulated time, the typed trace tells
// every step, the bounds (actions, real time) stop a plan that never ends,
// a multi-tenant run sees only its owner's providers and accounts, and the
// outcome table picks rules by call, glob and regex.
#include "sip/dialer/simulation.hpp"

#include <gtest/gtest.h>

#include <optional>

#include <map>
#include <string>
#include <vector>

#include "sip/dialer/directory_host.hpp"
#include "sip/dialer/plans.hpp"

namespace {

namespace dialer = sip::dialer;
namespace trace = sip::dialer::trace;
namespace dp = sip::dialplan;
namespace store = sip::store;

constexpr std::int64_t kStart = 1719835200;  // 2024-07-01T12:00:00Z

// Two customers: demo (1) with provider "p1" and accounts 1001 (one
// binding) and 1002; other (2) with provider "p1" too and account 2001.
struct World {
  World() {
    store::Binding b;
    b.account_id = 1;
    b.contact_uri = "sip:1001@192.0.2.10:5060";
    b.mangled_uri = b.contact_uri;
    b.expires = kStart + 3600;
    bindings[1] = {b};
  }

  static sip::directory::Directory make_directory() {
    sip::directory::Directory directory;
    store::Domain d;
    d.id = 1;
    d.name = "sipsmith.test";
    directory.set_domains({d}, "sipsmith.test");
    store::Customer demo, other;
    demo.id = 1;
    demo.username = "demo";
    demo.time_zone = "Europe/Dublin";
    other.id = 2;
    other.username = "other";
    directory.set_customers({demo, other});
    std::vector<store::SipAccount> accounts;
    for (auto [id, owner, user] : {std::tuple{1, 1, "1001"}, {2, 1, "1002"}, {3, 2, "2001"}}) {
      store::SipAccount a;
      a.id = id;
      a.owner_id = owner;
      a.username = user;
      a.domain = "sipsmith.test";
      accounts.push_back(a);
    }
    directory.set_accounts(accounts);
    std::vector<store::Provider> providers;
    for (auto [id, owner, server] :
         {std::tuple{1, 1, "sip:demo-itsp.example"}, {2, 2, "sip:other-itsp.example"}}) {
      store::Provider p;
      p.id = id;
      p.owner_id = owner;
      p.name = "p1";
      p.server = server;
      p.username = "u" + std::to_string(id);
      providers.push_back(p);
    }
    directory.set_providers(providers);
    return directory;
  }

  dialer::SimulationSetup setup() {
    dialer::SimulationSetup s;
    s.owner = "demo";
    s.owner_id = 1;
    s.time_zone = "Europe/Dublin";
    s.start_time = kStart;
    s.providers = host.provider_views(1);
    return s;
  }

  sip::directory::Directory directory = make_directory();
  std::map<store::Id, std::vector<store::Binding>> bindings;
  dialer::DirectoryHost host{directory.snapshot(), [this](store::Id id) {
                               auto it = bindings.find(id);
                               return it == bindings.end() ? std::vector<store::Binding>{}
                                                           : it->second;
                             }};
};

dialer::OutcomeRule rule(const std::string& match, int status, double delay,
                         const std::string& call = {}) {
  dialer::OutcomeRule r;
  r.match = match;
  r.re = dialer::compile_match(match);
  r.status = status;
  r.delay = delay;
  r.call = call;
  return r;
}

std::shared_ptr<const dp::CompiledPlan> plan(const std::string& type, const std::string& source) {
  auto r = dialer::compile_plan(type, "plan", source);
  EXPECT_TRUE(r.ok()) << r.error.message;
  return r.plan;
}

dialer::SimulatedCall out_call(const std::string& uri) {
  dialer::SimulatedCall c;
  c.uri = uri;
  c.from = "<sip:1001@sipsmith.test>;tag=1";
  c.account = "1001@sipsmith.test";
  return c;
}

template <class T>
std::vector<T> of(const std::vector<trace::Event>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const auto* t = std::get_if<T>(&e.body)) out.push_back(*t);
  return out;
}

TEST(Simulation, AnswersLegsFromTheOutcomeTableInSimulatedTime) {
  World w;
  dialer::OutcomeTable table;
  table.rules = {rule("sip:*@demo-itsp.example", 486, 1.5), rule("1001@sipsmith.test", 200, 2)};
  std::vector<trace::Event> events;
  dialer::Simulation sim(w.setup(), w.host, table, plan("dialstring", "${dst}@p1|1001@local"),
                         [&](trace::Event e) { events.push_back(std::move(e)); });
  const auto report = sim.run(out_call("sip:0871000100@sipsmith.test"));
  EXPECT_EQ(report.status, 200);
  EXPECT_EQ(report.kind, "answered");
  EXPECT_EQ(report.answered_uri, "sip:1001@192.0.2.10:5060");
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(std::holds_alternative<trace::CallStart>(events.front().body));
  const auto& start = std::get<trace::CallStart>(events.front().body);
  EXPECT_EQ(start.account, "1001@sipsmith.test");
  EXPECT_EQ(start.time_zone, "Europe/Dublin");
  EXPECT_EQ(start.tz_offset_minutes, 60);  // IST in July
  const auto dials = of<trace::Dial>(events);
  ASSERT_EQ(dials.size(), 1u);
  ASSERT_TRUE(dials[0].legs.has_value());
  ASSERT_EQ(dials[0].legs->size(), 2u);
  EXPECT_EQ((*dials[0].legs)[0].request_uri, "sip:0871000100@demo-itsp.example");
  EXPECT_EQ((*dials[0].legs)[0].provider, "p1");
  EXPECT_EQ((*dials[0].legs)[1].kind, sip::routing::LegKind::Binding);
  const auto responses = of<trace::Response>(events);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 486);
  EXPECT_EQ(responses[0].outcome_line, 0);
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_DOUBLE_EQ(responses[1].started, 1.5);  // stage 2 starts when stage 1 failed
  ASSERT_TRUE(std::holds_alternative<trace::Final>(events.back().body));
  EXPECT_DOUBLE_EQ(events.back().t, 3.5);  // seconds since the call started
  EXPECT_EQ(start.start_time, kStart);
  EXPECT_EQ(std::get<trace::Final>(events.back().body).answered_by, "sip:1001@192.0.2.10:5060");
  for (const auto& e : events) EXPECT_EQ(e.call, "call-1");
}

TEST(Simulation, RingTimeoutCancelsLegsThatNeverAnswer) {
  World w;
  dialer::OutcomeTable table;
  table.rules = {rule("*", 0, 0)};
  std::vector<trace::Event> events;
  dialer::Simulation sim(w.setup(), w.host, table,
                         plan("lua", "local r = sys.Dial('${dst}@p1', 7)\nsys.Log(r)"),
                         [&](trace::Event e) { events.push_back(std::move(e)); });
  const auto report = sim.run(out_call("sip:5@sipsmith.test"));
  EXPECT_EQ(report.kind, "unanswered");
  EXPECT_EQ(report.status, 480);
  ASSERT_EQ(of<trace::Cancel>(events).size(), 1u);
  const auto results = of<trace::DialResult>(events);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, dp::DialOutcome::TimedOut);
  EXPECT_EQ(report.logs, std::vector<std::string>{"TimedOut"});
  EXPECT_DOUBLE_EQ(events.back().t, 7);
}

TEST(Simulation, ActionCapEndsAPlanThatNeverStops) {
  World w;
  auto s = w.setup();
  s.max_actions = 50;
  dialer::OutcomeTable table;
  dialer::Simulation sim(s, w.host, table, plan("lua", "while true do sys.Log('x') end"), nullptr);
  const auto report = sim.run(out_call("sip:5@sipsmith.test"));
  EXPECT_EQ(report.kind, "script_error");
  EXPECT_EQ(report.status, 500);
  EXPECT_LE(report.logs.size(), 50u);
}

TEST(Simulation, RealTimeBudgetStopsASlowPlan) {
  World w;
  auto s = w.setup();
  s.wall_budget = std::chrono::milliseconds(1);
  s.label = "dry run";
  dialer::OutcomeTable table;
  // Millions of instructions between two simulated events: instant in
  // simulated time, far more than 1 ms of real work.
  dialer::Simulation sim(s, w.host, table,
                         plan("lua",
                              "sys.Wait(1)\nlocal x = 0\nfor i = 1, 3000000 do x = x + i end\n"
                              "sys.Wait(1)\nsys.Log('late')"),
                         nullptr);
  const auto report = sim.run(out_call("sip:5@sipsmith.test"));
  EXPECT_EQ(report.kind, "client_cancelled");  // stopped, as a caller hanging up would
  ASSERT_EQ(report.logs.size(), 1u);
  EXPECT_EQ(report.logs[0].rfind("dry run: the simulation took more than 1 ms", 0), 0u)
      << report.logs[0];
}

TEST(Simulation, AMultiTenantRunSeesOnlyItsOwnersProvidersAndAccounts) {
  World w;
  auto s = w.setup();
  s.own_accounts_only = true;
  dialer::OutcomeTable table;
  table.fallback.status = 404;
  std::vector<trace::Event> events;
  dialer::Simulation sim(s, w.host, table,
                         plan("lua",
                              "sys.Log(tostring(sys.GetBindings('2001', 'sipsmith.test')))\n"
                              "sys.Log(#sys.GetSIPAccounts())\n"
                              "sys.Dial('${dst}@p1')"),
                         [&](trace::Event e) { events.push_back(std::move(e)); });
  dialer::SimulatedCall c = out_call("sip:77@sipsmith.test");
  c.account = "2001@sipsmith.test";  // another customer's account
  const auto report = sim.run(c);
  const auto start = of<trace::CallStart>(events);
  ASSERT_EQ(start.size(), 1u);
  EXPECT_FALSE(start[0].account.has_value());
  ASSERT_EQ(report.logs.size(), 2u) << (report.logs.empty() ? "" : report.logs[0]);
  EXPECT_EQ(report.logs[0], "nil");
  EXPECT_EQ(report.logs[1], "2");
  const auto dials = of<trace::Dial>(events);
  ASSERT_EQ(dials.size(), 1u);
  ASSERT_TRUE(dials[0].legs.has_value());
  ASSERT_EQ(dials[0].legs->size(), 1u);
  EXPECT_EQ((*dials[0].legs)[0].request_uri, "sip:77@demo-itsp.example");
  ASSERT_EQ(s.providers.size(), 1u);
  EXPECT_EQ(s.providers[0].server, "sip:demo-itsp.example");
}

TEST(Simulation, KeyValueStoreLivesInMemoryForTheSimulation) {
  World w;
  dialer::OutcomeTable table;
  std::vector<trace::Event> events;
  dialer::Simulation sim(w.setup(), w.host, table,
                         plan("lua",
                              "sys.Log(tostring(sys.DBRead('k')))\n"
                              "sys.DBWrite('k', req.URI.User)"),
                         [&](trace::Event e) { events.push_back(std::move(e)); });
  auto report = sim.run(out_call("sip:first@sipsmith.test"));
  EXPECT_EQ(report.logs, std::vector<std::string>{"nil"});
  report = sim.run(out_call("sip:second@sipsmith.test"));
  EXPECT_EQ(report.logs, std::vector<std::string>{"first"});  // the first call's write
  EXPECT_EQ(of<trace::KvWrite>(events).size(), 2u);
  EXPECT_EQ(of<trace::KvRead>(events).size(), 2u);

  World fresh;  // another Simulation starts empty
  dialer::Simulation other(fresh.setup(), fresh.host, table,
                           plan("lua", "sys.Log(tostring(sys.DBRead('k')))"), nullptr);
  EXPECT_EQ(other.run(out_call("sip:x@sipsmith.test")).logs, std::vector<std::string>{"nil"});
}

TEST(OutcomeTable, FirstMatchingRuleForTheCallWins) {
  dialer::OutcomeTable table;
  table.rules = {rule("sip:1@*", 486, 0, "c2"), rule("regex:^sip:1@", 503, 0),
                 rule("sip:?@x", 200, 0)};
  EXPECT_EQ(table.find("c1", {"sip:1@x"}).status, 503);
  EXPECT_EQ(table.find("c2", {"sip:1@x"}).status, 486);
  EXPECT_EQ(table.find("c1", {"sip:2@x"}).status, 200);
  EXPECT_EQ(table.find("c1", {"sip:22@x"}).status, 480);  // the fallback
  EXPECT_EQ(table.find("c1", {"", "sip:2@x"}).status, 200);
  EXPECT_THROW(dialer::compile_match("regex:("), std::invalid_argument);
}

}  // namespace

namespace {

TEST(SimulationDefaults, AnOutCallFromAnAccountComesFromItsAddress) {
  sip::dialer::SimulatedCall c;
  c.account = "alice@sipsmith.test";
  EXPECT_EQ(sip::dialer::default_from(c), "<sip:alice@sipsmith.test>");
  c.direction = sip::dialplan::Direction::In;
  EXPECT_EQ(sip::dialer::default_from(c), "sip:thisis@anonymous.invalid");
  c.direction = sip::dialplan::Direction::Out;
  c.account.clear();
  EXPECT_EQ(sip::dialer::default_from(c), "sip:thisis@anonymous.invalid");
}

}  // namespace

// ---- loop-backs: an account with its own in dial plan ------------------------

// World's directory plus in dial plans: 1002's "ring-1001" rings 1001; the
// two accounts 3001 and 3002 of demo loop into each other's plans.
struct LoopWorld : World {
  LoopWorld() {
    auto with_plan = [&](store::Id id, const std::string& user, const std::string& in) {
      store::SipAccount a;
      a.id = id;
      a.owner_id = 1;
      a.username = user;
      a.domain = "sipsmith.test";
      a.in_dialplan = in;
      return a;
    };
    sip::directory::Directory::Edit e(directory);
    e.upsert_account(with_plan(2, "1002", "ring-1001"));
    e.upsert_account(with_plan(4, "3001", "to-3002"));
    e.upsert_account(with_plan(5, "3002", "to-3001"));
    std::vector<store::DialPlan> plans;
    for (auto [id, name, source] : {std::tuple{1, "ring-1001", "1001@local"},
                                    {2, "to-3002", "3002@local"}, {3, "to-3001", "3001@local"}}) {
      store::DialPlan p;
      p.id = id;
      p.owner_id = 1;
      p.name = name;
      p.type = "dialstring";
      p.source = source;
      plans.push_back(p);
    }
    e.set_dialplans(plans);
    e.commit();
    // Over the version with these changes (a DirectoryHost keeps the one it
    // is given).
    loop_host.emplace(directory.snapshot(), [this](store::Id id) {
      auto it = bindings.find(id);
      return it == bindings.end() ? std::vector<store::Binding>{} : it->second;
    });
  }
  std::optional<dialer::DirectoryHost> loop_host;
};

TEST(Simulation, ALoopBackLegRunsTheAccountsInPlanAndEndsWithIt) {
  LoopWorld w;
  dialer::OutcomeTable table;
  table.rules = {rule("sip:1001@*", 200, 2)};
  std::vector<trace::Event> events;
  dialer::Simulation sim(w.setup(), *w.loop_host, table, plan("dialstring", "1002@local"),
                         [&](trace::Event e) { events.push_back(std::move(e)); });
  const auto report = sim.run(out_call("sip:9@sipsmith.test"));
  EXPECT_EQ(report.status, 200);
  EXPECT_EQ(report.answered_uri, "sip:1001@192.0.2.10:5060");  // the leg that answered
  EXPECT_EQ(report.dialled, (std::vector<std::string>{"1002@local"}));  // the plan under test's
  const auto loops = of<trace::Loopback>(events);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].account, "1002@sipsmith.test");
  EXPECT_EQ(loops[0].plan, "ring-1001");
  EXPECT_EQ(loops[0].child, 1u);
  // The child's Dial and response carry its execution number; the loop-back
  // leg's own response (200, when the child answered) is the parent's.
  std::vector<std::pair<std::size_t, int>> responses;
  for (const auto& e : events)
    if (const auto* r = std::get_if<trace::Response>(&e.body))
      responses.emplace_back(e.execution, r->status);
  EXPECT_EQ(responses, (std::vector<std::pair<std::size_t, int>>{{1, 200}, {0, 200}}));
  for (const auto& e : events) {
    if (const auto* d = std::get_if<trace::Dial>(&e.body)) {
      EXPECT_EQ(e.execution, d->substituted == "1001@local" ? 1u : 0u) << d->substituted;
    }
  }
}

TEST(Simulation, LoopBacksNestAtMostFourDeep) {
  LoopWorld w;
  dialer::OutcomeTable table;
  std::vector<trace::Event> events;
  dialer::Simulation sim(w.setup(), *w.loop_host, table, plan("dialstring", "3001@local"),
                         [&](trace::Event e) { events.push_back(std::move(e)); });
  const auto report = sim.run(out_call("sip:9@sipsmith.test"));
  EXPECT_EQ(report.status, 482);
  EXPECT_EQ(report.reason, "Loop Detected");
  EXPECT_EQ(of<trace::Loopback>(events).size(), 4u);  // 3001, 3002, 3001, 3002; the fifth fails
}

TEST(Simulation, ALoopBackWhoseAccountHasNoSuchPlanFailsThatLeg) {
  LoopWorld w;
  sip::directory::Directory::Edit e(w.directory);
  e.set_dialplans({});
  e.commit();
  dialer::DirectoryHost host{w.directory.snapshot(), {}};
  dialer::OutcomeTable table;
  dialer::Simulation sim(w.setup(), host, table, plan("dialstring", "1002@local"), nullptr);
  const auto report = sim.run(out_call("sip:9@sipsmith.test"));
  EXPECT_EQ(report.status, 500);
  EXPECT_EQ(report.reason, "Could not load dialplan ring-1001");
}
