// dialplan-test as a program: the product brief's examples (simple wizard
// walkthrough, inline redirect, rm=n second instance, transfer plan) run
// through the real binary with their expectations; a deliberately failing
// expectation exits 1; input errors exit 2 with file:line:col and a caret;
// the NDJSON trace carries the resolved legs and responses; --help, the man
// page and the completions list the same flags.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "support/process.hpp"

#ifndef DIALPLAN_TEST_BINARY
#error "DIALPLAN_TEST_BINARY must name the program"
#endif

namespace sipsmith::itest {
namespace {

using nlohmann::json;

const std::string kSrc = SIPSMITH_SOURCE_DIR;
const std::string kDir = kSrc + "/tests/integration/dialplan_test";

struct ToolRun {
  int status = -1;
  std::string out, err;
  std::string dump() const {
    return "status " + std::to_string(status) + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
  std::vector<json> events() const {
    std::vector<json> v;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) v.push_back(json::parse(line));
    return v;
  }
};

ToolRun run(const std::vector<std::string>& args) {
  TempDir dir;
  SpawnOptions o;
  o.argv.push_back(DIALPLAN_TEST_BINARY);
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.stdout_file = dir.file("out");
  o.stderr_file = dir.file("err");
  Child child(o);
  ToolRun r;
  auto status = child.wait_for(Millis(20000));
  r.status = status ? *status : child.stop();
  r.out = read_file(dir.file("out"));
  r.err = read_file(dir.file("err"));
  return r;
}

std::vector<std::string> wizard_args(const std::string& expect) {
  const std::string d = kDir + "/simple_wizard/";
  return {d + "plan.json",    "--env",      d + "env.json",      "--calls",
          d + "calls.ndjson", "--outcomes", d + "outcomes.json", "--expect",
          d + expect};
}

TEST(DialplanTestCli, SimpleWizardWalkthroughMeetsItsExpectations) {
  const ToolRun r = run(wizard_args("expect.json"));
  ASSERT_EQ(r.status, 0) << r.dump();
  const auto events = r.events();
  int expects = 0;
  for (const auto& e : events) {
    if (e["event"] == "expect") {
      ++expects;
      EXPECT_TRUE(e["ok"].get<bool>()) << e.dump();
    }
  }
  EXPECT_EQ(expects, 11);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["event"], "summary");
  EXPECT_EQ(events.back()["failed"], 0);
  // The trace shows the resolved provider leg of the speed dial.
  bool saw_leg = false;
  for (const auto& e : events) {
    if (e["event"] == "dial" && e["call"] == "speed-mum") {
      ASSERT_EQ(e["legs"].size(), 1u);
      const auto& leg = e["legs"][0];
      EXPECT_EQ(leg["kind"], "provider");
      EXPECT_EQ(leg["request_uri"], "sip:0871000100@sip.blueface.ie");
      EXPECT_EQ(leg["from"], "<sip:bfuser@sip.blueface.ie>");
      saw_leg = true;
    }
    if (e["event"] == "dial" && e["call"] == "in-provider1") {
      EXPECT_EQ(e["legs"][0]["headers"][0], "X-Original-Caller: 0035312345");
    }
    if (e["event"] == "final" && e["call"] == "in-provider3-unanswered") {
      EXPECT_EQ(e["t"].get<double>(), 21.0);  // 20 s ring timeout + 1 s to voicemail
    }
  }
  EXPECT_TRUE(saw_leg);
}

TEST(DialplanTestCli, DeliberatelyWrongExpectationExitsOne) {
  const ToolRun r = run(wizard_args("expect_fail.json"));
  ASSERT_EQ(r.status, 1) << r.dump();
  int failed = 0;
  for (const auto& e : r.events())
    if (e["event"] == "expect" && !e["ok"].get<bool>()) {
      ++failed;
      EXPECT_EQ(e["call"], "ireland-busy");
      EXPECT_NE(e["failures"][0].get<std::string>().find("callcentric"), std::string::npos);
    }
  EXPECT_EQ(failed, 1);
}

TEST(DialplanTestCli, LuaBriefExamples) {
  for (const std::string name : {"redirect_inline", "redirect_new_instance", "transfer"}) {
    const std::string d = kDir + "/lua/";
    const ToolRun r = run({d + name + ".lua", "-e", d + "env.json", "-o", d + "outcomes.json", "-c",
                           d + name + ".ndjson"});
    EXPECT_EQ(r.status, 0) << name << "\n" << r.dump();
    int expects = 0;
    for (const auto& e : r.events()) {
      if (e["event"] == "expect") {
        ++expects;
        EXPECT_TRUE(e["ok"].get<bool>()) << name << ": " << e.dump();
      }
    }
    EXPECT_GE(expects, 2) << name;
    if (name == "redirect_new_instance") {
      bool second = false;
      for (const auto& e : r.events()) second = second || e["event"] == "redirect_execution";
      EXPECT_TRUE(second) << r.dump();
    }
  }
}

// The environment file is looked up with the daemon's rules (one
// DirectoryHost): users case-insensitively, an account's domain given by an
// alias, "local", and the dotted fallback ("office.bob" is bob).
TEST(DialplanTestCli, EnvironmentLookupsFollowTheDaemonsRules) {
  TempDir dir;
  write_file(dir.file("env.json"), R"({
    "domains": [{"name": "sipsmith.test", "aliases": ["pbx.example"]}],
    "accounts": [{"username": "Bob", "domain": "PBX.example",
                  "bindings": ["sip:bob@192.0.2.5:5060"]}]})");
  write_file(dir.file("outcomes.json"),
             R"({"outcomes": [{"match": "sip:bob@192.0.2.5:5060", "status": 200}]})");
  write_file(dir.file("plan.txt"), "office.bob@local");
  const ToolRun ok = run({"--type", "dialstring", dir.file("plan.txt"), "-e", dir.file("env.json"),
                          "-o", dir.file("outcomes.json"), "--to", "sip:1@sipsmith.test"});
  ASSERT_EQ(ok.status, 0) << ok.dump();
  bool answered = false;
  for (const auto& e : ok.events())
    if (e["event"] == "final") {
      EXPECT_EQ(e["status"], 200) << ok.dump();
      answered = e["status"] == 200;
    }
  EXPECT_TRUE(answered) << ok.dump();
}

TEST(DialplanTestCli, TransferPlanDialsAreGuardedAndWebGetAnswersFromTheTable) {
  TempDir dir;
  write_file(dir.file("env.json"), R"({
    "providers": [{"name": "itsp", "server": "sip:sip.itsp.example", "username": "u"}],
    "fraud": {"denied_prefixes": ["+1900"], "per_minute": 10},
    "web": {"http://crm.example/route/300": "itsp", "http://crm.example/down": null}})");
  write_file(dir.file("outcomes.json"), R"({"default": {"status": 200}})");
  write_file(dir.file("transfer.lua"), R"(
local via = sys.WebGet("http://crm.example/route/" .. req.URI.User)
sys.Log("route " .. tostring(via) .. " down " .. tostring(sys.WebGet("http://crm.example/down")))
sys.Dial(req.URI.User .. "@" .. (via or "none"))
)");
  write_file(dir.file("calls.ndjson"),
             "{\"id\": \"ok\", \"direction\": \"out\", \"uri\": \"sip:300@sipsmith.test\", "
             "\"transfer\": true}\n"
             "{\"id\": \"premium\", \"direction\": \"out\", "
             "\"uri\": \"sip:+19005551234@sipsmith.test\", \"transfer\": true}\n"
             "{\"id\": \"plain\", \"direction\": \"out\", "
             "\"uri\": \"sip:+19005551234@sipsmith.test\"}\n");
  const ToolRun r = run({dir.file("transfer.lua"), "-e", dir.file("env.json"), "-o",
                         dir.file("outcomes.json"), "-c", dir.file("calls.ndjson")});
  EXPECT_NE(r.out.find("route itsp down nil"), std::string::npos) << r.dump();
  std::map<std::string, int> finals;
  for (const auto& e : r.events())
    if (e["event"] == "final") finals[e.value("call", "")] = e.value("status", 0);
  // A transfer to the premium number is refused before any leg; so is the
  // same number dialled by the caller itself (all_dials, the default).
  EXPECT_EQ(finals["ok"], 200) << r.dump();
  EXPECT_EQ(finals["premium"], 403) << r.dump();
  EXPECT_EQ(finals["plain"], 403) << r.dump();
  EXPECT_NE(r.out.find("denied prefix (+1900) (transfer target)"), std::string::npos) << r.dump();
  EXPECT_NE(r.out.find("denied prefix (+1900) (dialled)"), std::string::npos) << r.dump();

  // With all_dials off, only the transfer target is checked.
  write_file(dir.file("env.json"), R"({
    "providers": [{"name": "itsp", "server": "sip:sip.itsp.example", "username": "u"}],
    "fraud": {"denied_prefixes": ["+1900"], "all_dials": false},
    "web": {"http://crm.example/route/300": "itsp", "http://crm.example/down": null}})");
  const ToolRun lax = run({dir.file("transfer.lua"), "-e", dir.file("env.json"), "-o",
                           dir.file("outcomes.json"), "-c", dir.file("calls.ndjson")});
  finals.clear();
  for (const auto& e : lax.events())
    if (e["event"] == "final") finals[e.value("call", "")] = e.value("status", 0);
  EXPECT_EQ(finals["premium"], 403) << lax.dump();
  EXPECT_EQ(finals["plain"], 200) << lax.dump();
}

TEST(DialplanTestCli, ScriptErrorsPointAtTheLineAndExitOne) {
  TempDir dir;
  write_file(dir.file("bad.lua"), "sys.Log('a')\nlocal x = = 1\n");
  ToolRun r = run({dir.file("bad.lua"), "--to", "sip:1@sipsmith.test"});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find(dir.file("bad.lua") + ":2: "), std::string::npos) << r.dump();
  EXPECT_NE(r.err.find("local x = = 1\n^"), std::string::npos) << r.dump();

  write_file(dir.file("boom.lua"), "sys.Log('a')\n\nerror('boom')\n");
  r = run({dir.file("boom.lua"), "--to", "sip:1@sipsmith.test"});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find(":3: call call-1: "), std::string::npos) << r.dump();
  bool final500 = false;
  for (const auto& e : r.events())
    final500 = final500 || (e["event"] == "final" && e["status"] == 500);
  EXPECT_TRUE(final500) << r.dump();
}

TEST(DialplanTestCli, ConsolePrintsTheLiveConsolesLines) {
  // The same event types and texts as `sipctl console` (docs/console.md).
  TempDir dir;
  write_file(dir.file("plan.lua"), "sys.Log('trying ' .. req.URI.User)\nsys.Dial('1001@local')\n");
  const std::string d = kDir + "/lua/";
  ToolRun r = run({dir.file("plan.lua"), "--env", d + "env.json", "--outcomes", d + "outcomes.json",
                   "--to", "sip:1001@sipsmith.test", "--console"});
  EXPECT_EQ(r.status, 0) << r.dump();
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.front() != '{') lines.push_back(line.substr(13));  // no clock
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "call created: out call from sip:thisis@anonymous.invalid to "
                "sip:1001@sipsmith.test (dial plan plan)",
                "dialplan log: trying 1001", "leg dialled: dialled sip:1001@192.0.2.22:5060",
                "leg answered: answered sip:1001@192.0.2.22:5060: 200 OK",
                "call answered: out call answered", "call ended: out call ended: answered (200)"}))
      << r.dump();

  // --json: the console's NDJSON; a script error carries its line.
  write_file(dir.file("boom.lua"), "sys.Log('a')\n\nerror('boom')\n");
  r = run({dir.file("boom.lua"), "--to", "sip:1@sipsmith.test", "--console", "--json"});
  EXPECT_EQ(r.status, 1) << r.dump();
  std::vector<std::string> kinds;
  int error_line = 0;
  for (const auto& e : r.events()) {
    if (!e.contains("type")) continue;  // the summary
    kinds.push_back(e.value("type", "") + " " + e.value("what", ""));
    if (e.value("type", "") == "script_error") error_line = e.value("line", 0);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"call created", "dialplan log", "script_error ",
                                             "call ended"}))
      << r.dump();
  EXPECT_EQ(error_line, 3) << r.dump();
  EXPECT_EQ(run({dir.file("boom.lua"), "--to", "sip:1@x", "--console", "--human"}).status, 2);
}

TEST(DialplanTestCli, InputErrorsExitTwoWithCaret) {
  TempDir dir;
  write_file(dir.file("plan.json"),
             "{\"rules\": [\n  {\"direction\": \"out\", \"pattern_type\": \"exakt\"}\n]}\n");
  ToolRun r = run({dir.file("plan.json"), "--to", "sip:1@x"});
  EXPECT_EQ(r.status, 1) << r.dump();  // a plan that does not compile is a script error
  EXPECT_NE(r.err.find("plan.json:2:40: rules[0].pattern_type: "), std::string::npos) << r.dump();
  EXPECT_NE(r.err.find("\n                                       ^\n"), std::string::npos)
      << r.dump();

  write_file(dir.file("ok.json"), "{\"rules\": []}");
  write_file(dir.file("calls.ndjson"),
             "{\"direction\": \"out\", \"uri\": \"sip:1@x\"}\n{\"direction\": \"up\", \"uri\": "
             "\"sip:1@x\"}\n");
  r = run({dir.file("ok.json"), "-c", dir.file("calls.ndjson")});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("calls.ndjson:2:15: direction must be"), std::string::npos) << r.dump();

  r = run({dir.file("ok.json")});
  EXPECT_EQ(r.status, 2) << r.dump();
  r = run({dir.file("ok.json"), "--bogus"});
  EXPECT_EQ(r.status, 2) << r.dump();
  // --store reads a store read-only: a missing file is an input error and
  // is not created.
  r = run({"--store", dir.file("x.db"), "--owner", "a", "--plan", "b"});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("x.db: cannot open the store"), std::string::npos) << r.dump();
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.db")));
  r = run({dir.file("missing.json"), "--to", "sip:1@x"});
  EXPECT_EQ(r.status, 2) << r.dump();
}

TEST(DialplanTestCli, BenchModePrintsFigures) {
  const std::string d = kDir + "/simple_wizard/";
  const ToolRun r = run({d + "plan.json", "-e", d + "env.json", "-c", d + "calls.ndjson", "-o",
                         d + "outcomes.json", "--bench", "200"});
  ASSERT_EQ(r.status, 0) << r.dump();
  const auto events = r.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["executions"], 2200);
  std::cout << "[ figure ] dialplan-test --bench, simple wizard walkthrough: " << events[0].dump()
            << "\n";
}

std::set<std::string> long_flags(const std::string& text) {
  std::set<std::string> flags;
  const std::regex re("--[a-z][a-z-]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it)
    flags.insert(it->str());
  return flags;
}

TEST(DialplanTestCli, HelpManAndCompletionsAgree) {
  const ToolRun help = run({"--help"});
  ASSERT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
  const ToolRun version = run({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("dialplan-test ", 0), 0u);
  std::set<std::string> flags = long_flags(help.out);
  flags.erase("--calls-from");  // none expected; keeps the set honest if text changes
  for (const std::string file :
       {"/man/dialplan-test.1", "/completions/bash/dialplan-test",
        "/completions/zsh/_dialplan-test", "/completions/fish/dialplan-test.fish"}) {
    const std::string text = read_file(kSrc + file);
    std::string escaped;  // man pages write \- for -
    for (std::size_t i = 0; i < text.size(); ++i)
      if (!(text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-')) escaped += text[i];
    for (const auto& f : flags) {
      if (f == "--help" || f == "--version") continue;
      const std::string bare = f.substr(2);
      const bool found =
          escaped.find(f) != std::string::npos || (file.find("fish") != std::string::npos &&
                                                   escaped.find("-l " + bare) != std::string::npos);
      EXPECT_TRUE(found) << file << " lacks " << f;
    }
  }
}

}  // namespace
}  // namespace sipsmith::itest
