// sipproxyd's provider registrations (docs/provider-registrations.md) against
// SIPp playing the providers' registrars (scenarios sipproxyd/scenarios/
// preg_*.xml): digest, refresh before a short granted expiry, 423
// Min-Expires, 403 disabling, growing gaps against an unreachable
// provider, an edit unregistering the old contact before the new one
// registers, removal unregistering, REGISTER through the outbound proxy, a
// call to the provider through the registration's TCP connection, and an
// INVITE from the provider to the register contact reaching the account
// through a wizard "to_match: provider" rule. Waits on SIPp's exit and on
// provider.status answers (bounded polling), never on fixed sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Millis kRun{20000};

// The provider "voip1" of customer demo at the SIPp registrar on `port`.
json registered_provider(std::uint16_t port, const std::string& server_suffix = "") {
  json p = provider_record("voip1", port);
  p["server"] = p["server"].get<std::string>() + server_suffix;
  p["register_enabled"] = true;
  return p;
}

json status_of(CallEnv& env, const std::string& name = "voip1") {
  json rows = env.daemon.control().call("provider.status", {{"owner", "demo"}, {"name", name}});
  return rows.empty() ? json::object() : rows[0];
}

// Polls provider.status every 20 ms until `pred` holds (bounded by `limit`).
json wait_status(CallEnv& env, const std::function<bool(const json&)>& pred,
                 Millis limit = Millis(15000), const std::string& name = "voip1") {
  const auto deadline = Clock::now() + limit;
  json s = status_of(env, name);
  while (!pred(s) && Clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(20));
    s = status_of(env, name);
  }
  return s;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string sipctl_out(CallEnv& env, std::vector<std::string> args) {
  std::vector<std::string> argv = {sipctl_binary(), "--socket", env.daemon.control_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions o;
  o.argv = std::move(argv);
  o.stdout_file = env.dir.file("sipctl.out");
  o.stderr_file = env.dir.file("sipctl.err");
  {
    Child child(o);
    auto status = child.wait_for(Millis(10000));
    if (!status) child.stop();
  }
  return read_file(o.stdout_file) + read_file(o.stderr_file);
}

TEST(SipproxydProviderReg, ChallengedRegisteredRefreshedAndUnregisteredOnRemoval) {
  CallEnv env;
  // Grants 2 s twice (refresh due 1 s after each grant), then 60 s.
  auto registrar = env.provider("preg_refresh.xml", {{"expires", "2"}});
  env.provision(json::array(), json::array({registered_provider(registrar->port())}));

  const json s = wait_status(env, [](const json& r) {
    return r.value("state", "") == "registered" && r.value("expires", 0) == 60;
  });
  ASSERT_EQ(s.value("state", ""), "registered") << s.dump() << env.daemon.stderr_text();
  EXPECT_EQ(s.value("refreshes", 0), 2) << s.dump();
  EXPECT_EQ(s.value("attempts", 0), 1) << s.dump();
  EXPECT_GT(s.value("expires_in", 0), 50);
  EXPECT_EQ(s.value("contact", ""), "sip:voip1.provuser@sipsmith.test");

  // sipctl shows it as a table and as NDJSON.
  const std::string table = sipctl_out(env, {"provider", "status"});
  EXPECT_NE(table.find("STATE"), std::string::npos) << table;
  EXPECT_NE(table.find("registered"), std::string::npos) << table;
  const std::string ndjson = sipctl_out(env, {"--json", "provider", "status"});
  EXPECT_EQ(json::parse(ndjson.substr(0, ndjson.find('\n'))).value("state", ""), "registered")
      << ndjson;

  // Removing the provider unregisters (Expires 0, answered after a challenge).
  env.daemon.control().call("provider.remove", {{"owner", "demo"}, {"name", "voip1"}});
  EXPECT_EQ(registrar->finish(kRun), 0) << registrar->diagnostics() << env.daemon.stderr_text();
  const std::string log = registrar->log();
  EXPECT_NE(log.find("AUTHED-4 expires= 0"), std::string::npos) << log;
  EXPECT_NE(log.find("REGISTER-1 expires= 3600"), std::string::npos) << log;
  EXPECT_EQ(count_of(log, ";+sip.instance=\"<urn:uuid:"), 4u) << log;
  EXPECT_NE(log.find("username=\"provuser\""), std::string::npos) << log;
  EXPECT_TRUE(env.daemon.control().call("provider.status").empty());
  EXPECT_TRUE(env.daemon.wait_stderr("): removed", Millis(5000))) << env.daemon.stderr_text();
}

TEST(SipproxydProviderReg, GracefulStopUnregisters) {
  CallEnv env;
  auto registrar = env.provider("preg_refresh.xml", {{"expires", "2"}});
  env.provision(json::array(), json::array({registered_provider(registrar->port())}));
  const json s = wait_status(env, [](const json& r) { return r.value("expires", 0) == 60; });
  ASSERT_EQ(s.value("state", ""), "registered") << s.dump() << env.daemon.stderr_text();
  EXPECT_EQ(env.daemon.stop_gracefully(), 0) << env.daemon.stderr_text();
  EXPECT_EQ(registrar->finish(kRun), 0) << registrar->diagnostics() << env.daemon.stderr_text();
  EXPECT_NE(registrar->log().find("AUTHED-4 expires= 0"), std::string::npos) << registrar->log();
}

TEST(SipproxydProviderReg, MinExpiresIsHonoured) {
  CallEnv env;
  auto registrar = env.provider("preg_423.xml");
  env.provision(json::array(), json::array({registered_provider(registrar->port())}));
  EXPECT_EQ(registrar->finish(kRun), 0) << registrar->diagnostics() << env.daemon.stderr_text();
  EXPECT_NE(registrar->log().find("AUTHED-2 expires= 7200"), std::string::npos) << registrar->log();
  const json s = wait_status(env, [](const json& r) { return r.value("expires", 0) == 7200; });
  EXPECT_EQ(s.value("state", ""), "registered") << s.dump();
}

TEST(SipproxydProviderReg, ForbiddenDisablesWithTheReasonUntilTheProviderChanges) {
  CallEnv env;
  auto registrar = env.provider("preg_forbidden.xml");
  env.provision(json::array(), json::array({registered_provider(registrar->port())}));
  EXPECT_EQ(registrar->finish(kRun), 0) << registrar->diagnostics();
  json s = wait_status(env, [](const json& r) { return r.value("state", "") == "disabled"; });
  ASSERT_EQ(s.value("state", ""), "disabled") << s.dump();
  EXPECT_NE(s.value("reason", "").find("403 Forbidden"), std::string::npos) << s.dump();
  EXPECT_EQ(s.value("next_attempt", -1), 0) << s.dump();
  EXPECT_EQ(s.value("attempts", 0), 1) << s.dump();
  // A reload re-reads the same row: still disabled, no new attempt.
  env.daemon.control().call("reload");
  EXPECT_EQ(status_of(env).value("state", ""), "disabled");
  // A restart keeps it disabled (the state is in the store) while the row
  // is unchanged: no attempt is made.
  EXPECT_EQ(env.daemon.stop_gracefully(), 0);
  env.daemon.start();
  s = status_of(env);
  EXPECT_EQ(s.value("state", ""), "disabled") << s.dump();
  EXPECT_NE(s.value("reason", "").find("403 Forbidden"), std::string::npos) << s.dump();
  EXPECT_EQ(s.value("attempts", -1), 0) << s.dump();
  // The user changes the password: registering again.
  env.daemon.control().call("provider.update",
                            {{"owner", "demo"}, {"name", "voip1"}, {"password", "new-pw"}});
  s = wait_status(env, [](const json& r) { return r.value("attempts", 0) == 1; });
  EXPECT_EQ(s.value("attempts", 0), 1) << s.dump();
  EXPECT_NE(s.value("state", ""), "disabled") << s.dump();
}

TEST(SipproxydProviderReg, UnreachableProviderIsRetriedWithGrowingGaps) {
  // Short policy so the test takes seconds: gaps grow 0.3 s .. 2.4 s.
  const json policy = {{"min_gap_ms", 300}, {"retry_base_ms", 300}, {"retry_max_ms", 2400}};
  CallEnv env(json{{"provider_registration", policy}});
  const std::uint16_t closed = free_port("127.0.0.1");  // nothing listens: TCP refused
  env.provision(json::array(), json::array({registered_provider(closed, ";transport=tcp")}));
  // Watch a bounded window, noting when each attempt happened.
  const auto start = Clock::now();
  const auto window = Millis(7000);
  std::vector<double> at;  // seconds since start
  int seen = 0;
  json last;
  while (Clock::now() - start < window) {
    last = status_of(env);
    const int n = last.value("attempts", 0);
    for (; seen < n; ++seen)
      at.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    std::this_thread::sleep_for(Millis(10));
  }
  EXPECT_EQ(last.value("state", ""), "failed") << last.dump();
  EXPECT_FALSE(last.value("reason", "").empty()) << last.dump();
  std::string gaps;
  for (std::size_t i = 1; i < at.size(); ++i) gaps += std::to_string(at[i] - at[i - 1]) + " ";
  std::printf("unreachable provider: %zu attempts in %.1f s, gaps (s): %s\n", at.size(),
              std::chrono::duration<double>(window).count(), gaps.c_str());
  // Failures at 0.15-0.3, 0.3-0.6, 0.6-1.2, 1.2-2.4 s (the minimum gap
  // lifts the first): 4-7 attempts in 7 s, never closer than 0.3 s.
  EXPECT_GE(at.size(), 4u) << gaps;
  EXPECT_LE(at.size(), 8u) << gaps;
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - at[i - 1], 0.25) << gaps;
  if (at.size() >= 4) {
    EXPECT_GT(at.back() - at[at.size() - 2], at[1] - at[0]) << gaps;
  }
}

TEST(SipproxydProviderReg, DnsFailuresAreRetried) {
  // dnsmasq (dnsmasq-base) on a loopback port, authoritative for
  // example.test with no records: every name there is NXDOMAIN.
  TempDir dns_dir;
  ASSERT_FALSE(find_program("dnsmasq").empty()) << "dnsmasq missing: apt-get install dnsmasq-base";
  const std::uint16_t dns_port = free_port("127.0.0.1");
  SpawnOptions o;
  o.argv = {find_program("dnsmasq"),
            "--no-daemon",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--port=" + std::to_string(dns_port),
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--pid-file=",
            "--local=/example.test/"};
  o.stderr_file = dns_dir.file("dnsmasq.log");
  Child dnsmasq(o);
  ASSERT_TRUE(wait_bound(Proto::Udp, "127.0.0.1", dns_port, Millis(5000)))
      << read_file(o.stderr_file);
  const json policy = {{"min_gap_ms", 300}, {"retry_base_ms", 300}, {"retry_max_ms", 600}};
  CallEnv env(
      json{{"provider_registration", policy},
           {"dns", {{"nameservers", json::array({"127.0.0.1:" + std::to_string(dns_port)})}}}});
  json p = registered_provider(0);
  p["server"] = "sip:nowhere.example.test";
  env.provision(json::array(), json::array({p}));
  // Between attempts (state failed): while a new attempt runs, the last
  // attempt's reason is already cleared.
  const json s = wait_status(env, [](const json& r) {
    return r.value("attempts", 0) >= 3 && r.value("state", "") == "failed";
  });
  EXPECT_GE(s.value("attempts", 0), 3) << s.dump() << env.daemon.stderr_text();
  EXPECT_NE(s.value("reason", "").find("DNS: nowhere.example.test"), std::string::npos) << s.dump();
  EXPECT_NE(s.value("state", ""), "disabled") << s.dump();
}

TEST(SipproxydProviderReg, AnEditUnregistersTheOldContactBeforeRegisteringTheNewOne) {
  CallEnv env;
  SippCallSpec spec;
  spec.scenario = "preg_edit.xml";
  spec.calls = 2;  // one Call-ID per registration
  auto registrar = std::make_unique<SippCall>(env.dir, spec);
  env.provision(json::array(), json::array({registered_provider(registrar->port())}));
  json s = wait_status(env, [](const json& r) { return r.value("state", "") == "registered"; });
  ASSERT_EQ(s.value("state", ""), "registered") << s.dump() << env.daemon.stderr_text();
  // A new contact and a new password: the old contact leaves (Expires 0,
  // answering the challenge with the old password), then the new one
  // registers with the new password, which this registrar refuses (403).
  env.daemon.control().call("provider.update", {{"owner", "demo"},
                                                {"name", "voip1"},
                                                {"register_contact", "voip1.new@sipsmith.test"},
                                                {"password", "changed-pw"}});
  EXPECT_EQ(registrar->finish(kRun), 0) << registrar->diagnostics() << env.daemon.stderr_text();
  const std::string log = registrar->log();
  const auto old_granted = log.find("C1 AUTHED-1 expires= 3600 contact= <sip:voip1.provuser@");
  const auto old_left = log.find("C1 AUTHED-2 expires= 0 contact= <sip:voip1.provuser@");
  const auto new_first = log.find("C2 REGISTER-1");
  const auto new_authed =
      log.find("C2 AUTHED-1 expires= 3600 contact= <sip:voip1.new@sipsmith.test>");
  ASSERT_NE(old_granted, std::string::npos) << log;
  ASSERT_NE(old_left, std::string::npos) << log;
  ASSERT_NE(new_first, std::string::npos) << log;
  EXPECT_NE(new_authed, std::string::npos) << log;
  EXPECT_LT(old_granted, old_left) << log;
  EXPECT_LT(old_left, new_first) << log;
  s = wait_status(env, [](const json& r) { return r.value("state", "") == "disabled"; });
  EXPECT_EQ(s.value("state", ""), "disabled") << s.dump();
  EXPECT_EQ(s.value("attempts", 0), 1) << s.dump();
  EXPECT_EQ(s.value("contact", ""), "sip:voip1.new@sipsmith.test") << s.dump();
  EXPECT_TRUE(env.daemon.wait_stderr("old contact unregistered", Millis(5000)))
      << env.daemon.stderr_text();
}

TEST(SipproxydProviderReg, RegisterGoesThroughTheOutboundProxy) {
  CallEnv env;
  auto proxy = env.provider("preg_grant_once.xml");  // plays the proxy and the registrar
  json p = registered_provider(0);
  p["server"] = "sip:voip.example.test";  // never resolved: the proxy is the next hop
  p["outbound_proxy"] = "sip:127.0.0.1:" + std::to_string(proxy->port());
  env.provision(json::array(), json::array({p}));
  EXPECT_EQ(proxy->finish(kRun), 0) << proxy->diagnostics() << env.daemon.stderr_text();
  const std::string log = proxy->log();
  EXPECT_NE(log.find("uri=\"sip:voip.example.test\""), std::string::npos) << log;
  const json s =
      wait_status(env, [](const json& r) { return r.value("state", "") == "registered"; });
  EXPECT_EQ(s.value("state", ""), "registered") << s.dump() << env.daemon.stderr_text();
  EXPECT_EQ(s.value("target", ""), "UDP 127.0.0.1:" + std::to_string(proxy->port())) << s.dump();
}

TEST(SipproxydProviderReg, ACallToTheProviderGoesThroughTheRegistrationsConnection) {
  CallEnv env;
  SippCallSpec spec;
  spec.scenario = "preg_call_tcp.xml";
  spec.transport = "t1";
  spec.calls = 2;  // the registration and the call
  auto provider = std::make_unique<SippCall>(env.dir, spec);
  const std::string at = "127.0.0.1:" + std::to_string(provider->port());
  env.provision(json::array({account_record("dave", true, "", "dave-out")}),
                json::array({registered_provider(provider->port(), ";transport=tcp")}),
                json::array({dialstring_plan("dave-out", "${dst}@voip1")}));
  const json s =
      wait_status(env, [](const json& r) { return r.value("state", "") == "registered"; });
  ASSERT_EQ(s.value("state", ""), "registered") << s.dump() << env.daemon.stderr_text();
  EXPECT_EQ(s.value("target", ""), "TCP " + at) << s.dump();

  auto caller =
      env.caller("call_uac.xml", "5551234", {{"from_user", "dave"}, {"from_host", kCallDomain}});
  EXPECT_EQ(caller->finish(kRun), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(provider->finish(kRun), 0) << provider->diagnostics();
  const std::string invite = provider->logged("INVITE-RECEIVED");
  ASSERT_FALSE(invite.empty()) << provider->log();
  EXPECT_EQ(sip_start_line(invite), "INVITE sip:5551234@" + at + ";transport=tcp SIP/2.0");
  EXPECT_EQ(sip_header(invite, "Via").rfind("SIP/2.0/TCP ", 0), 0u) << invite;
  // One TCP connection in all: the REGISTER's, which the call went through
  // (its local port is the registration's; SIPp cannot print ports).
  const json stats = env.daemon.control().call("stats");
  EXPECT_EQ(stats["transport"].value("connections_opened", -1), 1) << stats.dump();
}

// Calls from provider voip1 reach alice only through this rule; others are refused.
constexpr const char* kAliceInWizard = R"({
  "format": "sipsmith-wizard",
  "version": 1,
  "rules": [
    {"direction": "in", "priority": 1, "description": "via voip1",
     "to_match": "provider", "to": "voip1", "command": "dial",
     "destination": "alice", "provider": "local"},
    {"direction": "in", "priority": 2, "description": "others",
     "to_match": "any", "command": "reject", "status": 603, "reason": "Not via voip1"}
  ]
})";

TEST(SipproxydProviderReg, CallToTheRegisterContactReachesTheAccountThroughAProviderRule) {
  CallEnv env;
  auto registrar = env.provider("preg_grant_once.xml");
  json provider = registered_provider(registrar->port());
  provider["register_contact"] = "voip1.alice@sipsmith.test";
  env.provision(json::array({account_record("alice", true, "", "", "alice-in")}),
                json::array({provider}),
                json::array({{{"owner", "demo"},
                              {"name", "alice-in"},
                              {"type", "wizard"},
                              {"source", kAliceInWizard}}}));
  EXPECT_EQ(registrar->finish(kRun), 0) << registrar->diagnostics();
  EXPECT_NE(registrar->log().find("contact= <sip:voip1.alice@sipsmith.test>"), std::string::npos)
      << registrar->log();

  // The provider calls the contact it was given.
  auto phone = env.phone("alice", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "voip1.alice");
  EXPECT_EQ(caller->finish(kRun), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kRun), 0) << phone->diagnostics();
  EXPECT_FALSE(phone->logged("INVITE-RECEIVED").empty()) << phone->log();

  // Another provider tag for the same account matches the second rule.
  auto other = env.caller("plan_uac_reject.xml", "voip2.alice");
  EXPECT_EQ(other->finish(kRun), 0) << other->diagnostics() << env.daemon.stderr_text();

  const json cdrs = env.wait_cdrs(3);
  std::size_t in = 0;
  for (const auto& c : cdrs)
    if (c.value("direction", "") == "in") {
      ++in;
      EXPECT_EQ(c.value("account", ""), "alice@sipsmith.test") << c.dump();
      EXPECT_EQ(c.value("dialplan", ""), "alice-in") << c.dump();
    }
  EXPECT_EQ(in, 2u) << cdrs.dump();
}

}  // namespace
}  // namespace sipsmith::itest
