// sipreg against real peers: SIPp UAS scenarios for MD5 and SHA-256
// digest (401, 407, stale=true), refresh before expiry and unregistration
// on SIGTERM, query and unregister-all, a lost request retransmitted on
// schedule, over UDP, TCP and TLS (socat in front of SIPp) on 127.0.0.1 and
// ::1; SRV failover through a real dnsmasq.
#include <signal.h>

#include <optional>
#include <sstream>

#include "support/sipreg_fixture.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;

// ---- digest challenges

TEST_F(SipregIntegration, Md5Challenge401OverUdpIpv4) {
  auto s = sipp({"auth_md5.xml", Proto::Udp, "127.0.0.1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--json", s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.statuses(), (std::vector<int>{401, 200}));
  EXPECT_EQ(r.states(), (std::vector<std::string>{"registering", "registered"}));
  const json res = r.result();
  EXPECT_TRUE(res.value("ok", false));
  EXPECT_EQ(res.value("exit_code", -1), 0);
  EXPECT_EQ(res.value("outcome", ""), "registered");
  EXPECT_EQ(res.value("expires", 0), 300);
  EXPECT_EQ(res.value("target", ""), "UDP " + s->hostport());
  EXPECT_GT(res.value("ms", -1.0), 0.0);
  for (const auto& resp : r.of("response")) EXPECT_GE(resp.value("ms", -1.0), 0.0);
  expect_scenario_passed(*s);
  const auto auth = lines_starting(s->log_lines(), "AUTH ");
  ASSERT_EQ(auth.size(), 1u) << s->diagnostics();
  expect_valid_digest(auth[0], "sipsmith.test", sip::auth::Algorithm::Md5);
}

TEST_F(SipregIntegration, Md5Challenge407OverTcpIpv4WithPasswordFile) {
  auto s = sipp({"auth_md5_407.xml", Proto::Tcp, "127.0.0.1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  write_file(dir_.file("pass"), std::string(kPassword) + "\n");
  const SipregRun r = sipreg(
      {"-u", "alice", "--json", "--password-file", dir_.file("pass"), "tcp:" + s->hostport()}, dir_,
      /*with_password=*/false);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.statuses(), (std::vector<int>{407, 200}));
  EXPECT_EQ(r.result().value("target", ""), "TCP " + s->hostport());
  expect_scenario_passed(*s);
  const auto auth = lines_starting(s->log_lines(), "AUTH ");
  ASSERT_EQ(auth.size(), 1u) << s->diagnostics();
  expect_valid_digest(auth[0], "proxy.sipsmith.test", sip::auth::Algorithm::Md5);
}

TEST_F(SipregIntegration, Sha256OverTlsIpv4) {
  auto s = sipp({"auth_sha256.xml", Proto::Tcp, "127.0.0.1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  TlsTerminator tls("127.0.0.1", tls_->cert(), tls_->key(), s->ip(), s->port(), dir_);
  const std::string target = "tls:127.0.0.1:" + std::to_string(tls.port());
  const SipregRun r = sipreg({"-u", "alice", "--json", "--ca-file", tls_->ca(), target}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.statuses(), (std::vector<int>{401, 200}));
  EXPECT_EQ(r.result().value("target", ""), "TLS 127.0.0.1:" + std::to_string(tls.port()));
  expect_scenario_passed(*s);
  const auto auth = lines_starting(s->log_lines(), "AUTH ");
  ASSERT_EQ(auth.size(), 1u) << s->diagnostics();
  expect_valid_digest(auth[0], "sipsmith.test", sip::auth::Algorithm::Sha256);
}

TEST_F(SipregIntegration, Sha256OverUdpIpv6) {
  auto s = sipp({"auth_sha256.xml", Proto::Udp, "::1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--json", s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.result().value("target", ""), "UDP " + s->hostport());
  EXPECT_NE(r.result().value("contact", "").find("@[::1]:"), std::string::npos) << r.dump();
  expect_scenario_passed(*s);
  const auto auth = lines_starting(s->log_lines(), "AUTH ");
  ASSERT_EQ(auth.size(), 1u) << s->diagnostics();
  expect_valid_digest(auth[0], "sipsmith.test", sip::auth::Algorithm::Sha256);
}

TEST_F(SipregIntegration, StaleNonceIsRetriedOverUdpIpv6) {
  auto s = sipp({"auth_stale.xml", Proto::Udp, "::1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--json", s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.statuses(), (std::vector<int>{401, 401, 200}));
  expect_scenario_passed(*s);
  EXPECT_EQ(lines_starting(s->log_lines(), "AUTH2 nonce=\"second").size(), 1u) << s->diagnostics();
}

TEST_F(SipregIntegration, WrongPasswordExitsOne) {
  auto s = sipp({"auth_md5.xml", Proto::Udp, "127.0.0.1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  write_file(dir_.file("pass"), "not-the-password\n");
  const SipregRun r =
      sipreg({"-u", "alice", "--password-file", dir_.file("pass"), s->hostport()}, dir_, false);
  EXPECT_EQ(r.status, 1) << r.dump();
  EXPECT_NE(r.err.find("403 Forbidden"), std::string::npos) << r.dump();
  EXPECT_TRUE(r.out.empty()) << r.dump();
}

// ---- keep registered: refresh before expiry, unregister on SIGTERM

struct KeepRun {
  SipregRun run;
  double refresh_after_s = -1;  // first "registered" to the refresh request
};

KeepRun keep_until_refreshed(const std::vector<std::string>& args, const TempDir& dir) {
  SpawnOptions o = sipreg_spawn(args, dir, true);
  o.stdout_pipe = true;
  KeepRun k;
  Child c(o);
  std::string out;
  std::optional<Clock::time_point> registered_at;
  int registered = 0;
  const auto end = Clock::now() + 15s;
  while (registered < 2 && Clock::now() < end) {
    auto line = c.read_line(std::chrono::duration_cast<Millis>(end - Clock::now()));
    if (!line) break;
    out += *line + "\n";
    auto j = json::parse(*line, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.value("event", "") == "state" && j.value("state", "") == "registered") {
      ++registered;
      if (!registered_at) registered_at = Clock::now();
    }
    if (j.value("event", "") == "request" && registered_at && k.refresh_after_s < 0)
      k.refresh_after_s = std::chrono::duration<double>(Clock::now() - *registered_at).count();
  }
  EXPECT_EQ(registered, 2) << "no refresh seen\n" << out << read_file(o.stderr_file);
  c.signal(SIGTERM);
  while (auto line = c.read_line(10s)) out += *line + "\n";
  auto status = c.wait_for(5s);
  EXPECT_TRUE(status.has_value()) << "sipreg did not exit after SIGTERM";
  k.run.status = status ? *status : c.stop();
  k.run.out = out;
  k.run.err = read_file(o.stderr_file);
  k.run.events = parse_ndjson(out);
  return k;
}

void expect_kept_and_unregistered(const KeepRun& k, Sipp& s) {
  const SipregRun& r = k.run;
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.states(), (std::vector<std::string>{"registering", "registered", "refreshing",
                                                  "registered", "unregistering", "unregistered"}))
      << r.dump();
  // Granted 4 s: the refresh must come before expiry (at about half of it).
  EXPECT_GT(k.refresh_after_s, 1.0) << r.dump();
  EXPECT_LT(k.refresh_after_s, 4.0) << r.dump();
  EXPECT_EQ(r.result().value("outcome", ""), "unregistered");
  EXPECT_EQ(r.result().value("mode", ""), "keep");
  auto status = s.wait(10s);
  ASSERT_TRUE(status.has_value()) << s.diagnostics();
  EXPECT_EQ(*status, 0) << s.diagnostics();
  const auto lines = s.log_lines();
  EXPECT_EQ(lines_starting(lines, "REGISTER ").size(), 1u) << s.diagnostics();
  EXPECT_EQ(lines_starting(lines, "REFRESH ").size(), 1u) << s.diagnostics();
  EXPECT_EQ(lines_starting(lines, "UNREGISTER ").size(), 1u) << s.diagnostics();
}

TEST_F(SipregIntegration, KeepRefreshesBeforeExpiryAndUnregistersOnSigtermUdpIpv4) {
  auto s = sipp({"keep.xml", Proto::Udp, "127.0.0.1", {{"expires", "4"}}, {}});
  ASSERT_TRUE(s);
  const KeepRun k = keep_until_refreshed(
      {"-u", "alice", "--keep", "--json", "--timeout", "30", s->hostport()}, dir_);
  expect_kept_and_unregistered(k, *s);
}

TEST_F(SipregIntegration, KeepRefreshesAndUnregistersOverTlsIpv6) {
  auto s = sipp({"keep.xml", Proto::Tcp, "::1", {{"expires", "4"}}, {}});
  ASSERT_TRUE(s);
  TlsTerminator tls("::1", tls_->cert(), tls_->key(), s->ip(), s->port(), dir_);
  const KeepRun k = keep_until_refreshed(
      {"-u", "alice", "--keep", "--json", "--timeout", "30", "--ca-file", tls_->ca(), "--tls-name",
       "sip.test", "sips:[::1]:" + std::to_string(tls.port())},
      dir_);
  expect_kept_and_unregistered(k, *s);
}

// ---- query, unregister all

TEST_F(SipregIntegration, QueryListsBindingsOverTcpIpv6) {
  auto s = sipp({"query.xml", Proto::Tcp, "::1", {}, {}});
  ASSERT_TRUE(s);
  const SipregRun r =
      sipreg({"-u", "alice", "--query", "--json", "sip:" + s->hostport() + ";transport=tcp"}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  const json res = r.result();
  EXPECT_EQ(res.value("outcome", ""), "queried");
  ASSERT_TRUE(res.contains("bindings")) << r.dump();
  const json& b = res["bindings"];
  ASSERT_EQ(b.size(), 2u) << r.dump();
  EXPECT_EQ(b[0].value("contact", ""), "sip:alice@192.0.2.7:5060");
  EXPECT_EQ(b[0].value("expires", 0), 1200);
  EXPECT_EQ(b[1].value("contact", ""), "sip:alice@198.51.100.1:5062;transport=tcp");
  EXPECT_EQ(b[1].value("expires", 0), 300);
  EXPECT_FALSE(b[0].value("ours", true));
  expect_scenario_passed(*s);
}

TEST_F(SipregIntegration, QueryHumanSummary) {
  auto s = sipp({"query.xml", Proto::Udp, "127.0.0.1", {}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--query", s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_NE(r.out.find("queried sip:alice@127.0.0.1"), std::string::npos) << r.dump();
  EXPECT_NE(r.out.find("2 bindings"), std::string::npos) << r.dump();
  EXPECT_NE(r.out.find("sip:alice@192.0.2.7:5060  expires 1200 s"), std::string::npos) << r.dump();
  expect_scenario_passed(*s);
}

TEST_F(SipregIntegration, UnregisterAllOverUdpIpv6) {
  auto s = sipp({"unregister_all.xml", Proto::Udp, "::1", {}, {}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--unregister-all", "--json", s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.result().value("outcome", ""), "unregistered");
  EXPECT_EQ(r.states(), (std::vector<std::string>{"unregistering", "unregistered"}));
  expect_scenario_passed(*s);
}

TEST_F(SipregIntegration, LocalAddressAndPortAreUsed) {
  auto s = sipp({"register_ok.xml", Proto::Udp, "127.0.0.1", {{"expires", "60"}}, {}});
  ASSERT_TRUE(s);
  const std::string local = "127.0.0.1:" + std::to_string(free_port("127.0.0.1"));
  const SipregRun r = sipreg({"-u", "alice", "--json", "--local", local, s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  EXPECT_EQ(r.result().value("contact", ""), "sip:alice@" + local) << r.dump();
  expect_scenario_passed(*s);
}

// ---- retransmission of a lost request

TEST_F(SipregIntegration, LostRequestIsRetransmittedOnSchedule) {
  // -nr: SIPp must not absorb the retransmission as a duplicate itself.
  auto s = sipp({"lost_first.xml", Proto::Udp, "127.0.0.1", {{"expires", "300"}}, {"-nr"}});
  ASSERT_TRUE(s);
  const SipregRun r = sipreg({"-u", "alice", "--json", "--t1", "200", s->hostport()}, dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  ASSERT_EQ(r.of("request").size(), 1u) << r.dump();  // one request; the copy is the layer's
  ASSERT_EQ(r.of("response").size(), 1u) << r.dump();
  // Answered only after the retransmission, due T1 (200 ms) after the first copy.
  EXPECT_GE(r.of("response")[0].value("ms", 0.0), 190.0) << r.dump();
  expect_scenario_passed(*s);
  const auto lines = s->log_lines();
  const auto first = lines_starting(lines, "FIRST ");
  const auto second = lines_starting(lines, "SECOND ");
  ASSERT_EQ(first.size(), 1u) << s->diagnostics();
  ASSERT_EQ(second.size(), 1u) << s->diagnostics();
  // "FIRST <clock ms> branch=..": same branch, about T1 apart.
  std::istringstream a(first[0].substr(6)), b(second[0].substr(7));
  long t1 = 0, t2 = 0;
  std::string branch1, branch2;
  a >> t1 >> branch1;
  b >> t2 >> branch2;
  EXPECT_EQ(branch1, branch2);
  EXPECT_GE(t2 - t1, 150) << first[0] << " / " << second[0];
  EXPECT_LE(t2 - t1, 1500) << first[0] << " / " << second[0];
}

// ---- SRV failover with a real DNS server

TEST_F(SipregIntegration, SrvFailoverReachesTheSecondTarget) {
  auto s = sipp({"register_ok.xml", Proto::Udp, "127.0.0.1", {{"expires", "300"}}, {}});
  ASSERT_TRUE(s);
  const std::uint16_t dead = free_port("127.0.0.1");  // nothing listens there
  std::unique_ptr<Dnsmasq> dns;
  try {
    dns = std::make_unique<Dnsmasq>(
        std::vector<std::string>{"--srv-host=_sip._udp.reg.example.test,dead.example.test," +
                                     std::to_string(dead) + ",10,10",
                                 "--srv-host=_sip._udp.reg.example.test,live.example.test," +
                                     std::to_string(s->port()) + ",20,10",
                                 "--host-record=dead.example.test,127.0.0.1",
                                 "--host-record=live.example.test,127.0.0.1"},
        dir_);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  const SipregRun r = sipreg(
      {"-u", "alice", "--json", "--t1", "30", "--dns-server", dns->server(), "reg.example.test"},
      dir_);
  ASSERT_EQ(r.status, 0) << r.dump();
  const std::string dead_target = "UDP 127.0.0.1:" + std::to_string(dead);
  const std::string live_target = "UDP 127.0.0.1:" + std::to_string(s->port());
  const auto resolved = r.of("resolved");
  ASSERT_EQ(resolved.size(), 1u) << r.dump();
  ASSERT_EQ(resolved[0]["targets"].size(), 2u) << r.dump();
  EXPECT_EQ(resolved[0]["targets"][0].value("address", ""), "127.0.0.1:" + std::to_string(dead));
  const auto requests = r.of("request");
  ASSERT_EQ(requests.size(), 2u) << r.dump();
  EXPECT_EQ(requests[0].value("to", ""), dead_target);
  EXPECT_EQ(requests[1].value("to", ""), live_target);
  ASSERT_EQ(r.of("failover").size(), 1u) << r.dump();
  EXPECT_EQ(r.result().value("target", ""), live_target);
  EXPECT_EQ(r.result().value("outcome", ""), "registered");
  expect_scenario_passed(*s);
}

}  // namespace
}  // namespace sipsmith::itest
