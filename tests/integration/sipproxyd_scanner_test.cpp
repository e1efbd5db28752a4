// sipproxyd against scanners (docs/security.md), with hand-built requests
// from real UDP sockets and the daemon's default settings:
//  - an extension scan learns nothing: for REGISTER, INVITE from outside,
//    INVITE as a caller of ours, OPTIONS, SUBSCRIBE and MESSAGE, an
//    existing account (with no phone registered) and a missing one get the
//    same status, reason and header names, and answers equally fast
//    (interleaved samples, medians printed and compared loosely: the check
//    is for a user-dependent slow path, not a speed target);
//  - password guessing by INVITE is blocked after the configured failures,
//    and nothing the source sends is evaluated then;
//  - no version in Server or User-Agent.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/base/random.hpp"
#include "sip/parser/parse.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kDomain = "sipsmith.test";
constexpr const char* kPassword = "alice-pw-123";
constexpr int kSamples = 15;  // per user and method

struct Answer {
  int status = 0;
  std::string reason;
  std::vector<std::string> names;  // header names, in order
  std::string server;              // Server header
  std::string to_tag;
  std::string raw;
  std::vector<sip::auth::Challenge> challenges;
  double ms = 0;  // request sent -> final received
};

Answer parse(const std::optional<std::string>& raw, double ms) {
  Answer a;
  a.ms = ms;
  if (!raw) return a;
  a.raw = *raw;
  auto m = sip::parser::parse_datagram(std::string_view(*raw));
  if (!m) return a;
  a.status = m->status();
  a.reason = std::string(m->reason());
  for (const auto& f : m->fields()) {
    a.names.emplace_back(m->text(f.name));
    if (f.id == sip::msg::HeaderId::WwwAuthenticate ||
        f.id == sip::msg::HeaderId::ProxyAuthenticate)
      if (auto v = m->auth_at(f))
        if (auto c = sip::auth::parse_challenge(*v)) a.challenges.push_back(*c);
  }
  a.server = std::string(m->value(sip::msg::HeaderId::Server));
  if (auto to = m->to()) a.to_tag = std::string(to->tag());
  return a;
}

struct Request {
  std::string method;
  std::string ruri;
  std::string from;           // URI
  std::string to;             // URI
  std::string authorization;  // a whole header line, or empty
};

// Sends `r` from `peer` and waits for its final answer; an INVITE's final
// is acknowledged (so no retransmission is taken for a later answer).
Answer exchange(UdpPeer& peer, const Daemon& d, const Request& r, int cseq = 1,
                std::string call_id = {}) {
  if (call_id.empty()) call_id = sip::make_call_id();
  const std::string hp = peer.ip() + ":" + std::to_string(peer.port());
  const std::string branch = sip::make_branch();
  const std::string from = "<" + r.from + ">;tag=" + sip::make_tag();
  auto head = [&](const std::string& method, const std::string& to, int n) {
    std::string m = method + " " + r.ruri + " SIP/2.0\r\n";
    m += "Via: SIP/2.0/UDP " + hp + ";branch=" + branch + ";rport\r\n";
    m += "From: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + call_id + "\r\n";
    m += "CSeq: " + std::to_string(n) + " " + method + "\r\nMax-Forwards: 70\r\n";
    return m;
  };
  std::string m = head(r.method, "<" + r.to + ">", cseq);
  m += "Contact: <sip:scan@" + hp + ">\r\n";
  if (!r.authorization.empty()) m += r.authorization + "\r\n";
  if (r.method == "REGISTER") m += "Expires: 600\r\n";
  if (r.method == "SUBSCRIBE") m += "Event: presence\r\nExpires: 600\r\n";
  std::string body;
  if (r.method == "INVITE") {
    body =
        "v=0\r\no=scan 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 0\r\n";
    m += "Content-Type: application/sdp\r\n";
  }
  if (r.method == "MESSAGE") {
    body = "hello?";
    m += "Content-Type: text/plain\r\n";
  }
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  const auto start = Clock::now();
  peer.send(m, "127.0.0.1", d.port());
  const auto raw = peer.receive_final();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  Answer a = parse(raw, ms);
  if (r.method == "INVITE" && a.status >= 300) {
    std::string ack = head("ACK", "<" + r.to + ">;tag=" + a.to_tag, cseq);
    ack += "Content-Length: 0\r\n\r\n";
    peer.send(ack, "127.0.0.1", d.port());
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The same answer shape: status, reason, header names, challenge
// parameters but the nonce.
void expect_same_shape(const Answer& a, const Answer& b, const std::string& what) {
  SCOPED_TRACE(what + "\n--- existing:\n" + a.raw + "\n--- missing:\n" + b.raw);
  EXPECT_NE(a.status, 0);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.server, b.server);
  ASSERT_EQ(a.challenges.size(), b.challenges.size());
  for (std::size_t i = 0; i < a.challenges.size(); ++i) {
    EXPECT_EQ(a.challenges[i].realm, b.challenges[i].realm);
    EXPECT_EQ(a.challenges[i].algorithm, b.challenges[i].algorithm);
    EXPECT_EQ(a.challenges[i].qop_options, b.challenges[i].qop_options);
    EXPECT_EQ(a.challenges[i].nonce.size(), b.challenges[i].nonce.size());
  }
}

void add_alice(Daemon& d) {
  d.control().call(
      "import", {{"document",
                  {{"format", "sipsmith-provisioning"},
                   {"version", 1},
                   {"customers", json::array({{{"username", "demo"}, {"password", "demo-pw-1"}}})},
                   {"accounts", json::array({{{"owner", "demo"},
                                              {"username", "alice"},
                                              {"domain", kDomain},
                                              {"password", kPassword}}})}}}});
}

TEST(SipproxydScanner, AnExtensionScanLearnsNothing) {
  TempDir dir;
  // Defaults, but a scan of this size would be blocked (which is the next
  // test): allow it here.
  Daemon d(dir, {{"security", {{"max_failures", 100000}}}});
  add_alice(d);
  UdpPeer scanner;
  const std::string domain = kDomain;
  struct Probe {
    std::string what;
    std::function<Request(const std::string& user)> make;
  };
  const std::vector<Probe> probes = {
      {"REGISTER",
       [&](const std::string& u) {
         return Request{"REGISTER", "sip:" + domain, "sip:" + u + "@" + domain,
                        "sip:" + u + "@" + domain, ""};
       }},
      {"INVITE from outside",
       [&](const std::string& u) {
         return Request{"INVITE", "sip:" + u + "@" + domain, "sip:scan@example.net",
                        "sip:" + u + "@" + domain, ""};
       }},
      {"INVITE as our caller",
       [&](const std::string& u) {
         return Request{"INVITE", "sip:100@" + domain, "sip:" + u + "@" + domain,
                        "sip:100@" + domain, ""};
       }},
      {"OPTIONS",
       [&](const std::string& u) {
         return Request{"OPTIONS", "sip:" + u + "@" + domain, "sip:scan@example.net",
                        "sip:" + u + "@" + domain, ""};
       }},
      {"SUBSCRIBE",
       [&](const std::string& u) {
         return Request{"SUBSCRIBE", "sip:" + u + "@" + domain, "sip:scan@example.net",
                        "sip:" + u + "@" + domain, ""};
       }},
      {"MESSAGE",
       [&](const std::string& u) {
         return Request{"MESSAGE", "sip:" + u + "@" + domain, "sip:scan@example.net",
                        "sip:" + u + "@" + domain, ""};
       }},
  };
  for (const auto& probe : probes) {
    std::vector<double> existing_ms, missing_ms;
    Answer first_existing, first_missing;
    for (int i = 0; i < kSamples; ++i) {
      // Interleaved, so that load on the machine hits both alike.
      Answer e = exchange(scanner, d, probe.make("alice"));
      Answer m = exchange(scanner, d, probe.make("nobody" + std::to_string(i)));
      if (i == 0) {
        first_existing = e;
        first_missing = m;
      }
      expect_same_shape(e, m, probe.what);
      existing_ms.push_back(e.ms);
      missing_ms.push_back(m.ms);
    }
    const double me = median(existing_ms), mm = median(missing_ms);
    std::printf("[ scanner  ] %-20s %d %s: median %.3f ms existing, %.3f ms missing\n",
                probe.what.c_str(), first_existing.status, first_existing.reason.c_str(), me, mm);
    // A user-dependent slow path (a store query, a script) would show as a
    // difference of milliseconds; loopback noise is far below this.
    EXPECT_LT(std::abs(me - mm), std::max(2.0, 0.5 * std::max(me, mm)))
        << probe.what << ": " << me << " ms vs " << mm << " ms";
  }
  // No phone was registered and no call was placed.
  EXPECT_EQ(d.control().call("binding.list").size(), 0u);
}

TEST(SipproxydScanner, PasswordGuessingByInviteIsBlockedAfterTheConfiguredFailures) {
  TempDir dir;
  Daemon d(dir, {{"security", {{"max_failures", 4}, {"failure_window", 60}, {"block_for", 300}}}});
  add_alice(d);
  UdpPeer guesser("127.0.0.6");
  const std::string from = std::string("sip:alice@") + kDomain;
  const std::string ruri = std::string("sip:100@") + kDomain;
  auto guess = [&](const std::string& password) {
    const std::string call_id = sip::make_call_id();
    Answer challenge = exchange(guesser, d, Request{"INVITE", ruri, from, ruri, ""}, 1, call_id);
    if (challenge.status != 407 || challenge.challenges.empty()) return challenge;
    auto creds = sip::auth::Credentials::with_password("alice", password);
    sip::auth::RequestInfo info{"INVITE", ruri, ""};
    auto auth = sip::auth::make_authorization(challenge.challenges[0], creds, info, 1);
    if (!auth) return challenge;
    return exchange(guesser, d,
                    Request{"INVITE", ruri, from, ruri, "Proxy-Authorization: " + *auth}, 2,
                    call_id);
  };
  for (int i = 0; i < 4; ++i) {
    const Answer a = guess("guess-" + std::to_string(i));
    ASSERT_EQ(a.status, 403) << a.raw;
    EXPECT_EQ(a.reason, "Forbidden");
  }
  // Blocked now: the right password is not even challenged.
  const Answer blocked = exchange(guesser, d, Request{"INVITE", ruri, from, ruri, ""});
  EXPECT_EQ(blocked.status, 403) << blocked.raw;
  EXPECT_EQ(blocked.reason, "Blocked") << blocked.raw;
  EXPECT_TRUE(blocked.challenges.empty());
  const json stats = d.control().call("stats");
  EXPECT_GE(stats["requests"].value("blocked", 0), 1) << stats.dump();
  // Another address is not affected (it is challenged as usual).
  UdpPeer phone("127.0.0.7");
  EXPECT_EQ(exchange(phone, d, Request{"INVITE", ruri, from, ruri, ""}).status, 407);
}

TEST(SipproxydScanner, NoVersionInServerOrUserAgent) {
  TempDir dir;
  Daemon d(dir, json::object());
  UdpPeer peer;
  const Answer a = exchange(peer, d,
                            Request{"OPTIONS", std::string("sip:") + kDomain,
                                    "sip:scan@example.net", std::string("sip:") + kDomain, ""});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.server, "sipsmith") << a.raw;
}

}  // namespace
}  // namespace sipsmith::itest
