// Dry runs of stored dial plans against a real sipproxyd: the plan, accounts,
// provider and dial plan are imported through its control socket and a SIPp
// phone registers a binding; then (a) dialplan-test --store reads the
// daemon's SQLite file read-only while the daemon runs, and (b) sipctl
// dialplan test asks the daemon to run the same plan through the same engine
// with its in-memory directory and bindings. Both traces must agree (but for
// times), no call is placed (the phone gets no INVITE, no CDR is written),
// and the daemon goes on writing its store. With the daemon stopped, the
// store file is left byte for byte as it was, and a store from a newer
// sipsmith is refused.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/call_env.hpp"

#ifndef DIALPLAN_TEST_BINARY
#error "DIALPLAN_TEST_BINARY must name the program"
#endif

namespace sipsmith::itest {
namespace {

constexpr const char* kPlan = R"(sys.Log("dry run of " .. req.URI.User)
local r = sys.Dial("${dst}@itsp", 20)
sys.Log("itsp: " .. r .. " " .. tostring(sys.LastFailureStatus))
if r ~= "Answered" then sys.Dial("bob@local") end
)";

struct ToolRun {
  int status = -1;
  std::string out, err;
  std::string dump() const {
    return "exit " + std::to_string(status) + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
  }
  std::vector<json> events() const {
    std::vector<json> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) v.push_back(json::parse(line));
    return v;
  }
};

ToolRun run(const TempDir& dir, std::vector<std::string> argv) {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.stdout_file = dir.file("run.out");
  o.stderr_file = dir.file("run.err");
  ToolRun r;
  {
    Child child(o);
    auto status = child.wait_for(Millis(20000));
    r.status = status ? *status : child.stop();
  }
  r.out = read_file(o.stdout_file);
  r.err = read_file(o.stderr_file);
  return r;
}

// The trace without what depends on when it ran.
json timeless(const std::vector<json>& events) {
  json out = json::array();
  for (json e : events) {
    e.erase("t");
    e.erase("start_time");
    e.erase("started");
    out.push_back(e);
  }
  return out;
}

class DryRun : public ::testing::Test {
 public:
  void SetUp() override {
    provider_port_ = free_port("127.0.0.1");  // nobody listens: nothing may be sent there
    env_.provision(
        json::array({account_record("alice", true, "", "out"), account_record("bob", true)}),
        json::array({provider_record("itsp", provider_port_)}),
        json::array({{{"owner", "demo"}, {"name", "out"}, {"type", "lua"}, {"source", kPlan}}}));
    write_file(
        env_.dir.file("outcomes.json"),
        json{{"outcomes",
              {{{"match", "sip:*@127.0.0.1:" + std::to_string(provider_port_)},
                {"status", 486},
                {"delay", 1}},
               {{"match", "regex:^sip:bob@127\\.0\\.0\\.1:"}, {"status", 200}, {"delay", 2}}}}}
            .dump(1));
  }

  std::vector<std::string> tool_args() const {
    return {DIALPLAN_TEST_BINARY,
            "--store",
            env_.dir.file("sipsmith.db"),
            "--owner",
            "demo",
            "--plan",
            "out",
            "--to",
            "sip:0871000100@sipsmith.test",
            "--from",
            "<sip:alice@sipsmith.test>;tag=1",
            "--account",
            "alice@sipsmith.test",
            "--outcomes",
            env_.dir.file("outcomes.json")};
  }

  std::vector<std::string> sipctl_args(bool as_json) const {
    std::vector<std::string> a = {sipctl_binary(), "--socket", env_.daemon.control_path()};
    if (as_json) a.push_back("--json");
    for (const char* s :
         {"dialplan", "test", "out", "--owner", "demo", "--to", "sip:0871000100@sipsmith.test",
          "--from", "<sip:alice@sipsmith.test>;tag=1", "--account", "alice@sipsmith.test",
          "--outcomes"})
      a.emplace_back(s);
    a.push_back(env_.dir.file("outcomes.json"));
    return a;
  }

  CallEnv env_;
  std::uint16_t provider_port_ = 0;
};

TEST_F(DryRun, StoreReadWhileTheDaemonRunsAgreesWithTheDaemonsOwnDryRun) {
  auto phone = env_.phone("bob", "plan_uas_answer.xml");
  ASSERT_EQ(env_.binding_count("bob"), 1u);

  const ToolRun tool = run(env_.dir, tool_args());
  ASSERT_EQ(tool.status, 0) << tool.dump();
  const auto tool_events = tool.events();
  ASSERT_GE(tool_events.size(), 6u) << tool.dump();
  EXPECT_EQ(tool_events.front()["event"], "call");
  EXPECT_EQ(tool_events.front()["plan_type"], "lua");  // the type comes from the store
  json fin;
  for (const auto& e : tool_events)
    if (e["event"] == "final") fin = e;
  ASSERT_TRUE(fin.is_object()) << tool.dump();
  EXPECT_EQ(fin["status"], 200) << tool.dump();
  EXPECT_EQ(fin["answered_by"], "sip:bob@127.0.0.1:" + std::to_string(phone->port()))
      << tool.dump();
  EXPECT_EQ(fin["dialled"], json::array({"0871000100@itsp", "bob@local"}));
  EXPECT_EQ(tool_events.back()["event"], "summary");

  const ToolRun ctl = run(env_.dir, sipctl_args(true));
  ASSERT_EQ(ctl.status, 0) << ctl.dump();
  std::vector<json> daemon_events = ctl.events();
  // The tool adds its own summary line; the rest is the same trace.
  std::vector<json> tool_trace(tool_events.begin(), tool_events.end() - 1);
  EXPECT_EQ(timeless(daemon_events), timeless(tool_trace)) << "--- sipctl:\n"
                                                           << ctl.out << "--- dialplan-test:\n"
                                                           << tool.out;

  const ToolRun human = run(env_.dir, sipctl_args(false));
  ASSERT_EQ(human.status, 0) << human.dump();
  EXPECT_NE(human.out.find("final 200 OK answered by sip:bob@127.0.0.1:"), std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("leg 0 stage 0 provider sip:0871000100@127.0.0.1:"), std::string::npos)
      << human.out;

  // Nothing was placed: no CDR, and the phone got no INVITE.
  EXPECT_EQ(env_.daemon.control().call("cdr.list", json::object()).size(), 0u);
  EXPECT_EQ(phone->logged("INVITE-RECEIVED"), "");
  phone->finish(Millis(0));

  // The daemon still writes its store, and the tool sees the change.
  env_.daemon.control().call("dialplan.update",
                             {{"owner", "demo"}, {"name", "out"}, {"source", "sys.Respond(486)"}});
  const ToolRun again = run(env_.dir, tool_args());
  ASSERT_EQ(again.status, 0) << again.dump();
  bool responded = false;
  for (const auto& e : again.events())
    responded = responded || (e["event"] == "final" && e["status"] == 486);
  EXPECT_TRUE(responded) << again.dump();
}

TEST_F(DryRun, SipctlErrorsExitOneAndBadOutcomesExitTwoWithACaret) {
  ToolRun r = run(env_.dir, {sipctl_binary(), "--socket", env_.daemon.control_path(), "dialplan",
                             "test", "nope", "--owner", "demo", "--to", "sip:1@sipsmith.test"});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find("not_found"), std::string::npos) << r.dump();
  write_file(env_.dir.file("bad.json"),
             "{\"outcomes\": [\n  {\"match\": \"*\", \"status\": 99}\n]}\n");
  r = run(env_.dir, {sipctl_binary(), "--socket", env_.daemon.control_path(), "dialplan", "test",
                     "out", "--owner", "demo", "--to", "sip:1@sipsmith.test", "--outcomes",
                     env_.dir.file("bad.json")});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("bad.json:2:"), std::string::npos) << r.dump();
  EXPECT_NE(r.err.find("status must be 0 (no answer) or 200..699"), std::string::npos) << r.dump();
}

std::string file_bytes(const std::string& path) {
  // Byte comparison is enough: keep the whole file.
  return read_file(path);
}

TEST_F(DryRun, StoppedDaemonsStoreIsLeftUntouchedAndNewerSchemasAreRefused) {
  ASSERT_EQ(env_.daemon.stop_gracefully(), 0);
  const std::string db = env_.dir.file("sipsmith.db");
  const std::string before = file_bytes(db);
  ToolRun r = run(env_.dir, tool_args());
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(file_bytes(db), before) << "dialplan-test --store changed the store file";

  // Usage errors: --env with --store, a plan file with --store, unknown names.
  std::vector<std::string> args = tool_args();
  args.insert(args.end(), {"--env", env_.dir.file("outcomes.json")});
  r = run(env_.dir, args);
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("--store and --env exclude each other"), std::string::npos) << r.dump();
  r = run(env_.dir, {DIALPLAN_TEST_BINARY, "--store", db, "--owner", "demo", "--plan", "nope",
                     "--to", "sip:1@sipsmith.test"});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("customer 'demo' has no dial plan 'nope'"), std::string::npos) << r.dump();
  r = run(env_.dir, {DIALPLAN_TEST_BINARY, "--store", db, "--owner", "nobody", "--plan", "out",
                     "--to", "sip:1@sipsmith.test"});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("no customer 'nobody'"), std::string::npos) << r.dump();

  // A store a newer sipsmith migrated: refused, and not touched.
  const std::string newer = env_.dir.file("newer.db");
  std::filesystem::copy_file(db, newer);
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(newer.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(h);
  const std::string newer_before = file_bytes(newer);
  r = run(env_.dir, {DIALPLAN_TEST_BINARY, "--store", newer, "--owner", "demo", "--plan", "out",
                     "--to", "sip:1@sipsmith.test"});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("newer schema"), std::string::npos) << r.dump();
  EXPECT_EQ(file_bytes(newer), newer_before);
}

}  // namespace
}  // namespace sipsmith::itest
