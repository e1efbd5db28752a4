// rtpdiag end to end on loopback: a SIPp caller streaming 50 PCMU packets
// (1 s) calls it directly and through the real sipproxyd (rtpdiag
// registered as an account with digest, default daemon settings); a
// hand-built caller whose SDP names a closed port shows the ICMP error on
// the advertised socket and the no_rtp verdict. Every process is started
// and stopped by PID; waits are on rtpdiag's NDJSON events.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <set>
#include <string>

#include "sip/rtp/packet.hpp"
#include "support/call_env.hpp"
#include "support/rtpdiag_fixture.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kStart{10000};
constexpr Millis kTest{20000};
constexpr int kPackets = 50;

std::vector<std::string> base_args(std::uint16_t sip_port) {
  return {"--listen",    "127.0.0.1:" + std::to_string(sip_port),
          "--rtp-ports", "20000-20999",
          "--duration",  "2",
          "--json",      "--timeout",
          "30"};
}

// The report of a SIPp call streaming from 127.0.0.1:`media_port`.
void expect_match(const json& report, std::uint16_t media_port) {
  SCOPED_TRACE(report.dump(2));
  const std::string rtp = "127.0.0.1:" + std::to_string(media_port);
  EXPECT_EQ(report.value("verdict", ""), "match");
  EXPECT_EQ(report.value("exit_code", -1), 0);
  EXPECT_EQ(report["call"].value("advertised", ""), rtp);
  // 127.0.0.1 is private by the library's rule: the signalling source's
  // address with the SDP port is expected (the same socket here).
  EXPECT_TRUE(report["call"].value("advertised_private", false));
  EXPECT_EQ(report["call"].value("expected_from", ""), "signalling_source");
  EXPECT_EQ(report["call"].value("expected", ""), rtp);
  EXPECT_EQ(report.value("actual", ""), rtp);
  EXPECT_EQ(report.value("packets", 0), kPackets);
  EXPECT_EQ(report.value("expected_packets", 0), kPackets);
  EXPECT_EQ(report.value("lost", -1), 0);
  EXPECT_EQ(report["payload_types"], json({{"0", kPackets}}));
  // The jitter's arithmetic is unit-tested; on a loaded machine SIPp sends in bursts.
  EXPECT_GE(report.value("jitter_ms", -1.0), 0.0);
  ASSERT_EQ(report["sent"].size(), 1u);  // actual == advertised: one target
  EXPECT_EQ(report["sent"][0].value("role", ""), "both");
  EXPECT_EQ(report["sent"][0].value("to", ""), rtp);
  EXPECT_GT(report["sent"][0].value("packets", 0), 0);
  EXPECT_TRUE(report["sent"][0].value("got_through", false));
  EXPECT_EQ(report.value("hangup", ""), "bye_sent");
  EXPECT_EQ(report.value("rtcp_packets", -1), 0);  // SIPp's rtp_stream sends no RTCP
}

TEST(Rtpdiag, DirectSippCallMatches) {
  TempDir dir;
  write_rtp_tone(dir, kPackets);
  const std::uint16_t sip_port = free_port("127.0.0.1");
  auto args = base_args(sip_port);
  args.push_back("--once");
  Rtpdiag diag(dir, args);
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();
  const std::string address = listening->value("address", "");
  EXPECT_EQ(hostport_of(address), "127.0.0.1:" + std::to_string(sip_port));
  EXPECT_EQ(user_of(address).rfind("diag-", 0), 0u) << address;

  const std::uint16_t media = free_even_port("127.0.0.1");
  SippCall caller(dir, rtp_caller_spec(hostport_of(address), user_of(address), "127.0.0.1", media));
  auto call = diag.wait_event("call", kTest);
  ASSERT_TRUE(call) << diag.diagnostics() << caller.diagnostics();
  EXPECT_EQ(call->value("signalling_source", ""), "127.0.0.1:" + std::to_string(caller.port()));
  EXPECT_EQ(call->value("user_agent", ""), "SIPp rtpdiag caller");
  EXPECT_EQ(call->value("offered", json::array()),
            json({"0 PCMU/8000", "101 telephone-event/8000"}));
  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics() << caller.diagnostics();
  expect_match(*report, media);
  EXPECT_EQ(diag.wait_exit(kStart), 0) << diag.diagnostics();
  EXPECT_EQ(caller.finish(kTest), 0) << caller.diagnostics();
  // The caller got our SDP: our advertised address.
  EXPECT_NE(caller.log().find("ANSWER c=127.0.0.1"), std::string::npos) << caller.log();
}

TEST(Rtpdiag, CallThroughSipproxydToTheRegisteredAccount) {
  CallEnv env;  // the daemon with its default settings
  env.provision(json::array({account_record("diag", false, "diag-secret-7")}));
  write_rtp_tone(env.dir, kPackets);
  auto args = base_args(free_port("127.0.0.1"));
  args.insert(args.end(), {"--once", "--register", env.daemon.address(), "--aor",
                           std::string("sip:diag@") + kCallDomain});
  Rtpdiag diag(env.dir, args, {}, {{"RTPDIAG_PASSWORD", "diag-secret-7"}});
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();
  EXPECT_EQ(listening->value("address", ""), std::string("sip:diag@") + kCallDomain);
  auto reg = diag.wait_event("registration", kStart);
  ASSERT_TRUE(reg) << diag.diagnostics() << env.daemon.stderr_text();
  ASSERT_EQ(reg->value("state", ""), "registered") << diag.diagnostics();
  EXPECT_EQ(reg->value("aor", ""), std::string("sip:diag@") + kCallDomain);
  EXPECT_EQ(reg->value("contact", ""), "sip:diag@127.0.0.1:" + args[1].substr(10));
  EXPECT_EQ(env.binding_count("diag"), 1u);

  const std::uint16_t media = free_even_port("127.0.0.1");
  SippCall caller(env.dir, rtp_caller_spec(env.daemon.address(), "diag", kCallDomain, media));
  auto call = diag.wait_event("call", kTest);
  ASSERT_TRUE(call) << diag.diagnostics() << caller.diagnostics() << env.daemon.stderr_text();
  // The INVITE came from the daemon, the SDP is the caller's.
  EXPECT_EQ(call->value("signalling_source", ""), env.daemon.address());
  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics() << caller.diagnostics();
  expect_match(*report, media);
  // --once: unregistered before exiting with the verdict's status.
  EXPECT_EQ(diag.wait_exit(kTest), 0) << diag.diagnostics();
  EXPECT_EQ(caller.finish(kTest), 0) << caller.diagnostics();
  EXPECT_EQ(env.binding_count("diag"), 0u);
}

// IPv6 end to end: signalling, SDP (IP6) and RTP over ::1.
TEST(Rtpdiag, Ipv6CallMatches) {
  TempDir dir;
  write_rtp_tone(dir, kPackets);
  const std::uint16_t sip_port = free_port("::1");
  Rtpdiag diag(dir, {"--listen", "[::1]:" + std::to_string(sip_port), "--rtp-ports", "20000-20999",
                     "--duration", "2", "--json", "--once", "--timeout", "30"});
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();
  EXPECT_EQ(hostport_of(listening->value("address", "")), "[::1]:" + std::to_string(sip_port));
  const std::uint16_t media = free_even_port("::1");
  Child sipp(sipp_caller(dir, "sipp-v6", {}, "[::1]:" + std::to_string(sip_port), "::1",
                         free_port("::1"), media, user_of(listening->value("address", "")), "[::1]",
                         "::1", "IP6", free_port("127.0.0.1")));
  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics() << read_file(dir.file("sipp-v6.errors"));
  SCOPED_TRACE(report->dump(2));
  const std::string rtp = "[::1]:" + std::to_string(media);
  EXPECT_EQ(report->value("verdict", ""), "match");
  EXPECT_EQ((*report)["call"].value("advertised", ""), rtp);
  EXPECT_EQ((*report)["call"].value("local_rtp", "").rfind("[::1]:", 0), 0u);
  EXPECT_EQ(report->value("actual", ""), rtp);
  EXPECT_EQ(report->value("packets", 0), kPackets);
  EXPECT_EQ(diag.wait_exit(kStart), 0) << diag.diagnostics();
  EXPECT_EQ(sipp.wait_for(kTest), 0) << read_file(dir.file("sipp-v6.errors"));
}

// The caller's SDP names 127.0.0.2 (not private by the library's rule: the
// other loopback addresses stand in for public ones) while its RTP comes
// from 127.0.0.1: a NAT the phone does not know about. RTP back to the real
// source gets through, RTP to the advertised socket draws ICMP.
TEST(Rtpdiag, RtpFromAnotherSocketThanAdvertisedIsAMismatch) {
  TempDir dir;
  write_rtp_tone(dir, kPackets);
  auto args = base_args(free_port("127.0.0.1"));
  args.push_back("--once");
  Rtpdiag diag(dir, args);
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();
  const std::string address = listening->value("address", "");
  const std::uint16_t media = free_even_port("127.0.0.1");
  SippCallSpec spec = rtp_caller_spec(hostport_of(address), user_of(address), "127.0.0.1", media);
  spec.keys.emplace_back("offer_ip", "127.0.0.2");
  SippCall caller(dir, spec);
  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics() << caller.diagnostics();
  SCOPED_TRACE(report->dump(2));
  const std::string advertised = "127.0.0.2:" + std::to_string(media);
  const std::string actual = "127.0.0.1:" + std::to_string(media);
  EXPECT_EQ(report->value("verdict", ""), "mismatch");
  EXPECT_FALSE((*report)["call"].value("advertised_private", true));
  EXPECT_EQ((*report)["call"].value("expected_from", ""), "sdp");
  EXPECT_EQ((*report)["call"].value("expected", ""), advertised);
  EXPECT_EQ(report->value("actual", ""), actual);
  EXPECT_EQ(report->value("packets", 0), kPackets);
  bool saw_actual = false, saw_advertised = false;
  for (const auto& t : (*report)["sent"]) {
    if (t.value("role", "") == "actual") {
      saw_actual = true;
      EXPECT_EQ(t.value("to", ""), actual);
      EXPECT_TRUE(t.value("got_through", false));
    }
    if (t.value("role", "") == "advertised") {
      saw_advertised = true;
      EXPECT_EQ(t.value("to", ""), advertised);
      EXPECT_FALSE(t.value("got_through", true));
    }
  }
  EXPECT_TRUE(saw_actual && saw_advertised);
  EXPECT_EQ(diag.wait_exit(kStart), 1) << diag.diagnostics();
  EXPECT_EQ(caller.finish(kTest), 0) << caller.diagnostics();
}

// --keep: test after test on one process (the RTP range holds one port, so
// the second test also shows the first one's socket was released), and
// SIGTERM ends it with 0.
TEST(Rtpdiag, KeepServesTestAfterTest) {
  TempDir dir;
  write_rtp_tone(dir, 25);
  Rtpdiag diag(dir, {"--listen", "127.0.0.1:" + std::to_string(free_port("127.0.0.1")),
                     "--rtp-ports", "20500-20500", "--duration", "1", "--json", "--keep"});
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();
  const std::string address = listening->value("address", "");
  for (int i = 0; i < 2; ++i) {
    const std::uint16_t media = free_even_port("127.0.0.1");
    SippCall caller(dir,
                    rtp_caller_spec(hostport_of(address), user_of(address), "127.0.0.1", media));
    auto report = diag.wait_event("report", kTest);
    ASSERT_TRUE(report) << i << diag.diagnostics() << caller.diagnostics();
    EXPECT_EQ(report->value("verdict", ""), "match") << report->dump(2);
    EXPECT_EQ(report->value("packets", 0), 25) << report->dump(2);
    EXPECT_EQ((*report)["call"].value("local_rtp", ""), "127.0.0.1:20500");
    EXPECT_EQ(caller.finish(kTest), 0) << caller.diagnostics();
  }
  diag.signal(SIGTERM);
  EXPECT_EQ(diag.wait_exit(kStart), 0) << diag.diagnostics();
}

TEST(Rtpdiag, RefusedRegistrationExits1) {
  CallEnv env;
  env.provision(json::array({account_record("diag", false, "diag-secret-7")}));
  auto args = base_args(free_port("127.0.0.1"));
  args.insert(args.end(), {"--register", env.daemon.address(), "--aor", "sip:diag@sipsmith.test"});
  Rtpdiag diag(env.dir, args, {}, {{"RTPDIAG_PASSWORD", "wrong"}});
  auto reg = diag.wait_event("registration", kTest);
  ASSERT_TRUE(reg) << diag.diagnostics();
  EXPECT_EQ(reg->value("state", ""), "failed");
  EXPECT_NE(reg->value("detail", "").find("403"), std::string::npos) << reg->dump();
  EXPECT_EQ(diag.wait_exit(kTest), 1) << diag.diagnostics();
}

// A caller built by hand from a UdpPeer: INVITE with an SDP naming
// 127.0.0.1:`rtp_port`, ACK, and an answer to rtpdiag's BYE.
class HandCaller {
 public:
  HandCaller(std::uint16_t rtpdiag_port, std::string address, std::string call_id)
      : port_(rtpdiag_port), address_(std::move(address)), call_id_(std::move(call_id)) {}

  // The 200 OK's body, or "" (with a failure) when the call is not answered.
  std::string call(std::uint16_t rtp_port) {
    const std::string sdp =
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
        std::to_string(rtp_port) + " RTP/AVP 0\r\n";
    send("INVITE", "1 INVITE",
         "To: <" + address_ + ">\r\nContact: <sip:tester@127.0.0.1:" + std::to_string(sip_.port()) +
             ">\r\n",
         sdp);
    auto ok = sip_.receive_final();
    EXPECT_TRUE(ok && sip_start_line(*ok) == "SIP/2.0 200 OK") << ok.value_or("(nothing)");
    if (!ok) return {};
    to_ = sip_header(*ok, "To");
    send("ACK", "1 ACK", "To: " + to_ + "\r\n", "");
    return sip_body(*ok);
  }
  // Waits for rtpdiag's BYE and answers it 200.
  bool answer_bye(Millis limit) {
    auto bye = sip_.receive(limit);
    if (!bye || sip_start_line(*bye).rfind("BYE ", 0) != 0) return false;
    sip_.send("SIP/2.0 200 OK\r\nVia: " + sip_header(*bye, "Via") +
                  "\r\nFrom: " + sip_header(*bye, "From") + "\r\nTo: " + sip_header(*bye, "To") +
                  "\r\nCall-ID: " + call_id_ + "\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
              "127.0.0.1", port_);
    return true;
  }

 private:
  void send(const std::string& method, const std::string& cseq, const std::string& more,
            const std::string& sdp) {
    sip_.send(method + " " + address_ +
                  " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(sip_.port()) +
                  ";branch=z9hG4bK-" + call_id_ + "-" + std::to_string(++branch_) +
                  ";rport\r\nFrom: <sip:tester@example.net>;tag=t1\r\n" + "Call-ID: " + call_id_ +
                  "\r\nCSeq: " + cseq + "\r\n" + more + "Max-Forwards: 70\r\n" +
                  (sdp.empty() ? "" : "Content-Type: application/sdp\r\n") +
                  "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp,
              "127.0.0.1", port_);
  }

  UdpPeer sip_;
  std::uint16_t port_;
  std::string address_, call_id_, to_;
  int branch_ = 0;
};

// The SDP names a port nobody listens on and no RTP comes: rtpdiag's RTP
// to that socket draws ICMP port unreachable; the verdict is no_rtp.
TEST(Rtpdiag, ClosedAdvertisedPortIsReportedAndNoRtpFails) {
  TempDir dir;
  const std::uint16_t sip_port = free_port("127.0.0.1");
  auto args = base_args(sip_port);
  args[5] = "1";  // --duration 1
  Rtpdiag diag(dir, args);
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();

  HandCaller caller(sip_port, listening->value("address", ""), "closed-port-1");
  const std::uint16_t closed = free_even_port("127.0.0.1");
  ASSERT_FALSE(caller.call(closed).empty()) << diag.diagnostics();
  auto error = diag.wait_event("send_error", kTest);
  ASSERT_TRUE(error) << diag.diagnostics();
  EXPECT_EQ(error->value("role", ""), "advertised");
  EXPECT_EQ(error->value("to", ""), "127.0.0.1:" + std::to_string(closed));
  EXPECT_NE(error->value("error", "").find("ICMP port unreachable"), std::string::npos);
  EXPECT_TRUE(caller.answer_bye(kTest)) << diag.diagnostics();
  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics();
  EXPECT_EQ(report->value("verdict", ""), "no_rtp") << report->dump(2);
  EXPECT_EQ(report->value("packets", -1), 0);
  ASSERT_EQ((*report)["sent"].size(), 1u);
  EXPECT_FALSE((*report)["sent"][0].value("got_through", true));
  EXPECT_EQ(diag.wait_exit(kStart), 1) << diag.diagnostics();
}

// RTP arrives from the advertised socket, which then closes: rtpdiag's RTP
// back to the real source draws ICMP, the verdict is unreachable.
TEST(Rtpdiag, RtpBackToAClosedSourceIsUnreachable) {
  TempDir dir;
  const std::uint16_t sip_port = free_port("127.0.0.1");
  auto args = base_args(sip_port);
  args[5] = "1";  // --duration 1
  Rtpdiag diag(dir, args);
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();

  auto media = std::make_unique<UdpPeer>();
  HandCaller caller(sip_port, listening->value("address", ""), "closed-source-1");
  const std::string answer = caller.call(media->port());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(answer, m, std::regex("m=audio ([0-9]+) "))) << answer;
  const auto rtpdiag_rtp = static_cast<std::uint16_t>(std::stoi(m[1]));
  for (std::uint16_t i = 0; i < 5; ++i)
    media->send(sip::rtp::build(0, i == 0, static_cast<std::uint16_t>(100 + i), 160u * i, 7,
                                std::string(160, '\xff')),
                "127.0.0.1", rtpdiag_rtp);
  auto first = diag.wait_event("rtp_first", kTest);
  ASSERT_TRUE(first) << diag.diagnostics();
  EXPECT_EQ(first->value("from", ""), "127.0.0.1:" + std::to_string(media->port()));
  // An RTCP receiver report (PT 201) to the next port: counted there.
  media->send(std::string("\x81\xc9\x00\x01\x00\x00\x00\x07", 8), "127.0.0.1",
              static_cast<std::uint16_t>(rtpdiag_rtp + 1));
  media.reset();  // the caller's RTP socket goes away
  auto error = diag.wait_event("send_error", kTest);
  ASSERT_TRUE(error) << diag.diagnostics();
  EXPECT_EQ(error->value("role", ""), "both");
  EXPECT_TRUE(caller.answer_bye(kTest)) << diag.diagnostics();
  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics();
  EXPECT_EQ(report->value("verdict", ""), "unreachable") << report->dump(2);
  EXPECT_EQ(report->value("packets", -1), 5);
  EXPECT_EQ(report->value("rtcp_packets", -1), 1);
  EXPECT_EQ(diag.wait_exit(kStart), 1) << diag.diagnostics();
}

TEST(Rtpdiag, NoCallWithinTheTimeoutExits3) {
  TempDir dir;
  Rtpdiag diag(dir, {"--listen", "127.0.0.1:" + std::to_string(free_port("127.0.0.1")), "--timeout",
                     "0.5", "--json"});
  auto report = diag.wait_event("report", kStart);
  ASSERT_TRUE(report) << diag.diagnostics();
  EXPECT_EQ(report->value("verdict", ""), "no_call");
  EXPECT_EQ(diag.wait_exit(kStart), 3);
}

TEST(Rtpdiag, UsageErrorsExit2) {
  TempDir dir;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--rtp-ports", "9-8"},
                                               {"--listen", "nowhere"},
                                               {"--user", "diag"},
                                               {"--once", "--keep"},
                                               {"--advertise", "host.example"}}) {
    Rtpdiag diag(dir, args);
    EXPECT_EQ(diag.wait_exit(kStart), 2) << args[0] << diag.diagnostics();
  }
}

// ---- documentation stays in step with --help

std::set<std::string> long_flags(const std::string& text) {
  std::set<std::string> flags;
  const std::regex flag(R"(--([a-z][a-z0-9-]+))");
  for (std::sregex_iterator it(text.begin(), text.end(), flag), end; it != end; ++it)
    flags.insert((*it)[1]);
  return flags;
}

// Everything the program printed on stdout until it exited.
std::string output_of(const std::vector<std::string>& args) {
  TempDir dir;
  Rtpdiag run(dir, args);
  run.wait_event("(none)", kStart);  // reads to the end of output
  std::string text;
  for (const auto& e : run.events()) text += e.value("text", e.dump()) + "\n";
  EXPECT_EQ(run.wait_exit(kStart), 0);
  return text;
}

TEST(Rtpdiag, HelpManPageAndCompletionsListTheSameFlags) {
  const std::string help = output_of({"--help"});
  const std::string options = help.substr(0, help.find("Examples:"));
  const std::set<std::string> flags = long_flags(options);
  ASSERT_GT(flags.size(), 15u) << help;
  EXPECT_NE(help.find("Exit status:"), std::string::npos);

  const std::string src = SIPSMITH_SOURCE_DIR;
  std::string man = read_file(src + "/man/rtpdiag.1");
  for (std::size_t p; (p = man.find("\\-")) != std::string::npos;) man.replace(p, 2, "-");
  const std::string bash = read_file(src + "/completions/bash/rtpdiag");
  const std::string zsh = read_file(src + "/completions/zsh/_rtpdiag");
  const std::string fish = read_file(src + "/completions/fish/rtpdiag.fish");
  for (const char* sec : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES"})
    EXPECT_NE(man.find(std::string(".SH ") + sec), std::string::npos) << sec;
  for (const auto& f : flags) {
    EXPECT_NE(man.find("--" + f), std::string::npos) << "man page lacks --" << f;
    EXPECT_NE(bash.find("--" + f), std::string::npos) << "bash completion lacks --" << f;
    EXPECT_NE(zsh.find("--" + f), std::string::npos) << "zsh completion lacks --" << f;
    EXPECT_NE(fish.find("-l " + f + " "), std::string::npos) << "fish completion lacks -l " << f;
  }
  for (const auto& f : long_flags(bash))
    EXPECT_TRUE(flags.count(f)) << "bash completion has unknown --" << f;
}

TEST(Rtpdiag, VersionPrintsTheProjectVersion) {
  EXPECT_EQ(output_of({"--version"}).rfind("rtpdiag ", 0), 0u);
}

}  // namespace
}  // namespace sipsmith::itest
