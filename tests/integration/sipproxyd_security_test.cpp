// sipproxyd's registrar against hand-built requests from real UDP sockets:
// SHA-256 and MD5 digest end to end, no account enumeration (an unknown user
// and a wrong password look the same on the wire), source blocking after
// repeated failures without hurting other sources, and OPTIONS to the server.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "../conformance/corpus.hpp"
#include "sip/auth/digest.hpp"
#include "sip/base/random.hpp"
#include "sip/message/header_id.hpp"
#include "sip/parser/parse.hpp"
#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

constexpr const char* kDomain = "sipsmith.test";
constexpr const char* kAlicePassword = "alice-pw-123";

struct Reply {
  int status = 0;
  std::string reason;
  std::string raw;
  std::vector<std::string> header_names;  // in order, lower case
  std::vector<sip::auth::Challenge> challenges;
};

Reply parse_reply(const std::optional<std::string>& raw) {
  Reply r;
  if (!raw) return r;
  r.raw = *raw;
  auto m = sip::parser::parse_datagram(std::string_view(*raw));
  if (!m) return r;
  r.status = m->status();
  r.reason = std::string(m->reason());
  for (const auto& f : m->fields()) {
    std::string name(m->text(f.name));
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    r.header_names.push_back(name);
    if (f.id == sip::msg::HeaderId::WwwAuthenticate) {
      auto v = m->auth_at(f);
      if (v) {
        if (auto c = sip::auth::parse_challenge(*v)) r.challenges.push_back(*c);
      }
    }
  }
  return r;
}

// A REGISTER from `peer` for user@kDomain; `authorization` may be empty.
std::string make_register(const UdpPeer& peer, const std::string& user, const std::string& call_id,
                          int cseq, const std::string& authorization, int expires = 600) {
  const std::string hp = peer.ip() + ":" + std::to_string(peer.port());
  std::string m = "REGISTER sip:" + std::string(kDomain) + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP " + hp + ";branch=" + sip::make_branch() + ";rport\r\n";
  m += "From: <sip:" + user + "@" + kDomain + ">;tag=t" + call_id + "\r\n";
  m += "To: <sip:" + user + "@" + kDomain + ">\r\n";
  m += "Call-ID: " + call_id + "\r\n";
  m += "CSeq: " + std::to_string(cseq) + " REGISTER\r\n";
  m += "Contact: <sip:" + user + "@" + hp + ">\r\n";
  m += "Max-Forwards: 70\r\nExpires: " + std::to_string(expires) + "\r\n";
  if (!authorization.empty()) m += "Authorization: " + authorization + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

// Sends REGISTER, answers the challenge (preferred algorithm) with `password`,
// returns the final reply to the authenticated request.
Reply register_with(UdpPeer& peer, const Daemon& d, const std::string& user,
                    const std::string& password, Reply* challenge_out = nullptr,
                    int expires = 600) {
  const std::string call_id = sip::make_call_id();
  peer.send(make_register(peer, user, call_id, 1, "", expires), "127.0.0.1", d.port());
  Reply challenge = parse_reply(peer.receive_final());
  if (challenge_out) *challenge_out = challenge;
  if (challenge.status != 401 || challenge.challenges.empty()) return challenge;
  auto creds = sip::auth::Credentials::with_password(user, password);
  auto best = sip::auth::best_challenge(challenge.challenges, &creds);
  if (!best) return challenge;
  const std::string uri = std::string("sip:") + kDomain;
  sip::auth::RequestInfo info{"REGISTER", uri, ""};
  auto auth = sip::auth::make_authorization(challenge.challenges[*best], creds, info, 1);
  if (!auth) return challenge;
  peer.send(make_register(peer, user, call_id, 2, *auth, expires), "127.0.0.1", d.port());
  return parse_reply(peer.receive_final());
}

json base_config() {
  return {{"security", {{"max_failures", 3}, {"failure_window", 60}, {"block_for", 2}}}};
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
                                              {"password", kAlicePassword}}})}}}});
}

TEST(SipproxydSecurity, Sha256AndMd5DigestRegisterEndToEnd) {
  TempDir dir;
  json cfg = base_config();  // the default offers MD5 only
  cfg["registrar"] = {{"algorithms", {"SHA-256", "MD5"}}};
  Daemon d(dir, cfg);
  add_alice(d);
  UdpPeer peer;
  Reply challenge;
  Reply ok = register_with(peer, d, "alice", kAlicePassword, &challenge);
  ASSERT_EQ(challenge.status, 401) << challenge.raw;
  ASSERT_EQ(challenge.challenges.size(), 2u) << challenge.raw;
  EXPECT_EQ(challenge.challenges[0].algorithm, sip::auth::Algorithm::Sha256);
  EXPECT_EQ(challenge.challenges[1].algorithm, sip::auth::Algorithm::Md5);
  EXPECT_EQ(challenge.challenges[0].realm, kDomain);
  EXPECT_EQ(ok.status, 200) << ok.raw << d.stderr_text();
  EXPECT_NE(ok.raw.find("expires="), std::string::npos) << ok.raw;

  auto bindings = d.control().call("binding.list", {{"username", "alice"}, {"domain", kDomain}});
  EXPECT_EQ(bindings.size(), 1u) << bindings.dump();
}

TEST(SipproxydSecurity, UnknownUserAndWrongPasswordLookTheSame) {
  TempDir dir;
  json cfg = base_config();
  cfg["security"]["max_failures"] = 1000;
  Daemon d(dir, cfg);
  add_alice(d);
  UdpPeer peer;
  Reply alice_challenge, nobody_challenge;
  Reply wrong = register_with(peer, d, "alice", "not-the-password", &alice_challenge);
  Reply unknown = register_with(peer, d, "nobody", "whatever-pw", &nobody_challenge);

  // The challenges: same status, same headers, same challenge parameters but the nonce.
  ASSERT_EQ(alice_challenge.status, 401) << alice_challenge.raw;
  EXPECT_EQ(nobody_challenge.status, alice_challenge.status) << nobody_challenge.raw;
  EXPECT_EQ(nobody_challenge.reason, alice_challenge.reason);
  EXPECT_EQ(nobody_challenge.header_names, alice_challenge.header_names);
  ASSERT_EQ(nobody_challenge.challenges.size(), alice_challenge.challenges.size());
  for (std::size_t i = 0; i < alice_challenge.challenges.size(); ++i) {
    EXPECT_EQ(nobody_challenge.challenges[i].realm, alice_challenge.challenges[i].realm);
    EXPECT_EQ(nobody_challenge.challenges[i].algorithm, alice_challenge.challenges[i].algorithm);
    EXPECT_EQ(nobody_challenge.challenges[i].qop_options,
              alice_challenge.challenges[i].qop_options);
    EXPECT_EQ(nobody_challenge.challenges[i].nonce.size(),
              alice_challenge.challenges[i].nonce.size());
  }
  // The refusals: identical status line and header set.
  EXPECT_GE(wrong.status, 400) << wrong.raw;
  EXPECT_EQ(unknown.status, wrong.status) << unknown.raw;
  EXPECT_EQ(unknown.reason, wrong.reason);
  EXPECT_EQ(unknown.header_names, wrong.header_names) << wrong.raw << "\n---\n" << unknown.raw;
  EXPECT_EQ(d.control().call("binding.list").size(), 0u);
}

TEST(SipproxydSecurity, RepeatedFailuresBlockOnlyThatSource) {
  TempDir dir;
  Daemon d(dir, base_config());  // 3 failures in 60 s block for 2 s
  add_alice(d);
  UdpPeer attacker("127.0.0.2");
  for (int i = 0; i < 3; ++i) {
    Reply r = register_with(attacker, d, "alice", "guess-" + std::to_string(i));
    ASSERT_EQ(r.status, 403) << r.raw;
  }
  // Now blocked: even the right password is refused at once.
  const std::string call_id = sip::make_call_id();
  attacker.send(make_register(attacker, "alice", call_id, 1, ""), "127.0.0.1", d.port());
  Reply blocked = parse_reply(attacker.receive_final());
  EXPECT_EQ(blocked.status, 403) << blocked.raw;
  EXPECT_EQ(blocked.reason, "Blocked") << blocked.raw;

  // Another source is not affected.
  UdpPeer phone("127.0.0.3");
  EXPECT_EQ(register_with(phone, d, "alice", kAlicePassword).status, 200);
  json stats = d.control().call("stats");
  EXPECT_GE(stats["requests"].value("blocked", 0), 1)
      << stats.dump();

  // The block lifts after block_for (2 s): poll with bounded attempts.
  int status = 0;
  for (int attempt = 0; attempt < 40 && status != 200; ++attempt) {
    Reply r = register_with(attacker, d, "alice", kAlicePassword);
    status = r.status;
    if (status != 200) (void)attacker.receive(Millis(250));  // paces the attempts
  }
  EXPECT_EQ(status, 200);
}

TEST(SipproxydSecurity, SilentBlockingAnswersNothingAndKeepsNoState) {
  TempDir dir;
  json cfg = base_config();
  cfg["security"]["block_silently"] = true;
  cfg["security"]["block_for"] = 300;
  Daemon d(dir, cfg);
  add_alice(d);
  UdpPeer attacker("127.0.0.4");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(register_with(attacker, d, "alice", "guess-" + std::to_string(i)).status, 403);
  }
  // Answered transactions linger in Completed (Timer J); note how many there are.
  const int before = d.control().call("stats")["transactions"].value("server", -1);
  for (int i = 0; i < 3; ++i) {
    attacker.send(make_register(attacker, "alice", sip::make_call_id(), 1, ""), "127.0.0.1",
                  d.port());
  }
  EXPECT_FALSE(attacker.receive(Millis(700))) << "a silently blocked source got an answer";
  json stats = d.control().call("stats");
  EXPECT_EQ(stats["requests"].value("dropped_silently", 0), 3) << stats.dump();
  // Dropped before the transaction layer: no server transaction lingers for them.
  EXPECT_EQ(stats["transactions"].value("server", -1), before) << stats.dump();
  UdpPeer phone("127.0.0.5");
  EXPECT_EQ(register_with(phone, d, "alice", kAlicePassword).status, 200);
}

TEST(SipproxydServer, OptionsToTheServerAnswers200EvenWithMaxForwardsZero) {
  // RFC 4475 3.3.11 (zeromf): the server is the target of this OPTIONS.
  std::string raw = sip::testing::read_corpus_file("zeromf.dat");
  ASSERT_FALSE(raw.empty()) << "RFC 4475 corpus not found at " << sip::testing::corpus_dir();
  TempDir dir;
  Daemon d(dir, {{"domains", json::array({"example.com"})}});
  UdpPeer peer;
  const std::string via_old = "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i";
  auto at = raw.find(via_old);
  ASSERT_NE(at, std::string::npos);
  raw.replace(
      at, via_old.size(),
      "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(peer.port()) + ";branch=z9hG4bKkdjuw2349i");
  peer.send(raw, "127.0.0.1", d.port());
  Reply r = parse_reply(peer.receive_final());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_NE(std::find(r.header_names.begin(), r.header_names.end(), "allow"), r.header_names.end());
  EXPECT_NE(std::find(r.header_names.begin(), r.header_names.end(), "accept"),
            r.header_names.end());

  // Not an open relay: a request for a domain not served here gets 404.
  std::string other = raw;
  for (std::string from = "sip:user@example.com SIP/2.0"; other.find(from) != std::string::npos;) {
    other.replace(other.find(from), from.size(), "sip:user@elsewhere.example SIP/2.0");
  }
  other.replace(other.find("Max-Forwards: 0"), 15, "Max-Forwards: 70");
  other.replace(other.find("z9hG4bKkdjuw2349i"), 17, "z9hG4bKother0001");
  peer.send(other, "127.0.0.1", d.port());
  Reply refused = parse_reply(peer.receive_final());
  EXPECT_EQ(refused.status, 404) << refused.raw;
}

TEST(SipproxydServer, SighupReloadsTheRegistrarSettings) {
  TempDir dir;
  Daemon d(dir, base_config());
  add_alice(d);
  UdpPeer peer;
  auto expires_reply = [&](int expires) {
    return register_with(peer, d, "alice", kAlicePassword, nullptr, expires);
  };

  EXPECT_EQ(expires_reply(100).status, 200);  // 100 s is above the default 60 s minimum
  json cfg = base_config();
  cfg["registrar"] = {{"min_expires", 300}};
  d.rewrite_config(cfg);
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_stderr("configuration reloaded", Millis(10000))) << d.stderr_text();
  Reply too_short = expires_reply(100);
  EXPECT_EQ(too_short.status, 423) << too_short.raw;
  EXPECT_NE(too_short.raw.find("Min-Expires: 300"), std::string::npos) << too_short.raw;

  // A broken file keeps the running config and says why.
  write_file(dir.file("sipproxyd.json"), "{ \"domains\": 7 }");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_stderr("reload failed", Millis(10000))) << d.stderr_text();
  EXPECT_EQ(expires_reply(100).status, 423);
  EXPECT_TRUE(d.running());
}

TEST(SipproxydCli, CheckConfigNamesTheBadField) {
  TempDir dir;
  write_file(dir.file("bad.json"), "{ // comment\n \"domains\": [\"a.test\"], \"registar\": {} }");
  SpawnOptions o;
  o.argv = {sipproxyd_binary(), "--config", dir.file("bad.json"), "--check-config"};
  o.stderr_file = dir.file("err.txt");
  o.stdout_file = dir.file("out.txt");
  Child c(o);
  EXPECT_EQ(c.wait_for(Millis(10000)), 2);
  EXPECT_NE(read_file(dir.file("err.txt")).find("unknown field \"registar\""), std::string::npos)
      << read_file(dir.file("err.txt"));

  write_file(dir.file("good.json"), "{ \"domains\": [\"a.test\"] /* c */ }");
  o.argv = {sipproxyd_binary(), "--config", dir.file("good.json"), "--check-config"};
  Child g(o);
  EXPECT_EQ(g.wait_for(Millis(10000)), 0);
  json printed = json::parse(read_file(dir.file("out.txt")));
  EXPECT_EQ(printed["domains"], json::array({"a.test"}));
  EXPECT_EQ(printed["registrar"].value("min_expires", 0), 60);
}

}  // namespace
}  // namespace sipsmith::itest
