// The live console (docs/console.md) against the real daemon: console
// subscriptions on the control socket see registrations, calls, legs and
// dial plan lines of their own customer only, in order; bad filters are
// refused saying why; a subscriber that does not read is told how many
// events it lost while calls keep completing; sipctl console prints them.
// SIPp plays the phones and callers (sipproxyd/scenarios/plan_*.xml).
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};   // bound for one SIPp party of a short call
constexpr Millis kEvent{10000};  // bound for an expected event to arrive

constexpr const char* kAliceLua = R"(sys.Log("hi from alice-out, dialled " .. req.URI.User)
sys.Dial("bob@local")
)";

// A console subscription on its own control connection; subscribed once
// constructed (the daemon answers after subscribing).
class Console {
 public:
  Console(Daemon& daemon, const json& params) : client_(daemon.control_path()) {
    json answer = client_.request("console.subscribe", params);
    if (answer.contains("error")) throw std::runtime_error("subscribe: " + answer.dump());
    result = answer["result"];
  }
  // Lines until one satisfies `stop` (included), or `limit` passes.
  std::vector<json> until(const std::function<bool(const json&)>& stop, Millis limit = kEvent) {
    std::vector<json> lines;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return lines;
      auto line = client_.next_line(left);
      if (!line) return lines;
      lines.push_back(*line);
      if (stop(*line)) return lines;
    }
  }
  json result;

 private:
  ControlClient client_;
};

std::function<bool(const json&)> is(const std::string& type, const std::string& what,
                                    const std::string& account = "") {
  return [=](const json& e) {
    return e.value("type", "") == type && e.value("what", "") == what &&
           (account.empty() || e.value("account", "") == account);
  };
}

// "type what" of each event of the given types, in order.
std::vector<std::string> kinds(const std::vector<json>& events, std::vector<std::string> types) {
  std::vector<std::string> out;
  for (const auto& e : events)
    for (const auto& t : types)
      if (e.value("type", "") == t) out.push_back(t + " " + e.value("what", ""));
  return out;
}

std::string text(const std::vector<json>& events) {
  std::string out;
  for (const auto& e : events) out += e.dump() + "\n";
  return out;
}

// Customer "other" with account carl (ip_acl) beside "demo"'s accounts.
void add_other_customer(CallEnv& env) {
  json doc = {{"format", "sipsmith-provisioning"},
              {"version", 1},
              {"customers", json::array({{{"username", "other"}, {"password", "other-pw-1"}}})},
              {"accounts", json::array({account_record("carl", true)})}};
  doc["accounts"][0]["owner"] = "other";
  env.daemon.control().call("import", {{"document", doc}});
}

// Registers user@sipsmith.test once from a SIPp UAC (an ip_acl account: no challenge).
void register_once(CallEnv& env, const std::string& user) {
  SippCallSpec reg;
  reg.scenario = "call_register.xml";
  reg.remote = env.daemon.address();
  reg.service = user;
  reg.keys = {{"domain", kCallDomain}};
  SippCall sipp(env.dir, reg);
  ASSERT_EQ(sipp.finish(kCall), 0) << sipp.diagnostics();
}

// VmRSS of `pid` in KiB (0 when unreadable): printed, not asserted.
long rss_kib(long pid) {
  const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::strtol(status.c_str() + at + 6, nullptr, 10);
}

TEST(SipproxydConsole, CustomerSeesItsOwnEventsInOrderAndNoneOfAnother) {
  CallEnv env;
  env.provision(
      json::array({account_record("alice", true, "", "alice-out"), account_record("bob", true)}),
      json::array(),
      json::array(
          {{{"owner", "demo"}, {"name", "alice-out"}, {"type", "lua"}, {"source", kAliceLua}}}));
  add_other_customer(env);

  Console admin(env.daemon, json::object());
  Console demo(env.daemon, {{"owner", "demo"}});
  Console other(env.daemon, {{"owner", "other"}});
  Console demo_plan(env.daemon, {{"owner", "demo"}, {"filter", "event dialplan"}});
  EXPECT_EQ(demo.result.value("filter", ""), "event *");
  EXPECT_EQ(demo.result.value("owner", ""), "demo");
  EXPECT_EQ(demo_plan.result.value("filter", ""), "event dialplan");

  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "100",
                           {{"from_user", "alice"}, {"from_host", kCallDomain}});
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();

  // demo's console: bob's binding and registration, then the call from
  // created to ended.
  const auto seen = demo.until(is("call", "ended"));
  SCOPED_TRACE(text(seen));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(kinds(seen, {"registration", "binding"}),
            (std::vector<std::string>{"binding added", "registration ok"}));
  EXPECT_EQ(
      kinds(seen, {"call", "leg", "dialplan"}),
      (std::vector<std::string>{"call created", "dialplan log", "leg dialled", "call progress",
                                "leg answered", "call answered", "call ended"}));
  std::string bridge;
  for (const auto& e : seen) {
    EXPECT_EQ(e.value("owner", ""), "demo") << e.dump();
    const std::string type = e.value("type", "");
    if (type == "registration" || type == "binding") {
      EXPECT_EQ(e.value("account", ""), "bob@sipsmith.test") << e.dump();
    }
    if (type == "call" || type == "leg" || type == "dialplan") {
      if (bridge.empty()) bridge = e.value("bridge_id", "");
      EXPECT_EQ(e.value("bridge_id", ""), bridge) << e.dump();
      EXPECT_FALSE(bridge.empty());
    }
    if (type == "dialplan") {
      EXPECT_EQ(e.value("message", ""), "hi from alice-out, dialled 100") << e.dump();
    }
    if (type == "call" && e.value("what", "") == "created") {
      EXPECT_EQ(e.value("account", ""), "alice@sipsmith.test") << e.dump();
      EXPECT_EQ(e.value("call_id", ""), caller->first_call_id()) << e.dump();
      EXPECT_NE(e.value("remote", "").find("udp:127.0.0.1:" + std::to_string(caller->port())),
                std::string::npos)
          << e.dump();
    }
    if (type == "leg" && e.value("what", "") == "dialled") {
      EXPECT_NE(e.value("remote", "").find(":" + std::to_string(phone->port())), std::string::npos)
          << e.dump();
    }
  }

  // The dial-plan-only subscription saw exactly the one sys.Log line first.
  const auto plan_lines = demo_plan.until([](const json&) { return true; });
  ASSERT_EQ(plan_lines.size(), 1u);
  EXPECT_EQ(plan_lines[0].value("type", ""), "dialplan");
  EXPECT_EQ(plan_lines[0].value("message", ""), "hi from alice-out, dialled 100");

  // carl (customer other) registers after the call: other's console sees
  // that, and nothing of demo's before it (a subscription's events come in
  // the order they happened).
  register_once(env, "carl");
  const auto others = other.until(is("registration", "ok", "carl@sipsmith.test"));
  SCOPED_TRACE(text(others));
  EXPECT_EQ(kinds(others, {"registration", "binding", "call", "leg", "dialplan", "sip"}),
            (std::vector<std::string>{"binding added", "registration ok"}));
  for (const auto& e : others) EXPECT_EQ(e.value("owner", ""), "other") << e.dump();

  // The admin's console saw both customers' events.
  const auto all = admin.until(is("registration", "ok", "carl@sipsmith.test"));
  bool demo_seen = false, other_seen = false;
  for (const auto& e : all) {
    demo_seen = demo_seen || e.value("owner", "") == "demo";
    other_seen = other_seen || e.value("owner", "") == "other";
  }
  EXPECT_TRUE(demo_seen && other_seen) << text(all);
}

TEST(SipproxydConsole, FullTraceShowsOnlyTheCustomersMessages) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  add_other_customer(env);
  Console demo(env.daemon, {{"owner", "demo"}, {"filter", "event full and request register"}});
  Console admin(env.daemon, {{"filter", "event full"}});
  register_once(env, "carl");  // other's
  register_once(env, "bob");   // demo's
  // demo sees bob's REGISTER and our 200, never carl's messages.
  const auto seen = demo.until([](const json& e) { return e.value("status", 0) == 200; });
  SCOPED_TRACE(text(seen));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].value("what", ""), "in");
  EXPECT_EQ(seen[0].value("message", "").rfind("REGISTER sip:", 0), 0u);
  EXPECT_NE(seen[0].value("message", "").find("bob@sipsmith.test"), std::string::npos);
  EXPECT_EQ(seen[1].value("what", ""), "out");
  EXPECT_EQ(seen[1].value("message", "").rfind("SIP/2.0 200 ", 0), 0u);
  EXPECT_EQ(seen[1].value("local", ""), "udp:" + env.daemon.address());
  for (const auto& e : seen) {
    EXPECT_EQ(e.value("owner", ""), "demo");
    EXPECT_EQ(e.value("message", "").find("carl"), std::string::npos);
  }
  // The admin saw carl's exchange first.
  const auto all = admin.until([](const json& e) { return e.value("status", 0) == 200; });
  ASSERT_FALSE(all.empty());
  EXPECT_NE(all.front().value("message", "").find("carl@sipsmith.test"), std::string::npos)
      << text(all);
}

// A REGISTER for bob with a wrong digest response (our realm, MD5).
std::string bad_register(const UdpPeer& peer, int n) {
  const std::string me = peer.ip() + ":" + std::to_string(peer.port());
  return "REGISTER sip:sipsmith.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP " +
         me + ";branch=z9hG4bK-console-" + std::to_string(n) +
         ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:bob@sipsmith.test>;tag=sec" +
         std::to_string(n) +
         "\r\n"
         "To: <sip:bob@sipsmith.test>\r\n"
         "Call-ID: console-sec-" +
         std::to_string(n) +
         "@127.0.0.1\r\n"
         "CSeq: 1 REGISTER\r\n"
         "Contact: <sip:bob@" +
         me +
         ">\r\n"
         "Authorization: Digest username=\"bob\", realm=\"sipsmith.test\", nonce=\"abc\", "
         "uri=\"sip:sipsmith.test\", response=\"0123456789abcdef0123456789abcdef\", "
         "algorithm=MD5\r\n"
         "Content-Length: 0\r\n\r\n";
}

TEST(SipproxydConsole, SecurityEventsReachOperatorsOnly) {
  CallEnv env(json{{"security", {{"max_failures", 1}, {"block_for", 300}}}});
  env.provision(json::array({account_record("bob", false)}));
  Console admin(env.daemon, {{"filter", "event security"}});
  Console demo(env.daemon, {{"owner", "demo"}});
  UdpPeer attacker;
  attacker.send(bad_register(attacker, 1), "127.0.0.1", env.daemon.port());
  auto first = attacker.receive_final();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->rfind("SIP/2.0 403 Forbidden", 0), 0u) << *first;
  attacker.send(bad_register(attacker, 2), "127.0.0.1", env.daemon.port());
  auto second = attacker.receive_final();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->rfind("SIP/2.0 403 Blocked", 0), 0u) << *second;

  const auto seen = admin.until(is("security", "refused"));
  SCOPED_TRACE(text(seen));
  EXPECT_EQ(kinds(seen, {"security"}),
            (std::vector<std::string>{"security blocked", "security refused"}));
  for (const auto& e : seen) EXPECT_EQ(e.value("owner", ""), "");
  ASSERT_EQ(seen.size(), 2u);
  // A block is per source address; the refused request has its socket.
  EXPECT_EQ(seen[0].value("remote", ""), "127.0.0.1");
  EXPECT_EQ(seen[1].value("remote", ""), "udp:127.0.0.1:" + std::to_string(attacker.port()));
  EXPECT_EQ(seen[1].value("call_id", ""), "console-sec-2@127.0.0.1");
  // bob's owner sees the refused registration of its account, never the
  // security events (they belong to nobody).
  const auto mine = demo.until(is("registration", "failed"));
  EXPECT_EQ(kinds(mine, {"registration", "security"}),
            (std::vector<std::string>{"registration failed"}))
      << text(mine);
  ASSERT_FALSE(mine.empty());
  EXPECT_EQ(mine.back().value("status", 0), 403);
}

TEST(SipproxydConsole, BadFiltersAndOwnersAreRefusedSayingWhy) {
  CallEnv env;
  ControlClient& c = env.daemon.control();
  json r = c.request("console.subscribe", {{"filter", "event * and colour red"}});
  ASSERT_TRUE(r.contains("error")) << r.dump();
  EXPECT_EQ(r["error"].value("code", ""), "invalid_argument");
  EXPECT_NE(r["error"].value("message", "").find("filter key 'colour' is not recognised"),
            std::string::npos)
      << r.dump();
  r = c.request("console.subscribe", {{"filter", "event bogus"}});
  EXPECT_NE(r["error"].value("message", "").find("unknown event type 'bogus'"), std::string::npos)
      << r.dump();
  r = c.request("console.subscribe", {{"filter", "regex (unclosed"}});
  EXPECT_NE(r["error"].value("message", "").find("bad regex"), std::string::npos) << r.dump();
  r = c.request("console.subscribe", {{"owner", "nobody"}});
  EXPECT_EQ(r["error"].value("code", ""), "not_found") << r.dump();
  // The connection still answers commands (a refused subscribe opens nothing).
  EXPECT_EQ(c.call("stats").at("console").value("subscribers", -1), 0);

  // sipctl says the same and exits 1.
  SpawnOptions o;
  o.argv = {sipctl_binary(), "--socket", env.daemon.control_path(), "console", "user", "bob", "and",
            "colour",        "red"};
  o.stderr_file = env.dir.file("sipctl.err");
  Child sipctl(o);
  EXPECT_EQ(sipctl.wait_for(Millis(10000)), 1);
  EXPECT_NE(read_file(o.stderr_file).find("filter key 'colour' is not recognised"),
            std::string::npos)
      << read_file(o.stderr_file);
}

TEST(SipproxydConsole, SipctlConsolePrintsEventsAsNdjsonAndLines) {
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  SpawnOptions o;
  o.argv = {sipctl_binary(), "--socket", env.daemon.control_path(),
            "--json",        "console",  "--owner",
            "demo",          "--count",  "2",
            "user",          "bob"};
  o.stdout_pipe = true;
  o.stderr_file = env.dir.file("json.err");
  Child json_console(o);
  SpawnOptions h = o;
  h.argv = {sipctl_binary(), "--socket", env.daemon.control_path(),
            "console",       "--count",  "1",
            "event",         "binding",  "and",
            "user",          "bob"};
  h.stderr_file = env.dir.file("human.err");
  Child human(h);
  // Both subscribed (the daemon counts them) before bob registers.
  const auto deadline = std::chrono::steady_clock::now() + kEvent;
  UdpPeer pacer;
  while (env.daemon.control().call("stats").at("console").value("subscribers", 0) < 2 &&
         std::chrono::steady_clock::now() < deadline)
    (void)pacer.receive(Millis(20));
  register_once(env, "bob");

  auto first = json_console.read_line(kEvent);
  auto second = json_console.read_line(kEvent);
  ASSERT_TRUE(first && second) << read_file(o.stderr_file);
  const json a = json::parse(*first), b = json::parse(*second);
  // The binding is stored before the 200 goes out.
  EXPECT_EQ(a.value("type", ""), "binding") << *first;
  EXPECT_EQ(a.value("what", ""), "added") << *first;
  EXPECT_EQ(b.value("type", ""), "registration") << *second;
  EXPECT_EQ(b.value("what", ""), "ok") << *second;
  EXPECT_EQ(b.value("status", 0), 200) << *second;
  EXPECT_EQ(json_console.wait_for(kEvent), 0);

  // Readable lines, no colour (not a terminal): "HH:MM:SS.mmm binding added [demo]: ..."
  auto line = human.read_line(kEvent);
  ASSERT_TRUE(line) << read_file(h.stderr_file);
  EXPECT_EQ(line->find("\x1b["), std::string::npos) << *line;
  EXPECT_NE(line->find(" binding added [demo]: added sip:bob@127.0.0.1:"), std::string::npos)
      << *line;
  EXPECT_EQ(human.wait_for(kEvent), 0);
}

TEST(SipproxydConsole, SlowSubscriberIsToldOfDropsWhileCallsComplete) {
  constexpr int kCalls = 60;
  CallEnv env;
  env.provision(
      json::array({account_record("alice", true, "", "alice-out"), account_record("bob", true)}),
      json::array(), json::array({dialstring_plan("alice-out", "bob@local")}));
  // Full SIP traces, a queue of 5, and nobody reading: the socket's buffer
  // fills, then the queue, then events drop.
  Console slow(env.daemon, {{"filter", "event full"}, {"queue", 5}});
  const long pid = env.daemon.ready().value("pid", 0L);
  const long rss_before = rss_kib(pid);
  auto phone = start_phone(env.dir, env.daemon.address(), "bob", "plan_uas_answer.xml", {},
                           kCallDomain, kCalls);
  SippCallSpec spec;
  spec.scenario = "plan_uac_answer.xml";
  spec.remote = env.daemon.address();
  spec.service = "100";
  spec.keys = {{"from_user", "alice"}, {"from_host", kCallDomain}};
  spec.calls = kCalls;
  spec.rate = 30;
  spec.timeout = Millis(40000);
  SippCall caller(env.dir, spec);
  EXPECT_EQ(caller.finish(Millis(45000)), 0) << caller.diagnostics();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  const long rss_after = rss_kib(pid);
  const json stats = env.daemon.control().call("stats");
  EXPECT_EQ(stats.at("calls").value("answered", 0), kCalls) << stats.dump();

  // Reading now: the lines written before, then the drop notice.
  const auto lines =
      slow.until([](const json& e) { return e.value("type", "") == "dropped"; }, Millis(20000));
  ASSERT_FALSE(lines.empty());
  const json& notice = lines.back();
  ASSERT_EQ(notice.value("type", ""), "dropped") << lines.size() << " lines, none a drop notice";
  EXPECT_GT(notice.value("count", 0), 0) << notice.dump();
  EXPECT_GE(notice.value("total", 0), notice.value("count", 0)) << notice.dump();
  std::printf(
      "[ figure ] slow subscriber (queue 5, %d calls): %zu lines before the notice, %d events "
      "dropped; daemon RSS %ld KiB before, %ld KiB after\n",
      kCalls, lines.size() - 1, notice.value("count", 0), rss_before, rss_after);
}

}  // namespace
}  // namespace sipsmith::itest
