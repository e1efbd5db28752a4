// rtpdiag behind a NAT the test builds itself from three network
// namespaces: the caller (SIPp, 192.168.77.2) routes through a router
// namespace that masquerades (nftables) onto 198.51.100.0/24, where rtpdiag
// listens (198.51.100.2). Nothing touches the host's interfaces; the
// namespaces (and with them the veth pairs and rules) are deleted at the
// end in every case. rtpdiag must report the private advertised address
// against the real (translated) source, RTP sent back to that source must
// reach the caller (an nftables counter in the caller's namespace), and
// RTP to the private address must fail. Skips only when namespaces cannot
// be created (not root, no CAP_SYS_ADMIN).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/rtpdiag_fixture.hpp"

namespace sipsmith::itest {
namespace {

using nlohmann::json;

constexpr Millis kCommand{10000};
constexpr Millis kTest{20000};
constexpr int kPackets = 50;
constexpr std::uint16_t kMediaPort = 6000;
constexpr const char* kCallerIp = "192.168.77.2";
constexpr const char* kRouterOutside = "198.51.100.1";
constexpr const char* kServerIp = "198.51.100.2";

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run_command(const TempDir& dir, std::vector<std::string> argv) {
  static int n = 0;
  const std::string out = dir.file("cmd-" + std::to_string(++n) + ".out");
  const std::string program = find_program(argv[0]);
  if (program.empty()) return {127, argv[0] + " not found"};
  argv[0] = program;
  SpawnOptions o;
  o.argv = argv;
  o.stdout_file = out;
  o.stderr_file = out + ".err";
  Child c(o);
  CommandResult r;
  r.status = c.wait_for(kCommand).value_or(-1);
  r.output = read_file(out) + read_file(out + ".err");
  return r;
}

// Three namespaces named after our PID; deleted by the destructor.
class NatLab {
 public:
  explicit NatLab(const TempDir& dir) : dir_(dir) {
    const std::string tag = std::to_string(::getpid());
    caller = "rtpdiag-c" + tag;
    router = "rtpdiag-r" + tag;
    server = "rtpdiag-s" + tag;
    remove_stale();
  }
  ~NatLab() {
    for (const auto& ns : created_) run_command(dir_, {"ip", "netns", "del", ns});
  }
  // Namespaces of this test left by a run that was killed (its PID is
  // gone): only our own naming scheme, never anything else.
  void remove_stale() {
    auto r = run_command(dir_, {"ip", "netns", "list"});
    const std::regex ours(R"(^rtpdiag-[crs]([0-9]+)\b)");
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, ours)) continue;
      if (::kill(static_cast<pid_t>(std::stol(m[1])), 0) == 0 || errno == EPERM) continue;
      run_command(dir_, {"ip", "netns", "del", m[0]});
    }
  }
  // False (with `why`) when a namespace cannot be created.
  bool create(std::string& why) {
    for (const auto& ns : {caller, router, server}) {
      auto r = run_command(dir_, {"ip", "netns", "add", ns});
      if (r.status != 0) {
        why = "ip netns add " + ns + ": " + r.output;
        return false;
      }
      created_.push_back(ns);
    }
    return true;
  }
  // Links, addresses, routes, forwarding, the masquerade and the counter.
  void build() {
    const std::string nat = dir_.file("nat.nft");
    write_file(nat,
               "table ip rtpdiag_nat {\n chain post {\n  type nat hook postrouting priority 100;\n"
               "  oifname \"vrs\" masquerade\n }\n}\n");
    const std::string count = dir_.file("count.nft");
    write_file(count,
               "table ip rtpdiag_count {\n chain in {\n  type filter hook input priority 0;\n"
               "  udp dport " +
                   std::to_string(kMediaPort) + " counter\n }\n}\n");
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "-n", caller, "link", "add", "vc", "type", "veth", "peer", "name", "vrc", "netns",
         router},
        {"ip", "-n", server, "link", "add", "vs", "type", "veth", "peer", "name", "vrs", "netns",
         router},
        {"ip", "-n", caller, "addr", "add", std::string(kCallerIp) + "/24", "dev", "vc"},
        {"ip", "-n", caller, "link", "set", "vc", "up"},
        {"ip", "-n", caller, "link", "set", "lo", "up"},
        {"ip", "-n", caller, "route", "add", "default", "via", "192.168.77.1"},
        {"ip", "-n", router, "addr", "add", "192.168.77.1/24", "dev", "vrc"},
        {"ip", "-n", router, "addr", "add", std::string(kRouterOutside) + "/24", "dev", "vrs"},
        {"ip", "-n", router, "link", "set", "vrc", "up"},
        {"ip", "-n", router, "link", "set", "vrs", "up"},
        {"ip", "-n", router, "link", "set", "lo", "up"},
        {"ip", "-n", server, "addr", "add", std::string(kServerIp) + "/24", "dev", "vs"},
        {"ip", "-n", server, "link", "set", "vs", "up"},
        {"ip", "-n", server, "link", "set", "lo", "up"},
        {"ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
        {"ip", "netns", "exec", router, "nft", "-f", nat},
        {"ip", "netns", "exec", caller, "nft", "-f", count},
    };
    for (const auto& s : steps) {
      auto r = run_command(dir_, s);
      ASSERT_EQ(r.status, 0) << "step failed: " << testing::PrintToString(s) << "\n"
                             << r.output
                             << (r.status == 127 ? " (install iproute2 and nftables)" : "");
    }
  }
  // Packets the caller's namespace received on the media port.
  long received_on_media_port() {
    auto r = run_command(
        dir_, {"ip", "netns", "exec", caller, "nft", "list", "table", "ip", "rtpdiag_count"});
    std::smatch m;
    if (!std::regex_search(r.output, m, std::regex("counter packets ([0-9]+)"))) return -1;
    return std::stol(m[1]);
  }
  std::vector<std::string> exec_in(const std::string& ns) const {
    return {"ip", "netns", "exec", ns};
  }

  std::string caller, router, server;

 private:
  const TempDir& dir_;
  std::vector<std::string> created_;
};

TEST(RtpdiagNat, PrivateAdvertisedAddressAgainstTheTranslatedSource) {
  TempDir dir;
  NatLab lab(dir);
  std::string why;
  if (!lab.create(why)) GTEST_SKIP() << "cannot create network namespaces: " << why;
  lab.build();
  if (HasFatalFailure()) return;
  write_rtp_tone(dir, kPackets);

  Rtpdiag diag(dir,
               {"--listen", std::string(kServerIp) + ":5060", "--rtp-ports", "20000-20099",
                "--duration", "2", "--json", "--once", "--timeout", "30"},
               lab.exec_in(lab.server));
  auto listening = diag.wait_event("listening", kTest);
  ASSERT_TRUE(listening) << diag.diagnostics();

  // SIPp inside the caller's namespace (own port space: fixed ports are free;
  // -cp's default 8888 too).
  SpawnOptions o = sipp_caller(
      dir, "sipp-nat", lab.exec_in(lab.caller), std::string(kServerIp) + ":5060", kCallerIp, 5070,
      kMediaPort, user_of(listening->value("address", "")), kServerIp, kCallerIp, "IP4", 8888);
  Child sipp(o);

  auto report = diag.wait_event("report", kTest);
  const auto sipp_status = sipp.wait_for(kTest);
  ASSERT_TRUE(report) << diag.diagnostics() << read_file(dir.file("sipp-nat.errors"));
  SCOPED_TRACE(report->dump(2));
  const json& call = (*report)["call"];
  const std::string translated = std::string(kRouterOutside) + ":" + std::to_string(kMediaPort);
  const std::string advertised = std::string(kCallerIp) + ":" + std::to_string(kMediaPort);
  EXPECT_EQ(call.value("signalling_source", "").rfind(std::string(kRouterOutside) + ":", 0), 0u);
  EXPECT_EQ(call.value("advertised", ""), advertised);
  EXPECT_TRUE(call.value("advertised_private", false));
  EXPECT_EQ(call.value("expected_from", ""), "signalling_source");
  EXPECT_EQ(call.value("expected", ""), translated);
  // The masquerade keeps the source port while it is free (it is here).
  EXPECT_EQ(report->value("actual", ""), translated);
  EXPECT_EQ(report->value("verdict", ""), "match");
  EXPECT_EQ(report->value("packets", 0), kPackets);
  EXPECT_EQ(report->value("lost", -1), 0);
  long sent_back = -1;
  for (const auto& s : (*report)["sent"]) {
    if (s.value("role", "") == "actual") {
      EXPECT_EQ(s.value("to", ""), translated);
      EXPECT_TRUE(s.value("got_through", false));
      sent_back = s.value("packets", 0L);
    }
    if (s.value("role", "") == "advertised") {
      EXPECT_EQ(s.value("to", ""), advertised);
      EXPECT_FALSE(s.value("got_through", true));  // no route to the private address
    }
  }
  EXPECT_GT(sent_back, 0);
  // What rtpdiag sent to the translated source arrived behind the NAT.
  EXPECT_EQ(lab.received_on_media_port(), sent_back);
  EXPECT_EQ(diag.wait_exit(kTest), 0) << diag.diagnostics();
  EXPECT_EQ(sipp_status, 0) << read_file(dir.file("sipp-nat.errors"));
}

}  // namespace
}  // namespace sipsmith::itest
