// The differential test of the one dial engine (docs/dialling.md): the same
// dial plan, call and outcomes run (a) through dialplan-test, whose outcome
// table is generated from the peers below, and (b) through the real sipproxyd
// with SIPp processes playing those peers (providers and registered phones)
// and a SIPp caller. The final status and reason, the dialled strings, and
// every placed leg's request-URI, From and To must agree.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};

enum class Answer { Answer, Busy, Unavailable, Ring, Redirect };

// A SIPp peer and what it does with the one INVITE it may get.
struct Peer {
  Answer answer = Answer::Answer;
  std::string contact;  // Redirect: the Contact of the 302
};

struct AccountSpec {
  std::string username;
  std::string out_dialplan, in_dialplan;
  std::optional<Peer> phone;  // registered from a SIPp phone
  bool disabled = false;
};

struct ProviderSpec {
  std::string name;
  Peer peer;
  std::string from_template;
  // The provider server is unreachable and the SIPp peer is its outbound proxy.
  bool behind_proxy = false;
};

struct PlanSpec {
  std::string name;
  std::string type;  // lua, wizard, dialstring
  std::string source;
};

struct Case {
  std::vector<PlanSpec> plans;  // plans[0] is the one under test ("plan")
  std::vector<AccountSpec> accounts;
  std::vector<ProviderSpec> providers;
  bool in_call = false;  // else Out from the first account
  std::string number;    // request-URI user
  json daemon_config = json::object();
  int max_legs = 20;
};

// What one side saw.
struct Leg {
  std::string request_uri, from, to;
};
struct Seen {
  int status = 0;
  std::string reason;
  std::vector<std::string> dialled;
  std::vector<Leg> legs;  // placed legs that went on the wire
  std::vector<Leg> loopbacks;
  std::vector<Leg> wire_all;  // sipproxyd: every leg SIPp peers received
  std::string trace;          // for failure output
};

std::string strip_tag(std::string from) {
  if (auto t = from.find(";tag="); t != std::string::npos) from.erase(t);
  return from;
}

const char* scenario_for(Answer a) {
  switch (a) {
    case Answer::Answer: return "plan_uas_answer.xml";
    case Answer::Busy: return "call_uas_busy.xml";
    case Answer::Unavailable: return "call_uas_unavailable.xml";
    case Answer::Ring: return "call_uas_cancelled.xml";
    case Answer::Redirect: return "diff_uas_redirect.xml";
  }
  return "plan_uas_answer.xml";
}

json outcome_for(const Peer& p, const std::string& match) {
  json o{{"match", match}, {"delay", 0.05}};
  switch (p.answer) {
    case Answer::Answer: o["status"] = 200; break;
    case Answer::Busy:
      o["status"] = 486;
      o["reason"] = "Busy Here";
      break;
    case Answer::Unavailable:
      o["status"] = 503;
      o["reason"] = "Service Unavailable";
      break;
    case Answer::Ring: o["status"] = 0; break;
    case Answer::Redirect:
      o["status"] = 302;
      o["reason"] = "Moved Temporarily";
      o["contact"] = p.contact;
      break;
  }
  return o;
}

std::string port_match(std::uint16_t port) {
  return "regex:^sips?:[^@]*@?127\\.0\\.0\\.1:" + std::to_string(port) + "([;?].*)?$";
}

class Differential {
 public:
  explicit Differential(Case c) : c_(std::move(c)), env_(daemon_config()) {}

  json daemon_config() const {
    json cfg = c_.daemon_config;
    cfg["b2bua"]["max_legs"] = c_.max_legs;
    cfg["log"]["level"] = "debug";  // the daemon logs each Dial at debug level
    return cfg;
  }

  // Runs both and compares.
  void check() {
    start_peers();
    const Seen daemon = run_daemon();
    const Seen tool = run_tool();
    const std::string ctx = "\n--- dialplan-test trace:\n" + tool.trace + "\n--- sipproxyd log:\n" +
                            env_.daemon.stderr_text();
    EXPECT_EQ(daemon.status, tool.status) << ctx;
    EXPECT_EQ(daemon.reason, tool.reason) << ctx;
    EXPECT_EQ(daemon.dialled, tool.dialled) << ctx;
    ASSERT_EQ(daemon.legs.size(), tool.legs.size()) << ctx;
    for (const Leg& t : tool.legs) {
      bool found = false;
      for (const Leg& d : daemon.legs)
        if (d.request_uri == t.request_uri) {
          found = true;
          EXPECT_EQ(d.from, t.from) << t.request_uri << ctx;
          EXPECT_EQ(d.to, t.to) << t.request_uri << ctx;
        }
      EXPECT_TRUE(found) << "sipproxyd placed no leg to " << t.request_uri << ctx;
    }
    // A loop-back leg runs the account's own plan in the daemon: its legs
    // carry the loop-back leg's From and To.
    for (const Leg& t : tool.loopbacks) {
      bool found = false;
      for (const Leg& d : daemon.wire_all)
        if (d.from == t.from && d.to == t.to) found = true;
      EXPECT_TRUE(found) << "no wire leg with the loop-back's From/To " << t.from << " " << t.to
                         << ctx;
    }
    daemon_seen_ = daemon;
  }

  const Seen& daemon_seen() const { return daemon_seen_; }
  CallEnv& env() { return env_; }

 private:
  void start_peers() {
    for (const auto& p : c_.providers) {
      std::vector<std::pair<std::string, std::string>> keys;
      if (!p.peer.contact.empty()) keys.emplace_back("contact", p.peer.contact);
      provider_peers_[p.name] = env_.provider(scenario_for(p.peer.answer), keys);
    }
    json accounts = json::array(), providers = json::array(), plans = json::array();
    for (const auto& a : c_.accounts) {
      json r = account_record(a.username, true, "", a.out_dialplan, a.in_dialplan);
      if (a.disabled) r["disabled"] = true;
      accounts.push_back(r);
    }
    for (const auto& p : c_.providers) {
      json r = provider_record(p.name, provider_peers_[p.name]->port());
      if (p.behind_proxy) {
        r["server"] = "sip:" + p.name + ".invalid";
        r["outbound_proxy"] = "sip:127.0.0.1:" + std::to_string(provider_peers_[p.name]->port());
      }
      if (!p.from_template.empty()) r["from"] = p.from_template;
      providers.push_back(r);
    }
    for (const auto& p : c_.plans)
      plans.push_back(
          {{"owner", "demo"}, {"name", p.name}, {"type", p.type}, {"source", p.source}});
    env_.provision(accounts, providers, plans);
    for (const auto& a : c_.accounts)
      if (a.phone)
        phone_peers_[a.username] = env_.phone(
            a.username, scenario_for(a.phone->answer),
            a.phone->contact.empty()
                ? std::vector<std::pair<std::string, std::string>>{}
                : std::vector<std::pair<std::string, std::string>>{{"contact", a.phone->contact}});
  }

  Seen run_daemon() {
    Seen seen;
    std::vector<std::pair<std::string, std::string>> keys;
    if (c_.in_call) {
      keys = {{"from_user", "carol"}, {"from_host", "example.net"}};
    } else {
      keys = {{"from_user", c_.accounts.front().username}, {"from_host", kCallDomain}};
    }
    auto caller = env_.caller("diff_uac.xml", c_.number, keys);
    EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env_.daemon.stderr_text();
    const std::string final_msg = caller->logged("FINAL");
    std::istringstream line(sip_start_line(final_msg));
    std::string version;
    line >> version >> seen.status;
    std::getline(line >> std::ws, seen.reason);
    auto collect = [&](SippCall& peer) {
      const std::string invite = peer.logged("INVITE-RECEIVED");
      if (invite.empty()) {
        peer.finish(Millis(0));
        return;
      }
      EXPECT_EQ(peer.finish(kCall), 0) << peer.diagnostics();
      std::istringstream start(sip_start_line(invite));
      Leg l;
      std::string method;
      start >> method >> l.request_uri;
      l.from = strip_tag(sip_header(invite, "From"));
      l.to = strip_tag(sip_header(invite, "To"));
      seen.legs.push_back(l);
      seen.wire_all.push_back(l);
    };
    for (auto& [name, peer] : provider_peers_) collect(*peer);
    for (auto& [name, peer] : phone_peers_) collect(*peer);
    // The dialled strings of the plan under test, from the daemon's log.
    std::istringstream log(env_.daemon.stderr_text());
    const std::string marker = "demo/" + c_.plans.front().name + ": dial ";
    for (std::string l; std::getline(log, l);)
      if (auto at = l.find(marker); at != std::string::npos) {
        std::string d = l.substr(at + marker.size());
        if (auto err = d.find(" -> "); err != std::string::npos) d.erase(err);  // "-> why"
        while (!d.empty() && (d.back() == '"' || d.back() == '}' || d.back() == '\r')) d.pop_back();
        seen.dialled.push_back(d);
      }
    return seen;
  }

  Seen run_tool() {
    Seen seen;
    json env{{"owner", "demo"},
             {"dialplan_name", c_.plans.front().name},
             {"max_legs", c_.max_legs},
             {"domains", json::array({{{"name", kCallDomain}}})}};
    json accounts = json::array(), providers = json::array(), outcomes = json::array();
    for (const auto& a : c_.accounts) {
      json r{{"username", a.username}};
      if (!a.out_dialplan.empty()) r["out_dialplan"] = a.out_dialplan;
      if (!a.in_dialplan.empty()) r["in_dialplan"] = a.in_dialplan;
      if (a.disabled) r["disabled"] = true;
      if (a.phone) {
        const auto port = phone_peers_.at(a.username)->port();
        r["bindings"] = json::array({"sip:" + a.username + "@127.0.0.1:" + std::to_string(port)});
        outcomes.push_back(outcome_for(*a.phone, port_match(port)));
      }
      accounts.push_back(r);
    }
    for (const auto& p : c_.providers) {
      const auto port = provider_peers_.at(p.name)->port();
      json r{{"name", p.name},
             {"server", p.behind_proxy ? "sip:" + p.name + ".invalid"
                                       : "sip:127.0.0.1:" + std::to_string(port)},
             {"username", kProviderUser}};
      if (p.behind_proxy) r["outbound_proxy"] = "sip:127.0.0.1:" + std::to_string(port);
      if (!p.from_template.empty()) r["from"] = p.from_template;
      providers.push_back(r);
      outcomes.push_back(outcome_for(
          p.peer, p.behind_proxy ? "regex:^sip:[^@]*@" + p.name + "\\.invalid" : port_match(port)));
    }
    // The other plans: what loop-back legs run (in both drivers).
    json plans = json::array();
    for (std::size_t i = 1; i < c_.plans.size(); ++i)
      plans.push_back(
          {{"name", c_.plans[i].name}, {"type", c_.plans[i].type}, {"source", c_.plans[i].source}});
    env["dialplans"] = plans;
    env["accounts"] = accounts;
    env["providers"] = providers;
    const TempDir& dir = env_.dir;
    const PlanSpec& plan = c_.plans.front();
    const std::string ext = plan.type == "lua" ? ".lua" : plan.type == "wizard" ? ".json" : ".txt";
    write_file(dir.file("diff-plan" + ext), plan.source);
    write_file(dir.file("diff-env.json"), env.dump());
    write_file(dir.file("diff-outcomes.json"),
               json{{"outcomes", outcomes}, {"default", {{"status", 404}}}}.dump());
    json call{{"id", "c1"},
              {"direction", c_.in_call ? "in" : "out"},
              {"uri", "sip:" + c_.number + "@" + kCallDomain}};
    if (c_.in_call) {
      call["from"] = "<sip:carol@example.net>;tag=1";
    } else {
      call["from"] = "<sip:" + c_.accounts.front().username + "@" + kCallDomain + ">;tag=1";
      call["account"] = c_.accounts.front().username + "@" + kCallDomain;
    }
    write_file(dir.file("diff-calls.ndjson"), call.dump() + "\n");
    SpawnOptions o;
    o.argv = {DIALPLAN_TEST_BINARY,
              dir.file("diff-plan" + ext),
              "--type",
              plan.type,
              "--env",
              dir.file("diff-env.json"),
              "--outcomes",
              dir.file("diff-outcomes.json"),
              "--calls",
              dir.file("diff-calls.ndjson")};
    o.stdout_file = dir.file("diff-out");
    o.stderr_file = dir.file("diff-err");
    Child child(o);
    auto status = child.wait_for(Millis(20000));
    seen.trace = read_file(dir.file("diff-out")) + read_file(dir.file("diff-err"));
    EXPECT_TRUE(status.has_value()) << seen.trace;
    std::istringstream in(read_file(dir.file("diff-out")));
    std::map<std::size_t, json> dial_legs;  // of each execution's running Dial
    for (std::string l; std::getline(in, l);) {
      if (l.empty()) continue;
      const json e = json::parse(l);
      const std::string ev = e["event"];
      const std::size_t x = e.value("execution", std::size_t{0});
      if (ev == "dial") dial_legs[x] = e.value("legs", json::array());
      if (ev == "response" || ev == "cancel") {
        const json& leg = dial_legs.at(x).at(e["leg"].get<std::size_t>());
        Leg placed{leg["request_uri"], leg["from"], leg["to"]};
        (leg["kind"] == "loopback" ? seen.loopbacks : seen.legs).push_back(placed);
      }
      if (ev == "final") {
        seen.status = e["status"];
        seen.reason = e["reason"];
        for (const auto& d : e["dialled"]) seen.dialled.push_back(d);
      }
    }
    return seen;
  }

  Case c_;
  CallEnv env_;
  std::map<std::string, std::unique_ptr<SippCall>> provider_peers_, phone_peers_;
  Seen daemon_seen_;
};

AccountSpec alice(const std::string& out = "plan") {
  return AccountSpec{"alice", out, "", std::nullopt, false};
}

// ---- the simple-wizard walkthrough of SIPSorcery's documentation -----------

std::string wizard_plan() {
  return read_file(std::string(SIPSMITH_SOURCE_DIR) +
                   "/tests/integration/dialplan_test/simple_wizard/plan.json");
}

Case wizard_case(std::string number, bool in_call, Peer blueface) {
  Case c;
  c.plans = {{"plan", "wizard", wizard_plan()}};
  c.accounts = {AccountSpec{"1001", "plan", "", std::nullopt, false},
                AccountSpec{"provider1", "", "plan", std::nullopt, false},
                AccountSpec{"provider3", "", "plan", std::nullopt, false},
                AccountSpec{"mine1", "", "", Peer{Answer::Busy, {}}, false},
                AccountSpec{"mine2", "", "", Peer{Answer::Answer, {}}, false}};
  c.providers = {ProviderSpec{"blueface", blueface, "", false},
                 ProviderSpec{"faktortel", Peer{Answer::Answer, {}}, "", false},
                 ProviderSpec{"callcentric", Peer{Answer::Answer, {}},
                              "sip:17770001111@callcentric.com", false},
                 ProviderSpec{"someprovider", Peer{Answer::Answer, {}}, "", false}};
  c.number = std::move(number);
  c.in_call = in_call;
  return c;
}

TEST(DialplanDifferential, WizardSpeedDialAnswered) {
  Differential d(wizard_case("*100", false, Peer{Answer::Answer, {}}));
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
  EXPECT_EQ(d.daemon_seen().dialled, (std::vector<std::string>{"0871000100@blueface"}));
}

TEST(DialplanDifferential, WizardBusyProviderFallsThroughToTheNextMatchingRule) {
  Differential d(wizard_case("011353999", false, Peer{Answer::Busy, {}}));
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
  EXPECT_EQ(d.daemon_seen().dialled.size(), 2u);
}

TEST(DialplanDifferential, WizardNoMatchingRule) {
  Differential d(wizard_case("*999", false, Peer{Answer::Answer, {}}));
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 480);
}

TEST(DialplanDifferential, WizardInRuleRingsBothPhones) {
  Differential d(wizard_case("provider3", true, Peer{Answer::Answer, {}}));
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
  EXPECT_EQ(d.daemon_seen().legs.size(), 2u);
}

// ---- SetFromHeader and provider From templates -------------------------------

TEST(DialplanDifferential, SetFromHeaderYieldsToAProviderFromTemplate) {
  Case c;
  c.plans = {{"plan", "lua", R"(
sys.SetFromHeader("Office", "0123", "example.org")
sys.Dial("${dst}@plain;user=phone|${dst}@tmpl")
)"}};
  c.accounts = {alice()};
  c.providers = {ProviderSpec{"plain", Peer{Answer::Busy, {}}, "", false},
                 ProviderSpec{"tmpl", Peer{Answer::Answer, {}},
                              "\"Tmpl ${fromuriuser}\" <sip:tmpl-user@tmpl.example>", true}};
  c.number = "5551234";
  Differential d(c);
  d.check();
  ASSERT_EQ(d.daemon_seen().legs.size(), 2u);
  for (const auto& l : d.daemon_seen().legs) {
    if (l.request_uri.find("tmpl.invalid") != std::string::npos) {
      EXPECT_EQ(l.from, "\"Tmpl alice\" <sip:tmpl-user@tmpl.example>");
    } else {
      EXPECT_EQ(l.from, "\"Office\" <sip:0123@example.org>");
      EXPECT_NE(l.request_uri.find(";user=phone"), std::string::npos) << l.request_uri;
    }
  }
}

// ---- failover on LastFailureStatus ---------------------------------------------

constexpr const char* kFailover = R"(
local r = sys.Dial("${dst}@p1")
if r ~= "Answered" then
  sys.Log("p1 failed with " .. sys.LastFailureStatus .. " " .. sys.LastFailureReason)
  if sys.LastFailureStatus == 503 then r = sys.Dial("${dst}@p2") end
end
if r ~= "Answered" then sys.Respond(sys.LastFailureStatus, sys.LastFailureReason) end
)";

TEST(DialplanDifferential, FailoverReadsTheRealFailureStatus) {
  Case c;
  c.plans = {{"plan", "lua", kFailover}};
  c.accounts = {alice()};
  c.providers = {ProviderSpec{"p1", Peer{Answer::Unavailable, {}}, "", false},
                 ProviderSpec{"p2", Peer{Answer::Busy, {}}, "", false}};
  c.number = "5551234";
  Differential d(c);
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 486);
  EXPECT_TRUE(d.env().daemon.wait_stderr("p1 failed with 503 Service Unavailable", Millis(2000)));
}

TEST(DialplanDifferential, A503ThePlanPassesOnReachesTheCallerAs500) {
  Case c;
  c.plans = {{"plan", "lua", kFailover}};
  c.accounts = {alice()};
  c.providers = {ProviderSpec{"p1", Peer{Answer::Unavailable, {}}, "", false},
                 ProviderSpec{"p2", Peer{Answer::Unavailable, {}}, "", false}};
  c.number = "5551234";
  Differential d(c);
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 500);
}

// ---- dt= when the rest of the stage failed --------------------------------------

TEST(DialplanDifferential, DelayedLegStartsAtOnceWhenItsStageFailed) {
  Case c;
  // With the 30 s delay kept, the 10 s ring timeout would end the Dial first.
  c.plans = {{"plan", "lua", R"(sys.Dial("${dst}@p1&${dst}@p2[dt=30]", 10))"}};
  c.accounts = {alice()};
  c.providers = {ProviderSpec{"p1", Peer{Answer::Busy, {}}, "", false},
                 ProviderSpec{"p2", Peer{Answer::Answer, {}}, "", false}};
  c.number = "5551234";
  Differential d(c);
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
}

// ---- an account with its own in dial plan -----------------------------------------

TEST(DialplanDifferential, CalledAccountWithItsOwnInPlanLoopsBackIntoIt) {
  Case c;
  c.plans = {{"plan", "lua", R"(sys.Dial("carol@local&bob@local"))"},
             {"bob-in", "lua", R"(sys.Log("bob-in runs") sys.Dial("bob@local"))"}};
  c.accounts = {alice(), AccountSpec{"bob", "", "bob-in", Peer{Answer::Answer, {}}, false},
                AccountSpec{"carol", "", "", std::nullopt, true}};
  c.number = "100";
  Differential d(c);
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
  EXPECT_TRUE(d.env().daemon.wait_stderr("bob-in runs", Millis(2000)));
}

// ---- 302: manual redirect and rm=n ---------------------------------------------------

constexpr const char* kRedirect = R"(
if sys.Redirect then
  sys.Log("redirect execution for " .. sys.RedirectURI:ToString())
  sys.Dial(sys.RedirectURI.User .. "@p2")
else
  local r = sys.Dial("${dst}@p1" .. (req.URI.User == "1" and "[rm=n]" or ""))
  if r == "Redirect" then sys.Dial(sys.RedirectURI.User .. "@p2") end
end
)";

Case redirect_case(std::string number) {
  Case c;
  c.plans = {{"plan", "lua", kRedirect}};
  c.accounts = {alice()};
  c.providers = {ProviderSpec{"p1", Peer{Answer::Redirect, "sip:300@elsewhere.example"}, "", false},
                 ProviderSpec{"p2", Peer{Answer::Answer, {}}, "", false}};
  c.number = std::move(number);
  return c;
}

TEST(DialplanDifferential, RedirectWithoutRmNReturnsRedirectToThePlan) {
  Differential d(redirect_case("2"));
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
  EXPECT_EQ(d.daemon_seen().dialled, (std::vector<std::string>{"2@p1", "300@p2"}));
}

TEST(DialplanDifferential, RedirectWithRmNRunsTheRedirectExecution) {
  Differential d(redirect_case("1"));
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 200);
  EXPECT_TRUE(
      d.env().daemon.wait_stderr("redirect execution for sip:300@elsewhere.example", Millis(2000)));
}

TEST(DialplanDifferential, RedirectToADeniedPrefixIsRefusedBeforeAnyLeg) {
  Case c = redirect_case("2");
  c.providers = {
      ProviderSpec{"p1", Peer{Answer::Redirect, "sip:+19005551234@elsewhere.example"}, "", false},
      ProviderSpec{"p2", Peer{Answer::Answer, {}}, "", false}};
  Differential d(c);
  d.check();
  // The fraud guard refuses the redirect target in both: the Dial fails 403
  // and no request ever reaches p2.
  EXPECT_EQ(d.daemon_seen().status, 403);
  ASSERT_EQ(d.daemon_seen().legs.size(), 1u);
  EXPECT_NE(d.daemon_seen().legs[0].request_uri.find("sip:2@"), std::string::npos);
}

// ---- the leg limit counts over all Dials of an execution -------------------------------

TEST(DialplanDifferential, LegLimitCountsOverAllDials) {
  Case c;
  c.plans = {{"plan", "lua", R"(
sys.Dial("${dst}@p1")
local r = sys.Dial("${dst}@p2&x@p2")
sys.Respond(403, "second dial " .. r)
)"}};
  c.accounts = {alice()};
  c.providers = {ProviderSpec{"p1", Peer{Answer::Busy, {}}, "", false},
                 ProviderSpec{"p2", Peer{Answer::Answer, {}}, "", false}};
  c.number = "5551234";
  c.max_legs = 2;
  Differential d(c);
  d.check();
  EXPECT_EQ(d.daemon_seen().status, 403);
  EXPECT_EQ(d.daemon_seen().reason, "second dial Error");
}

}  // namespace
}  // namespace sipsmith::itest
