// Real softphones against the real sipproxyd started with the DEFAULT
// settings (only its ports, store path and TLS certificate are set): sipsak,
// baresip and linphonec register and are refused with a wrong password;
// calls between two registered phones connect with RTP arriving on both
// sides (the clients' own counters) and end with a hang-up the other side
// sees, over UDP, TCP and TLS (certificates verified). Label "softphones":
//   ctest -L softphones -j4
#include "support/softphones.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

constexpr const char* kDomain = "sipsmith.test";
constexpr Millis kRegister{10000};
constexpr Millis kCall{15000};
constexpr std::uint64_t kMinRtp = 50;   // one second of 20 ms packets, asserted
constexpr std::uint64_t kWaitRtp = 75;  // waited for (linphonec counts whole seconds)

enum class Kind : std::uint8_t { Baresip, Linphonec };

const char* kind_name(Kind k) {
  return k == Kind::Baresip ? "Baresip" : "Linphonec";
}

// A throwaway CA and a server certificate for 127.0.0.1 in `dir`. The
// address is also a dNSName entry: linphonec 5.1 (belle-sip over mbedTLS)
// compares dNSName entries only (not the iPAddress entry baresip's OpenSSL
// uses, nor the CN once there is a subjectAltName).
void make_certificates(const TempDir& dir) {
  const std::string cmd =
      "cd " + dir.path().string() +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
      "-subj /CN=softphones-test-ca -keyout ca.key -out ca.pem >/dev/null 2>&1"
      " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 "
      "-keyout server.key -out server.csr >/dev/null 2>&1"
      " && printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:sipsmith.test\\n' > ext.cnf"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile ext.cnf -out server.pem >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("openssl could not make test certificates");
}

class Softphones : public ::testing::Test {
 protected:
  void SetUp() override {
    make_certificates(dir_);
    // Default settings: nothing but where to listen, store and the certificate.
    daemon_ = std::make_unique<Daemon>(
        dir_, json{{"tls", {{"cert", dir_.file("server.pem")}, {"key", dir_.file("server.key")}}}});
    // As scripts/demo: customer demo, alice and bob who may call each other
    // (an out dial plan routing to the local accounts; calls In ring every
    // binding), and the domain alias 127.0.0.1 (sipsak resolves its target).
    const json customer = {{"username", "demo"}, {"password", "demo-pw-123"}};
    const json domain = {{"name", kDomain}, {"aliases", {"127.0.0.1"}}};
    daemon_->control().call("import", {{"document",
                                        {{"format", "sipsmith-provisioning"},
                                         {"version", 1},
                                         {"customers", {customer}},
                                         {"domains", {domain}}}}});
    daemon_->control().call(
        "dialplan.add",
        {{"owner", "demo"}, {"name", "calls"}, {"type", "dialstring"}, {"source", "${dst}@local"}});
    json accounts = json::array();
    for (const char* user : {"alice", "bob"}) {
      accounts.push_back({{"owner", "demo"},
                          {"username", user},
                          {"domain", kDomain},
                          {"password", std::string(user) + "-pw-123"},
                          {"out_dialplan", "calls"}});
    }
    daemon_->control().call("import", {{"document",
                                        {{"format", "sipsmith-provisioning"},
                                         {"version", 1},
                                         {"customers", {customer}},
                                         {"accounts", accounts}}}});
  }

  PhoneAccount account(const std::string& user, SipTransport t,
                       const std::string& password = "") const {
    PhoneAccount a;
    a.user = user;
    a.password = password.empty() ? user + "-pw-123" : password;
    a.transport = t;
    a.server = t == SipTransport::Tls ? "127.0.0.1:" + std::to_string(daemon_->tls_port())
                                      : daemon_->address();
    if (t == SipTransport::Tls) a.ca_file = dir_.file("ca.pem");
    return a;
  }

  std::unique_ptr<Softphone> phone(Kind k, const std::string& name, const PhoneAccount& a) {
    if (k == Kind::Baresip) return std::make_unique<Baresip>(dir_, name, a);
    return std::make_unique<Linphonec>(dir_, name, a);
  }

  json bindings(const std::string& user) {
    return daemon_->control().call("binding.list", {{"username", user}, {"domain", kDomain}});
  }

  // The daemon holds a binding of `user` from a User-Agent containing `ua`.
  std::optional<json> wait_binding(const std::string& user, const std::string& ua,
                                   Millis limit = kRegister) {
    const auto end = std::chrono::steady_clock::now() + limit;
    UdpPeer pacer;  // its receive timeout paces the polls
    for (;;) {
      for (const auto& b : bindings(user))
        if (b.value("user_agent", "").find(ua) != std::string::npos) return b;
      if (std::chrono::steady_clock::now() >= end) return std::nullopt;
      (void)pacer.receive(Millis(50));
    }
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;  // declared before the phones of each test: outlives them
};

// ---- registration

TEST_F(Softphones, SipsakRegistersAndAWrongPasswordIsRefused) {
  const std::string contact = "sip:alice@127.0.0.1:" + std::to_string(free_port("127.0.0.1"));
  const SipsakResult ok = sipsak_register(dir_, account("alice", SipTransport::Udp), contact);
  EXPECT_EQ(ok.exit_status, 0) << ok.output;
  EXPECT_EQ(ok.statuses, (std::vector<int>{401, 200})) << ok.output;
  EXPECT_NE(ok.output.find("algorithm=MD5"), std::string::npos) << ok.output;
  const auto b = wait_binding("alice", "sipsak");
  ASSERT_TRUE(b) << bindings("alice").dump(2);
  EXPECT_EQ((*b)["contact_uri"], contact);

  const SipsakResult bad =
      sipsak_register(dir_, account("bob", SipTransport::Udp, "not-bobs-password"),
                      "sip:bob@127.0.0.1:" + std::to_string(free_port("127.0.0.1")));
  EXPECT_EQ(bad.exit_status, 1) << bad.output;
  EXPECT_EQ(bad.statuses, (std::vector<int>{401, 403})) << bad.output;
  EXPECT_TRUE(bindings("bob").empty());
}

TEST_F(Softphones, BaresipRegistersAndAWrongPasswordIsRefused) {
  auto alice = phone(Kind::Baresip, "alice", account("alice", SipTransport::Udp));
  const auto b = wait_binding("alice", alice->user_agent());
  ASSERT_TRUE(b) << alice->diagnostics() << daemon_->stderr_text();
  EXPECT_EQ((*b)["transport"], "udp");
  auto bob = phone(Kind::Baresip, "bob", account("bob", SipTransport::Udp, "not-bobs-password"));
  EXPECT_TRUE(bob->wait_refused(kRegister)) << bob->diagnostics();
  EXPECT_TRUE(bindings("bob").empty());
}

TEST_F(Softphones, LinphonecRegistersAndAWrongPasswordIsRefused) {
  auto alice = phone(Kind::Linphonec, "alice", account("alice", SipTransport::Udp));
  const auto b = wait_binding("alice", alice->user_agent());
  ASSERT_TRUE(b) << alice->diagnostics() << daemon_->stderr_text();
  EXPECT_EQ((*b)["transport"], "udp");
  auto bob = phone(Kind::Linphonec, "bob", account("bob", SipTransport::Udp, "not-bobs-password"));
  EXPECT_TRUE(bob->wait_refused(kRegister)) << bob->diagnostics();
  EXPECT_TRUE(bindings("bob").empty());
}

// A phone that dies without un-registering: its TCP connection closes and
// the daemon drops the binding at once (not at the next keep-alive, 30 s,
// nor at expiry, 300 s).
TEST_F(Softphones, BaresipOverTcpLosesItsBindingWhenItsConnectionCloses) {
  auto alice = std::make_unique<Baresip>(dir_, "alice", account("alice", SipTransport::Tcp));
  const auto b = wait_binding("alice", "baresip");
  ASSERT_TRUE(b) << alice->diagnostics();
  EXPECT_EQ((*b)["transport"], "tcp");
  alice->kill9();
  const auto end = std::chrono::steady_clock::now() + Millis(5000);
  UdpPeer pacer;
  while (!bindings("alice").empty() && std::chrono::steady_clock::now() < end)
    (void)pacer.receive(Millis(50));
  EXPECT_TRUE(bindings("alice").empty()) << bindings("alice").dump(2);
}

// ---- calls

struct CallCase {
  Kind caller;
  Kind callee;
  SipTransport transport;
};

void PrintTo(const CallCase& c, std::ostream* os) {
  *os << kind_name(c.caller) << " calls " << kind_name(c.callee) << " over "
      << transport_name(c.transport);
}

std::string case_name(const ::testing::TestParamInfo<CallCase>& info) {
  std::string t = transport_name(info.param.transport);
  t[0] = static_cast<char>(t[0] - 'a' + 'A');
  return std::string(kind_name(info.param.caller)) + "To" + kind_name(info.param.callee) + t;
}

class SoftphoneCall : public Softphones, public ::testing::WithParamInterface<CallCase> {};

TEST_P(SoftphoneCall, ConnectsWithRtpBothWaysAndHangsUpCleanly) {
  const CallCase c = GetParam();
  auto caller = phone(c.caller, "caller", account("alice", c.transport));
  auto callee = phone(c.callee, "callee", account("bob", c.transport));
  const auto diagnostics = [&] {
    return caller->diagnostics() + "\n" + callee->diagnostics() + "\n--- sipproxyd:\n" +
           daemon_->stderr_text();
  };
  const auto a = wait_binding("alice", caller->user_agent());
  const auto b = wait_binding("bob", callee->user_agent());
  ASSERT_TRUE(a && b) << diagnostics();
  EXPECT_EQ((*a)["transport"], transport_name(c.transport));
  EXPECT_EQ((*b)["transport"], transport_name(c.transport));

  caller->dial(std::string("sip:bob@") + kDomain);
  ASSERT_TRUE(callee->wait_established(kCall)) << diagnostics();
  ASSERT_TRUE(caller->wait_established(kCall)) << diagnostics();
  // RTP arrives on both sides, by each client's own account of it.
  ASSERT_TRUE(caller->wait_rtp(kWaitRtp, kCall)) << diagnostics();
  ASSERT_TRUE(callee->wait_rtp(kWaitRtp, kCall)) << diagnostics();

  caller->hang_up();
  ASSERT_TRUE(callee->wait_closed(kCall)) << "the callee did not see the hang-up\n"
                                          << diagnostics();
  ASSERT_TRUE(caller->wait_closed(kCall)) << diagnostics();
  const std::uint64_t caller_rtp = caller->rtp_received();
  const std::uint64_t callee_rtp = callee->rtp_received();
  EXPECT_GE(caller_rtp, kMinRtp) << diagnostics();
  EXPECT_GE(callee_rtp, kMinRtp) << diagnostics();
  RecordProperty("caller_rtp_packets", std::to_string(caller_rtp));
  RecordProperty("callee_rtp_packets", std::to_string(callee_rtp));
  std::cout << "RTP packets received: caller " << caller_rtp << ", callee " << callee_rtp << "\n";
}

INSTANTIATE_TEST_SUITE_P(
    Calls, SoftphoneCall,
    ::testing::Values(CallCase{Kind::Baresip, Kind::Baresip, SipTransport::Udp},
                      CallCase{Kind::Baresip, Kind::Baresip, SipTransport::Tcp},
                      CallCase{Kind::Baresip, Kind::Baresip, SipTransport::Tls},
                      CallCase{Kind::Linphonec, Kind::Linphonec, SipTransport::Udp},
                      CallCase{Kind::Linphonec, Kind::Linphonec, SipTransport::Tcp},
                      CallCase{Kind::Linphonec, Kind::Linphonec, SipTransport::Tls},
                      CallCase{Kind::Baresip, Kind::Linphonec, SipTransport::Udp},
                      CallCase{Kind::Linphonec, Kind::Baresip, SipTransport::Udp},
                      CallCase{Kind::Baresip, Kind::Linphonec, SipTransport::Tcp},
                      CallCase{Kind::Linphonec, Kind::Baresip, SipTransport::Tcp},
                      CallCase{Kind::Baresip, Kind::Linphonec, SipTransport::Tls},
                      CallCase{Kind::Linphonec, Kind::Baresip, SipTransport::Tls}),
    case_name);

}  // namespace
}  // namespace sipsmith::itest
