// sipreg's contract as a program: exit codes 1/2/3 for SIP failure, usage
// error and network failure or timeout, --nagios lines and states, TLS
// verification, --dry-run sending nothing, and --help, the man page and the
// completions listing the same flags.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "support/sipreg_fixture.hpp"

#ifndef SIPSMITH_SOURCE_DIR
#error "SIPSMITH_SOURCE_DIR must name the source tree"
#endif

namespace sipsmith::itest {
namespace {

// ---- exit codes

TEST_F(SipregIntegration, ForbiddenExitsOne) {
  auto s = sipp({"forbidden.xml", Proto::Udp, "127.0.0.1", {}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--json", s->hostport()}, dir_);
  EXPECT_EQ(r.status, 1) << r.dump();
  const json res = r.result();
  EXPECT_FALSE(res.value("ok", true));
  EXPECT_EQ(res.value("exit_code", -1), 1);
  EXPECT_EQ(res.value("failure", ""), "rejected");
  EXPECT_EQ(res.value("status", 0), 403);
  expect_scenario_passed(*s);
}

TEST_F(SipregIntegration, NagiosCriticalOnForbidden) {
  auto s = sipp({"forbidden.xml", Proto::Udp, "127.0.0.1", {}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--nagios", s->hostport()}, dir_);
  EXPECT_EQ(r.status, 2) << r.dump();
  EXPECT_EQ(r.out.rfind("SIPREG CRITICAL - ", 0), 0u) << r.dump();
  EXPECT_NE(r.out.find("403 Forbidden"), std::string::npos) << r.dump();
}

TEST_F(SipregIntegration, NagiosOkWithPerfdata) {
  auto s = sipp({"register_ok.xml", Proto::Udp, "127.0.0.1", {{"expires", "3600"}}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg(
      {"-u", "alice", "--nagios", "--warning", "5000", "--critical", "9000", s->hostport()}, dir_);
  EXPECT_EQ(r.status, 0) << r.dump();
  const std::regex line(
      R"(^SIPREG OK - registered 3600s in [0-9.]+ ms \(UDP [0-9.:]+\) \| time=[0-9.]+s;5\.000000;9\.000000;0 expires=3600s;;;0\n$)");
  EXPECT_TRUE(std::regex_match(r.out, line)) << r.dump();
  expect_scenario_passed(*s);
}

TEST_F(SipregIntegration, NagiosWarningAboveThreshold) {
  auto s = sipp({"register_ok.xml", Proto::Udp, "127.0.0.1", {{"expires", "60"}}, {}});
  ASSERT_TRUE(s);
  const SipregRun r =
      sipreg({"-u", "alice", "--nagios", "--warning", "0.0001", s->hostport()}, dir_);
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_EQ(r.out.rfind("SIPREG WARNING - registered 60s", 0), 0u) << r.dump();
}

TEST_F(SipregIntegration, NothingAnswersExitsThree) {
  const std::string target = "127.0.0.1:" + std::to_string(free_port("127.0.0.1"));
  const SipregRun r =
      sipreg({"-u", "alice", "--json", "--t1", "20", target}, dir_);  // Timer F: 1.28 s
  EXPECT_EQ(r.status, 3) << r.dump();
  EXPECT_EQ(r.result().value("outcome", ""), "timeout");
  EXPECT_EQ(r.result().value("failure", ""), "timeout");
  EXPECT_LT(r.seconds, 10.0);
}

TEST_F(SipregIntegration, OverallTimeoutExitsThree) {
  const std::string target = "127.0.0.1:" + std::to_string(free_port("127.0.0.1"));
  const SipregRun r = sipreg({"-u", "alice", "--timeout", "0.5", target}, dir_);
  EXPECT_EQ(r.status, 3) << r.dump();
  EXPECT_NE(r.err.find("timeout"), std::string::npos) << r.dump();
  EXPECT_LT(r.seconds, 5.0);
}

TEST_F(SipregIntegration, RefusedTcpConnectionExitsThree) {
  const std::string target = "tcp:127.0.0.1:" + std::to_string(free_port("127.0.0.1"));
  const SipregRun r = sipreg({"-u", "alice", "--json", target}, dir_);
  EXPECT_EQ(r.status, 3) << r.dump();
  EXPECT_EQ(r.result().value("failure", ""), "network") << r.dump();
}

TEST_F(SipregIntegration, UntrustedTlsCertificateExitsThreeUnlessInsecure) {
  auto s = sipp({"register_ok.xml", Proto::Tcp, "127.0.0.1", {{"expires", "60"}}, {}});
  ASSERT_TRUE(s);
  TlsTerminator tls("127.0.0.1", tls_->cert(), tls_->key(), s->ip(), s->port(), dir_);
  const std::string target = "tls:127.0.0.1:" + std::to_string(tls.port());
  const SipregRun refused =
      sipreg({"-u", "alice", "--json", target}, dir_);  // the system store lacks our CA
  EXPECT_EQ(refused.status, 3) << refused.dump();
  const SipregRun insecure = sipreg({"-u", "alice", "--insecure", target}, dir_);
  EXPECT_EQ(insecure.status, 0) << insecure.dump();
  EXPECT_NE(insecure.err.find("NOT verified"), std::string::npos) << insecure.dump();
  expect_scenario_passed(*s);
}

TEST_F(SipregIntegration, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"127.0.0.1"},                                        // no user
      {"-u", "alice", "--transport", "sctp", "127.0.0.1"},  // unknown transport
      {"-u", "alice", "-e", "0", "127.0.0.1"},              // registers nothing
      {"-u", "alice", "--keep", "--query", "127.0.0.1"},    // two modes
      {"-u", "alice", "sip:"},                              // no host
      {
          "-u",
          "alice",
          "udp:[::1",
      },                                                     // broken address
      {"-u", "alice", "--local", "not-an-ip", "127.0.0.1"},  // bad --local
      {"-u", "alice", "--bogus", "127.0.0.1"},               // unknown flag
      {"-u", "alice", "--password-file", "/nonexistent/sipreg-pass", "127.0.0.1"},
      {"-u", "alice", "--warning", "10", "127.0.0.1"},  // threshold without --nagios
      {"-u", "alice", "sips:127.0.0.1", "--transport", "udp"},
  };
  for (const auto& args : cases) {
    const SipregRun r = sipreg(args, dir_, false, 5s);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.status, 2) << joined << "\n" << r.dump();
    EXPECT_TRUE(r.out.empty()) << joined << "\n" << r.dump();
    EXPECT_FALSE(r.err.empty()) << joined;
  }
  // With --nagios a usage error is UNKNOWN (3), on stdout like every Nagios line.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"-u", "alice", "--nagios", "-e", "0", "127.0.0.1"},
                                             {"-u", "alice", "--json", "--nagios", "127.0.0.1"},
                                             {"-u", "alice", "--nagios", "--bogus", "127.0.0.1"}}) {
    const SipregRun nagios = sipreg(args, dir_, false, 5s);
    EXPECT_EQ(nagios.status, 3) << nagios.dump();
    EXPECT_EQ(nagios.out.rfind("SIPREG UNKNOWN - ", 0), 0u) << nagios.dump();
  }
}

// ---- --dry-run

// A UDP socket on a free port that records whether anything arrives.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  std::uint16_t port() const { return port_; }
  bool received_within(Millis t) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(t.count())) > 0;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(SipregIntegration, DryRunPrintsTheRequestAndSendsNothing) {
  Listener registrar;
  const std::string hostport = "127.0.0.1:" + std::to_string(registrar.port());
  const SipregRun r = sipreg(
      {"-u", "alice", "-e", "600", "--contact", "sip:alice@192.0.2.1:5080", "--dry-run", hostport},
      dir_, false);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.out.rfind("REGISTER sip:" + hostport + " SIP/2.0\r\n", 0), 0u) << r.dump();
  EXPECT_NE(r.out.find("\r\nTo: <sip:alice@127.0.0.1>\r\n"), std::string::npos) << r.dump();
  EXPECT_NE(r.out.find("\r\nContact: <sip:alice@192.0.2.1:5080>\r\n"), std::string::npos)
      << r.dump();
  EXPECT_NE(r.out.find("\r\nExpires: 600\r\n"), std::string::npos) << r.dump();
  EXPECT_NE(r.out.find("\r\nVia: SIP/2.0/UDP 127.0.0.1:"), std::string::npos) << r.dump();
  EXPECT_TRUE(r.out.ends_with("\r\n\r\n")) << r.dump();
  EXPECT_FALSE(registrar.received_within(300ms));
}

TEST_F(SipregIntegration, DryRunOfUnregisterAllThroughAProxyAsJson) {
  const SipregRun r = sipreg({"-u", "alice", "--unregister-all", "--dry-run", "--json", "--proxy",
                              "tcp:127.0.0.1:5999", "sip:example.com"},
                             dir_, false);
  ASSERT_EQ(r.status, 0) << r.dump();
  const auto dry = r.of("dry_run");
  ASSERT_EQ(dry.size(), 1u) << r.dump();
  const std::string m = dry[0].value("message", "");
  EXPECT_EQ(m.rfind("REGISTER sip:example.com SIP/2.0\r\n", 0), 0u) << m;
  EXPECT_NE(m.find("\r\nRoute: <sip:127.0.0.1:5999;transport=tcp;lr>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nVia: SIP/2.0/TCP 127.0.0.1;"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nContact: *\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nExpires: 0\r\n"), std::string::npos) << m;
}

// ---- documentation stays in step with --help

std::set<std::string> long_flags(const std::string& text) {
  std::set<std::string> flags;
  const std::regex flag(R"(--([a-z][a-z0-9-]+))");
  for (std::sregex_iterator it(text.begin(), text.end(), flag), end; it != end; ++it)
    flags.insert((*it)[1]);
  return flags;
}

TEST_F(SipregIntegration, HelpManPageAndCompletionsListTheSameFlags) {
  const SipregRun help = sipreg({"--help"}, dir_, false, 5s);
  ASSERT_EQ(help.status, 0);
  // Flags in the option list (the examples section may repeat them).
  const std::string options = help.out.substr(0, help.out.find("Examples:"));
  const std::set<std::string> flags = long_flags(options);
  ASSERT_GT(flags.size(), 20u) << options;
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);

  const std::string src = SIPSMITH_SOURCE_DIR;
  std::string man = read_file(src + "/man/sipreg.1");
  // roff writes "\-\-flag".
  for (std::size_t p; (p = man.find("\\-")) != std::string::npos;) man.replace(p, 2, "-");
  const std::string bash = read_file(src + "/completions/bash/sipreg");
  const std::string zsh = read_file(src + "/completions/zsh/_sipreg");
  const std::string fish = read_file(src + "/completions/fish/sipreg.fish");
  for (const char* sec : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES"})
    EXPECT_NE(man.find(std::string(".SH ") + sec), std::string::npos) << sec;
  for (const auto& f : flags) {
    EXPECT_NE(man.find("--" + f), std::string::npos) << "man page lacks --" << f;
    EXPECT_NE(bash.find("--" + f), std::string::npos) << "bash completion lacks --" << f;
    EXPECT_NE(zsh.find("--" + f), std::string::npos) << "zsh completion lacks --" << f;
    EXPECT_NE(fish.find("-l " + f + " "), std::string::npos) << "fish completion lacks -l " << f;
  }
  // And nothing documented that --help does not know.
  for (const auto& f : long_flags(bash))
    EXPECT_TRUE(flags.count(f)) << "bash completion has unknown --" << f;
}

TEST_F(SipregIntegration, VersionPrintsTheProjectVersion) {
  const SipregRun r = sipreg({"--version"}, dir_, false, 5s);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("sipreg ", 0), 0u) << r.dump();
}

}  // namespace
}  // namespace sipsmith::itest
