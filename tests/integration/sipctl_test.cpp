// sipctl as a program, against a real control server without the daemon: an
// in-process ControlServer (its own EventLoop thread) with every command over
// a real SQLite store in a temp directory. Covers the output modes (tables,
// records, NDJSON), exit codes 0/1/2/3, passwords, export/import through
// files and stdin, and --help, the man page and the completions listing the
// same commands and flags.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/control/context.hpp"
#include "sip/control/registry.hpp"
#include "sip/control/server.hpp"
#include "sip/directory/directory.hpp"
#include "../support/pg_test_server.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/sqlite_store.hpp"
#include "sip/transport/event_loop.hpp"
#include "support/process.hpp"
#include "support/test_store.hpp"

#ifndef SIPCTL_BINARY
#error "SIPCTL_BINARY must name the sipctl executable"
#endif
#ifndef SIPSMITH_SOURCE_DIR
#error "SIPSMITH_SOURCE_DIR must name the source tree"
#endif

namespace sipsmith::itest {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The control half of sipproxyd: store, directory, commands, socket server,
// run on a loop thread of its own.
class ControlNode {
 public:
  ControlNode(const std::string& db_path, const std::string& socket_path) {
    // SIPSMITH_TEST_STORE=postgres (ctest label postgresql): a fresh
    // database on the tests' PostgreSQL instead of the file.
    auto s = [&db_path] {
      if (sipsmith::itest::test_store_is_postgres()) {
        sip::store::PgOptions pg;
        pg.url = sip::testing::pg_fresh_database_conninfo();
        return sip::store::open_postgres(pg);
      }
      sip::store::SqliteOptions o;
      o.path = db_path;
      return sip::store::open_sqlite(o);
    }();
    if (!s) throw std::runtime_error("open the store: " + s.error().to_string());
    store_ = std::move(*s);
    context_ = std::make_unique<sip::control::Context>(
        sip::control::Context{*store_, directory_, nullptr, {}, {}});
    context_->password_iterations = 1000;
    sip::control::register_commands(registry_, *context_);
    sip::control::ServerOptions so;
    so.path = socket_path;
    so.password_iterations = 1000;  // as the commands' own hashing here
    server_ = std::make_unique<sip::control::ControlServer>(loop_, so, registry_);
    if (auto r = server_->start(); !r) throw std::runtime_error(r.error().to_string());
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~ControlNode() {
    loop_.post([this] {
      server_->stop();
      loop_.stop();
    });
    thread_.join();
  }

 private:
  sip::transport::EventLoop loop_;
  std::unique_ptr<sip::store::Store> store_;
  sip::directory::Directory directory_;
  std::unique_ptr<sip::control::Context> context_;
  sip::control::CommandRegistry registry_;
  std::unique_ptr<sip::control::ControlServer> server_;
  std::thread thread_;
};

struct CtlRun {
  int status = -1;
  std::string out, err;
  std::string dump() const {
    return "exit " + std::to_string(status) + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
  }
  std::vector<json> ndjson() const {
    std::vector<json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
};

class SipctlTest : public ::testing::Test {
 public:
  void SetUp() override {
    socket_ = dir_.file("ctl.sock");
    node_ = std::make_unique<ControlNode>(dir_.file("store.db"), socket_);
  }

  // Runs sipctl with $SIPSMITH_CONTROL_SOCKET pointing at our server.
  CtlRun sipctl(const std::vector<std::string>& args,
                std::vector<std::pair<std::string, std::string>> env = {}) {
    SpawnOptions o;
    o.argv = {SIPCTL_BINARY};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    env.emplace_back("SIPSMITH_CONTROL_SOCKET", socket_);
    o.env = std::move(env);
    o.unset_env = {"SIPCTL_PASSWORD"};
    for (const auto& [k, v] : o.env)
      if (k == "SIPCTL_PASSWORD") o.unset_env.clear();
    return spawn(o);
  }
  // Runs a shell command line (for stdin redirection), same environment.
  CtlRun shell(const std::string& command) {
    SpawnOptions o;
    o.argv = {"/bin/sh", "-c", command};
    o.env = {{"SIPSMITH_CONTROL_SOCKET", socket_}, {"SIPCTL", SIPCTL_BINARY}};
    return spawn(o);
  }

  CtlRun spawn(SpawnOptions o) {
    o.stdout_file = dir_.file("out.txt");
    o.stderr_file = dir_.file("err.txt");
    CtlRun r;
    {
      Child c(o);
      auto s = c.wait_for(10000ms);
      EXPECT_TRUE(s.has_value()) << "sipctl did not finish";
      r.status = s ? *s : c.stop();
    }
    r.out = read_file(o.stdout_file);
    r.err = read_file(o.stderr_file);
    return r;
  }

  TempDir dir_;
  std::string socket_;
  std::unique_ptr<ControlNode> node_;
};

// One value of a "key: value" record line.
std::string field(const std::string& out, const std::string& key) {
  std::smatch m;
  std::regex re("(^|\n)" + key + ":[ ]+([^\n]*)");
  return std::regex_search(out, m, re) ? m[2].str() : std::string();
}

TEST_F(SipctlTest, ProvisionsCustomersDomainsAndAccounts) {
  CtlRun r = sipctl({"customer", "add", "demo", "--max-accounts", "5"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(field(r.out, "username"), "demo");
  EXPECT_EQ(field(r.out, "max_accounts"), "5");
  std::string generated = field(r.out, "password");
  EXPECT_NE(generated.find("(generated; shown only now)"), std::string::npos) << r.dump();

  ASSERT_EQ(sipctl({"domain", "add", "sipsmith.test", "--alias", "local"}).status, 0);
  r = sipctl({"account", "add", "1001@local", "--owner", "demo", "--keepalive", "options",
              "--description", "front desk"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(field(r.out, "domain"), "sipsmith.test");
  EXPECT_EQ(field(r.out, "keepalive"), "options");
  const std::string password = field(r.out, "password").substr(0, 16);
  ASSERT_EQ(password.size(), 16u) << r.dump();
  ASSERT_EQ(sipctl({"account", "add", "1002@sipsmith.test", "--owner", "demo", "--incoming-only"},
                   {{"SIPCTL_PASSWORD", "chosen-pw"}})
                .status,
            0);

  // A table with aligned columns.
  r = sipctl({"account", "list"});
  ASSERT_EQ(r.status, 0) << r.dump();
  std::istringstream lines(r.out);
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_EQ(header.rfind("USERNAME", 0), 0u) << r.out;
  EXPECT_EQ(header.find("DOMAIN"), row1.find("sipsmith.test")) << r.out;
  EXPECT_EQ(row1.find("sipsmith.test"), row2.find("sipsmith.test")) << r.out;
  EXPECT_NE(row1.find("front desk"), std::string::npos) << r.out;

  // NDJSON: one object per account, no secrets.
  r = sipctl({"--json", "account", "list", "--owner", "demo"});
  ASSERT_EQ(r.status, 0) << r.dump();
  auto accounts = r.ndjson();
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0]["username"], "1001");
  EXPECT_EQ(accounts[1]["incoming_only"], true);
  EXPECT_EQ(r.out.find("ha1"), std::string::npos);

  // The secrets behind the generated and the chosen password.
  r = sipctl({"--json", "export"});
  ASSERT_EQ(r.status, 0) << r.dump();
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["accounts"].size(), 2u);
  EXPECT_EQ(doc["accounts"][0]["ha1_md5"],
            *sip::auth::ha1(sip::auth::DigestHash::Md5, "1001", "sipsmith.test", password));
  EXPECT_EQ(doc["accounts"][1]["ha1_sha256"],
            *sip::auth::ha1(sip::auth::DigestHash::Sha256, "1002", "sipsmith.test", "chosen-pw"));

  // set / passwd / show / rm
  r = sipctl({"account", "set", "1001@sipsmith.test", "--disabled", "yes"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(field(r.out, "disabled"), "yes");
  r = sipctl({"account", "passwd", "1001@sipsmith.test"});  // no source, no terminal: generated
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_NE(r.out.find("password changed for 1001@sipsmith.test"), std::string::npos) << r.out;
  const std::string fresh = field(r.out, "password").substr(0, 16);
  doc = json::parse(sipctl({"--json", "export"}).out);
  EXPECT_EQ(doc["accounts"][0]["ha1_md5"],
            *sip::auth::ha1(sip::auth::DigestHash::Md5, "1001", "sipsmith.test", fresh));
  r = sipctl({"--json", "account", "show", "1001@sipsmith.test"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(json::parse(r.out)["disabled"], true);
  r = sipctl({"account", "rm", "1002@sipsmith.test"});
  EXPECT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.out, "removed\n");
  r = sipctl({"domain", "list"});
  EXPECT_NE(r.out.find("local"), std::string::npos) << r.out;
  r = sipctl({"stats"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_NE(r.out.find("accounts: 1\n"), std::string::npos) << r.out;
  r = sipctl({"raw", "customer.get", R"({"username":"demo"})"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(json::parse(r.out)["username"], "demo");
}

TEST_F(SipctlTest, ProvidersAndDialPlansRoundTrip) {
  ASSERT_EQ(sipctl({"customer", "add", "demo"}).status, 0);
  const std::string pw_file = dir_.file("provider.pw");
  { std::ofstream(pw_file) << "itsp-secret\n"; }
  CtlRun r =
      sipctl({"provider", "add", "ITSP", "--owner", "demo", "--server", "sip.example.net:5080",
              "--username", "joe", "-P", pw_file, "--register", "--register-expiry", "600"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(field(r.out, "server"), "sip:sip.example.net:5080");
  EXPECT_EQ(field(r.out, "password_set"), "yes");
  EXPECT_EQ(field(r.out, "register_expiry"), "600");
  EXPECT_EQ(r.out.find("itsp-secret"), std::string::npos) << r.out;
  r = sipctl({"--json", "provider", "list", "--owner", "demo"});
  ASSERT_EQ(r.status, 0) << r.dump();
  auto providers = r.ndjson();
  ASSERT_EQ(providers.size(), 1u);
  EXPECT_EQ(providers[0]["name"], "ITSP");
  EXPECT_EQ(providers[0]["register_enabled"], true);
  EXPECT_EQ(r.out.find("itsp-secret"), std::string::npos) << r.out;
  r = sipctl({"provider", "set", "itsp", "--owner", "demo", "--register", "no"},
             {{"SIPCTL_PASSWORD", "other-secret"}});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(field(r.out, "register_enabled"), "no");
  json doc = json::parse(sipctl({"--json", "export"}).out);
  ASSERT_EQ(doc["providers"].size(), 1u);
  EXPECT_EQ(doc["providers"][0]["password"], "other-secret");

  // A dial plan from a file, then one from stdin with a Lua syntax error.
  const std::string plan = dir_.file("out.lua");
  { std::ofstream(plan) << "sys.Log('calling')\nsys.Dial(req.URI.User .. '@ITSP')\n"; }
  r = sipctl({"dialplan", "add", "out", "--owner", "demo", "--type", "lua", "--file", plan,
              "--description", "outgoing"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(field(r.out, "type"), "lua");
  r = sipctl({"dialplan", "show", "out", "--owner", "demo"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_NE(r.out.find("---\nsys.Log('calling')\nsys.Dial("), std::string::npos) << r.out;
  r = shell(
      "printf 'sys.Log(1)\\nif x then\\nsys.Log(2)\\n' | \"$SIPCTL\" dialplan add bad "
      "--owner demo --type lua --file -");
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.dump();  // 'end' expected at the end
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.dump();
  r = sipctl({"--json", "dialplan", "list", "--owner", "demo"});
  ASSERT_EQ(r.status, 0) << r.dump();
  ASSERT_EQ(r.ndjson().size(), 1u);
  EXPECT_EQ(r.ndjson()[0]["name"], "out");
  r = sipctl({"dialplan", "list"});
  EXPECT_NE(r.out.find("outgoing"), std::string::npos) << r.out;
  r = shell("echo 'sys.Log(\"v2\")' | \"$SIPCTL\" --json dialplan set out --owner demo -f -");
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(json::parse(r.out)["source"], "sys.Log(\"v2\")\n");

  r = sipctl({"--json", "cdr", "list", "--owner", "demo", "--limit", "5"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.out, "");  // no calls yet
  EXPECT_EQ(sipctl({"dialplan", "rm", "out", "--owner", "demo"}).out, "removed\n");
  EXPECT_EQ(sipctl({"provider", "rm", "itsp", "--owner", "demo"}).out, "removed\n");
  r = sipctl({"provider", "show", "itsp", "--owner", "demo"});
  EXPECT_EQ(r.status, 1) << r.dump();
}

TEST_F(SipctlTest, DialplanTestPrintsTheDryRunTraceOrASummary) {
  ASSERT_EQ(sipctl({"customer", "add", "demo"}).status, 0);
  ASSERT_EQ(
      sipctl({"provider", "add", "itsp", "--owner", "demo", "--server", "sip.example.net"}).status,
      0);
  const std::string plan = dir_.file("out.lua");
  { std::ofstream(plan) << "sys.Log('dry')\nsys.Dial('${dst}@itsp')\n"; }
  ASSERT_EQ(sipctl({"dialplan", "add", "out", "--owner", "demo", "--file", plan}).status, 0);
  const std::string outcomes = dir_.file("outcomes.json");
  {
    std::ofstream(outcomes) << "// busy for a while\n"
                               "{\"outcomes\": [{\"match\": \"sip:*@sip.example.net\", "
                               "\"status\": 486, \"delay\": 2}]}\n";
  }
  CtlRun r = sipctl({"--json", "dialplan", "test", "out", "--to", "sip:123@example.org",
                     "--outcomes", outcomes, "-H", "X-Test: 1", "--at", "2024-07-01T09:30:00Z"});
  ASSERT_EQ(r.status, 0) << r.dump();
  const auto events = r.ndjson();
  ASSERT_GE(events.size(), 5u) << r.out;
  EXPECT_EQ(events.front()["event"], "call");
  EXPECT_EQ(events.front()["start_time"], 1719826200);
  EXPECT_EQ(events.back()["event"], "final");
  EXPECT_EQ(events.back()["status"], 486);
  EXPECT_EQ(events.back()["t"], 2.0);
  r = sipctl({"dialplan", "test", "out", "--owner", "demo", "--to", "sip:123@example.org",
              "--outcomes", outcomes});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_NE(r.out.find("  dial 123@itsp\n    leg 0 stage 0 provider sip:123@sip.example.net"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  final 486 Busy Here\n"), std::string::npos) << r.out;
  // The outcome table is checked here, with the place of the error.
  { std::ofstream(outcomes) << "{\"outcomes\": [{\"match\": \"regex:(\"}]}"; }
  r = sipctl({"dialplan", "test", "out", "--to", "sip:1@x", "--outcomes", outcomes});
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_NE(r.err.find("outcomes.json:1:"), std::string::npos) << r.dump();
  EXPECT_NE(r.err.find("bad regular expression"), std::string::npos) << r.dump();
  r = sipctl({"dialplan", "test", "out", "--to", "sip:1@x", "--at", "noon"});
  EXPECT_EQ(r.status, 2) << r.dump();
  r = sipctl({"dialplan", "test", "out", "--to", "sip:1@x", "--account", "1@nowhere.test"});
  EXPECT_EQ(r.status, 1) << r.dump();
}

TEST_F(SipctlTest, DaemonErrorsExitOneWithOneLineOnStderr) {
  CtlRun r = sipctl({"account", "show", "nobody@nowhere.test"});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sipctl: not_found: no account nobody@nowhere.test\n");
  r = sipctl({"customer", "add", "x"});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_EQ(r.err.rfind("sipctl: invalid_argument: username", 0), 0u) << r.err;
  r = sipctl({"raw", "no.such.method"});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find("unknown_method"), std::string::npos);
}

TEST_F(SipctlTest, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"account"},
                                             {"account", "show", "no-at-sign"},
                                             {"account", "add", "1001@x.test"},  // --owner missing
                                             {"account", "set", "1@x.test", "--disabled", "maybe"},
                                             {"raw", "stats", "[1,2]"},
                                             {"import", "/nonexistent/doc.json"},
                                             {"--timeout", "-1", "stats"},
                                             {"frobnicate"}}) {
    CtlRun r = sipctl(args);
    EXPECT_EQ(r.status, 2) << r.dump();
    EXPECT_NE(r.err.find("sipctl"), std::string::npos) << r.dump();
  }
}

TEST_F(SipctlTest, NoDaemonOrNoAnswerExitsThree) {
  CtlRun r = sipctl({"--socket", dir_.file("absent.sock"), "stats"});
  EXPECT_EQ(r.status, 3) << r.dump();
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;

  // A socket that accepts connections but never answers.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string mute = dir_.file("mute.sock");
  std::memcpy(addr.sun_path, mute.data(), mute.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  const auto start = std::chrono::steady_clock::now();
  r = sipctl({"--socket", mute, "--timeout", "0.3", "stats"});
  EXPECT_EQ(r.status, 3) << r.dump();
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ::close(fd);
}

TEST_F(SipctlTest, ExportToAFileAndImportItBack) {
  ASSERT_EQ(sipctl({"customer", "add", "demo"}).status, 0);
  ASSERT_EQ(sipctl({"domain", "add", "sipsmith.test"}).status, 0);
  ASSERT_EQ(sipctl({"account", "add", "1001@sipsmith.test", "--owner", "demo"}).status, 0);
  const std::string file = dir_.file("prov.json");
  CtlRun r = sipctl({"export", "-o", file});
  ASSERT_EQ(r.status, 0) << r.dump();
  const json doc = json::parse(read_file(file));
  EXPECT_EQ(doc["format"], "sipsmith-provisioning");

  ASSERT_EQ(sipctl({"account", "rm", "1001@sipsmith.test"}).status, 0);
  r = sipctl({"import", file, "--dry-run"});
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.out,
            "dry run, nothing changed: would import 1 customer(s), 1 domain(s), 1 account(s), "
            "0 provider(s), 0 dial plan(s)\n");
  EXPECT_EQ(sipctl({"account", "show", "1001@sipsmith.test"}).status, 1);

  r = shell("\"$SIPCTL\" --json import - --replace < '" + file + "'");
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(
      json::parse(r.out),
      json(
          {{"customers", 1}, {"domains", 1}, {"accounts", 1}, {"providers", 0}, {"dialplans", 0}}));
  EXPECT_EQ(json::parse(sipctl({"--json", "export"}).out), doc);

  // A bad document changes nothing and names the record.
  json bad = doc;
  bad["accounts"][0]["keepalive"] = "sometimes";
  write_file(dir_.file("bad.json"), bad.dump());
  r = sipctl({"import", dir_.file("bad.json")});
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find("accounts[0].keepalive"), std::string::npos) << r.err;
  write_file(dir_.file("junk.json"), "{not json");
  EXPECT_EQ(sipctl({"import", dir_.file("junk.json")}).status, 2);
}

// ---- documentation in step with --help

std::set<std::string> long_flags(const std::string& text) {
  std::set<std::string> out;
  std::regex re("--([a-z][a-z0-9-]*)");
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
    out.insert((*it)[1].str());
  return out;
}

TEST_F(SipctlTest, HelpManPageAndCompletionsListTheSameCommandsAndFlags) {
  const std::vector<std::vector<std::string>> commands = {
      {"customer", "list"}, {"customer", "show"},
      {"customer", "add"},  {"customer", "set"},
      {"customer", "rm"},   {"domain", "list"},
      {"domain", "add"},    {"domain", "set"},
      {"domain", "rm"},     {"account", "list"},
      {"account", "show"},  {"account", "add"},
      {"account", "set"},   {"account", "passwd"},
      {"account", "rm"},    {"binding", "list"},
      {"binding", "rm"},    {"provider", "list"},
      {"provider", "show"}, {"provider", "add"},
      {"provider", "set"},  {"provider", "rm"},
      {"dialplan", "list"}, {"dialplan", "show"},
      {"dialplan", "add"},  {"dialplan", "set"},
      {"dialplan", "rm"},   {"dialplan", "test"},
      {"cdr", "list"},      {"stats"},
      {"reload"},           {"export"},
      {"import"},           {"raw"},
      {"console"}};
  std::set<std::string> flags;
  CtlRun top = sipctl({"--help"});
  ASSERT_EQ(top.status, 0);
  EXPECT_NE(top.out.find("Examples:"), std::string::npos);
  flags = long_flags(top.out.substr(0, top.out.find("Examples:")));
  for (const auto& c : commands) {
    std::vector<std::string> args = c;
    args.push_back("--help");
    CtlRun h = sipctl(args);
    ASSERT_EQ(h.status, 0) << h.dump();
    for (const auto& f : long_flags(h.out)) flags.insert(f);
  }
  EXPECT_GT(flags.size(), 25u);

  const std::string src = SIPSMITH_SOURCE_DIR;
  std::string man = read_file(src + "/man/sipctl.1");
  for (std::size_t p; (p = man.find("\\-")) != std::string::npos;) man.replace(p, 2, "-");
  const std::string bash = read_file(src + "/completions/bash/sipctl");
  const std::string zsh = read_file(src + "/completions/zsh/_sipctl");
  const std::string fish = read_file(src + "/completions/fish/sipctl.fish");
  for (const char* sec : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS",
                          "EXAMPLES", "FILES", "SEE ALSO"})
    EXPECT_NE(man.find(std::string(".SH ") + sec), std::string::npos) << sec;
  for (const auto& f : flags) {
    EXPECT_NE(man.find("--" + f), std::string::npos) << "man page lacks --" << f;
    EXPECT_NE(bash.find("--" + f), std::string::npos) << "bash completion lacks --" << f;
    EXPECT_NE(zsh.find("--" + f), std::string::npos) << "zsh completion lacks --" << f;
    EXPECT_NE(fish.find("-l " + f + " "), std::string::npos) << "fish completion lacks -l " << f;
  }
  for (const auto& f : long_flags(bash))
    EXPECT_TRUE(flags.count(f)) << "bash completion has unknown --" << f;
  for (const auto& c : commands) {
    for (const auto& word : c) {
      EXPECT_NE(bash.find(word), std::string::npos) << "bash lacks " << word;
      EXPECT_NE(zsh.find(word), std::string::npos) << "zsh lacks " << word;
      EXPECT_NE(fish.find(word), std::string::npos) << "fish lacks " << word;
    }
    std::string joined = c[0] + (c.size() > 1 ? " " + c[1] : "");
    EXPECT_NE(man.find(joined), std::string::npos) << "man page lacks " << joined;
  }
}

TEST_F(SipctlTest, VersionPrintsTheProjectVersion) {
  CtlRun r = sipctl({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(std::regex_match(r.out, std::regex("sipctl [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.out;
}

}  // namespace
}  // namespace sipsmith::itest
