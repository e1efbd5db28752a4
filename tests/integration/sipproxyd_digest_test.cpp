// sipproxyd's digest algorithm policy and flows, on the wire of the real
// daemon with hand-built requests: the default challenges (MD5 only), a
// configured order is the order of the 401 and 407 challenges, SHA-256-only
// settings refuse a correct MD5 answer, User-Agent rules and the account's
// own list, a closed TCP connection takes its bindings, and binding.list /
// `sipctl binding list` show transport, source, User-Agent and mangling.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/base/random.hpp"
#include "sip/parser/parse.hpp"
#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

using sip::auth::Algorithm;

constexpr const char* kDomain = "sipsmith.test";

struct Reply {
  int status = 0;
  std::string raw;
  std::vector<sip::auth::Challenge> challenges;  // WWW- or Proxy-Authenticate, in order
};

Reply parse_reply(const std::optional<std::string>& raw) {
  Reply r;
  if (!raw) return r;
  r.raw = *raw;
  auto m = sip::parser::parse_datagram(std::string_view(*raw));
  if (!m) return r;
  r.status = m->status();
  for (const auto& f : m->fields()) {
    if (f.id != sip::msg::HeaderId::WwwAuthenticate &&
        f.id != sip::msg::HeaderId::ProxyAuthenticate)
      continue;
    if (auto v = m->auth_at(f))
      if (auto c = sip::auth::parse_challenge(*v)) r.challenges.push_back(*c);
  }
  return r;
}

std::vector<Algorithm> algorithms(const Reply& r) {
  std::vector<Algorithm> out;
  for (const auto& c : r.challenges) out.push_back(c.algorithm);
  return out;
}

// A TCP connection to the daemon carrying SIP (Content-Length framing).
class TcpPeer {
 public:
  explicit TcpPeer(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect over TCP");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TcpPeer() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::uint16_t port() const noexcept { return port_; }
  void send(const std::string& bytes) {
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
      throw std::runtime_error("TCP send failed");
  }
  // The next final response (provisional ones and keep-alives skipped).
  std::optional<std::string> receive_final(Millis limit = Millis(3000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      while (!buffer_.empty() && (buffer_[0] == '\r' || buffer_[0] == '\n')) buffer_.erase(0, 1);
      const auto head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t body = 0;
        const auto cl = buffer_.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) body = std::stoul(buffer_.substr(cl + 16));
        if (buffer_.size() >= head_end + 4 + body) {
          std::string msg = buffer_.substr(0, head_end + 4 + body);
          buffer_.erase(0, head_end + 4 + body);
          if (msg.rfind("SIP/2.0 1", 0) == 0) continue;
          return msg;
        }
      }
      const auto left =
          std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string buffer_;
};

struct Request {
  std::string method = "REGISTER";
  std::string user = "alice";
  std::string transport = "UDP";
  std::string hostport;  // ours
  std::string contact;   // Contact host:port; empty: hostport
  std::string call_id;
  int cseq = 1;
  std::string user_agent;
  std::string authorization;  // header value, empty: none
};

std::string build(const Request& r) {
  const bool reg = r.method == "REGISTER";
  const std::string ruri = reg ? std::string("sip:") + kDomain : std::string("sip:bob@") + kDomain;
  std::string m = r.method + " " + ruri + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/" + r.transport + " " + r.hostport + ";branch=" + sip::make_branch() +
       ";rport\r\n";
  m += "From: <sip:" + r.user + "@" + kDomain + ">;tag=t" + r.call_id + "\r\n";
  m += "To: <sip:" + (reg ? r.user : std::string("bob")) + "@" + kDomain + ">\r\n";
  m += "Call-ID: " + r.call_id + "\r\n";
  m += "CSeq: " + std::to_string(r.cseq) + " " + r.method + "\r\n";
  m += "Contact: <sip:" + r.user + "@" + (r.contact.empty() ? r.hostport : r.contact) +
       (r.transport == "TCP" ? ";transport=tcp" : "") + ">\r\n";
  m += "Max-Forwards: 70\r\n";
  if (reg) m += "Expires: 600\r\n";
  if (!r.user_agent.empty()) m += "User-Agent: " + r.user_agent + "\r\n";
  if (!r.authorization.empty())
    m += std::string(reg ? "Authorization: " : "Proxy-Authorization: ") + r.authorization + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

// The credentials for `c` (its algorithm) with `password`.
std::string answer(const sip::auth::Challenge& c, const Request& r, const std::string& password) {
  auto creds = sip::auth::Credentials::with_password(r.user, password);
  const std::string uri =
      r.method == "REGISTER" ? std::string("sip:") + kDomain : std::string("sip:bob@") + kDomain;
  sip::auth::RequestInfo info{r.method, uri, ""};
  return *sip::auth::make_authorization(c, creds, info, 1);
}

class DigestTest : public ::testing::Test {
 protected:
  void start(json config) {
    daemon_ = std::make_unique<Daemon>(dir_, std::move(config));
    json accounts = json::array();
    for (const char* user : {"alice", "bob"})
      accounts.push_back({{"owner", "demo"},
                          {"username", user},
                          {"domain", kDomain},
                          {"password", std::string(user) + "-pw-123"}});
    daemon_->control().call(
        "import",
        {{"document",
          {{"format", "sipsmith-provisioning"},
           {"version", 1},
           {"customers", json::array({{{"username", "demo"}, {"password", "demo-pw-1"}}})},
           {"accounts", accounts}}}});
  }
  // Sends `r` from `peer` (UDP); the final reply.
  Reply send(UdpPeer& peer, Request r) {
    r.hostport = peer.ip() + ":" + std::to_string(peer.port());
    peer.send(build(r), "127.0.0.1", daemon_->port());
    return parse_reply(peer.receive_final());
  }
  Request request(const std::string& method, const std::string& user) {
    Request r;
    r.method = method;
    r.user = user;
    r.call_id = sip::make_call_id();
    return r;
  }
  json bindings(const std::string& user) {
    return daemon_->control().call("binding.list", {{"username", user}, {"domain", kDomain}});
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DigestTest, DefaultSettingsChallengeWithMd5Only) {
  start(json::object());
  UdpPeer peer;
  const Reply reg = send(peer, request("REGISTER", "alice"));
  ASSERT_EQ(reg.status, 401) << reg.raw;
  EXPECT_EQ(algorithms(reg), std::vector<Algorithm>{Algorithm::Md5}) << reg.raw;
  const Reply inv = send(peer, request("INVITE", "alice"));
  ASSERT_EQ(inv.status, 407) << inv.raw;
  EXPECT_EQ(algorithms(inv), std::vector<Algorithm>{Algorithm::Md5}) << inv.raw;
}

TEST_F(DigestTest, ConfiguredOrderIsTheOrderOnTheWire) {
  for (const auto& order :
       {std::vector<std::string>{"SHA-256", "MD5"}, std::vector<std::string>{"MD5", "SHA-256"}}) {
    TempDir dir;
    Daemon d(dir, {{"registrar", {{"algorithms", order}}}});
    d.control().call(
        "import",
        {{"document",
          {{"format", "sipsmith-provisioning"},
           {"version", 1},
           {"customers", json::array({{{"username", "demo"}, {"password", "demo-pw-1"}}})},
           {"accounts", json::array({{{"owner", "demo"},
                                      {"username", "alice"},
                                      {"domain", kDomain},
                                      {"password", "alice-pw-123"}}})}}}});
    const std::vector<Algorithm> expected =
        order[0] == "MD5" ? std::vector<Algorithm>{Algorithm::Md5, Algorithm::Sha256}
                          : std::vector<Algorithm>{Algorithm::Sha256, Algorithm::Md5};
    UdpPeer peer;
    for (const char* method : {"REGISTER", "INVITE"}) {
      Request r = request(method, "alice");
      r.hostport = "127.0.0.1:" + std::to_string(peer.port());
      peer.send(build(r), "127.0.0.1", d.port());
      const Reply reply = parse_reply(peer.receive_final());
      EXPECT_EQ(reply.status, std::string(method) == "REGISTER" ? 401 : 407) << reply.raw;
      EXPECT_EQ(algorithms(reply), expected) << method << " with " << json(order).dump() << "\n"
                                             << reply.raw;
    }
  }
}

TEST_F(DigestTest, Sha256OnlySettingsRefuseAnMd5Answer) {
  start({{"registrar", {{"algorithms", {"SHA-256"}}}}});
  UdpPeer peer;
  for (const char* method : {"REGISTER", "INVITE"}) {
    Request r = request(method, "alice");
    const Reply first = send(peer, r);
    ASSERT_EQ(algorithms(first), std::vector<Algorithm>{Algorithm::Sha256}) << first.raw;
    // The right password, answered with MD5 (as an MD5-only phone would).
    sip::auth::Challenge md5 = first.challenges[0];
    md5.algorithm = Algorithm::Md5;
    r.cseq = 2;
    r.authorization = answer(md5, r, "alice-pw-123");
    const Reply refused = send(peer, r);
    EXPECT_EQ(refused.status, first.status) << "an MD5 answer was accepted:\n" << refused.raw;
    EXPECT_EQ(algorithms(refused), std::vector<Algorithm>{Algorithm::Sha256}) << refused.raw;
    // The SHA-256 answer passes (REGISTER: 200; INVITE: no dial plan, 480).
    r.cseq = 3;
    r.authorization = answer(refused.challenges.at(0), r, "alice-pw-123");
    const Reply ok = send(peer, r);
    EXPECT_EQ(ok.status, std::string(method) == "REGISTER" ? 200 : 480) << ok.raw;
  }
  EXPECT_EQ(bindings("alice").size(), 1u);
}

TEST_F(DigestTest, UserAgentRulesAndTheAccountsOwnList) {
  start(
      {{"registrar",
        {{"user_agent_rules", {{{"pattern", "^NewPhone"}, {"algorithms", {"SHA-256", "MD5"}}}}}}}});
  daemon_->control().call(
      "account.update",
      {{"username", "alice"}, {"domain", kDomain}, {"digest_algorithms", "SHA-256"}});
  UdpPeer peer;
  Request alice = request("REGISTER", "alice");
  alice.user_agent = "NewPhone 2.0";
  EXPECT_EQ(algorithms(send(peer, alice)), std::vector<Algorithm>{Algorithm::Sha256});
  Request bob = request("REGISTER", "bob");
  EXPECT_EQ(algorithms(send(peer, bob)), std::vector<Algorithm>{Algorithm::Md5});
  bob.user_agent = "NewPhone 2.0";
  bob.call_id = sip::make_call_id();
  EXPECT_EQ(algorithms(send(peer, bob)),
            (std::vector<Algorithm>{Algorithm::Sha256, Algorithm::Md5}));
  // The INVITE challenge follows the same choice.
  EXPECT_EQ(algorithms(send(peer, request("INVITE", "alice"))),
            std::vector<Algorithm>{Algorithm::Sha256});
}

// Registers `user` over `tcp` (digest with the default MD5).
void register_over_tcp(TcpPeer& tcp, const std::string& user) {
  Request r;
  r.user = user;
  r.transport = "TCP";
  r.hostport = "127.0.0.1:" + std::to_string(tcp.port());
  r.contact = "127.0.0.1:5062";  // its listening port, not the connection's (as phones do)
  r.call_id = sip::make_call_id();
  r.user_agent = "TcpPhone/1.0";
  tcp.send(build(r));
  const Reply first = parse_reply(tcp.receive_final());
  ASSERT_EQ(first.status, 401) << first.raw;
  r.cseq = 2;
  r.authorization = answer(first.challenges.at(0), r, user + "-pw-123");
  tcp.send(build(r));
  const Reply ok = parse_reply(tcp.receive_final());
  ASSERT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(DigestTest, ClosedTcpConnectionRemovesTheBindingsRegisteredThroughIt) {
  start(json::object());
  UdpPeer udp;
  Request u = request("REGISTER", "alice");
  u.user_agent = "UdpPhone/1.0";
  const Reply first = send(udp, u);
  u.cseq = 2;
  u.authorization = answer(first.challenges.at(0), u, "alice-pw-123");
  ASSERT_EQ(send(udp, u).status, 200);

  auto tcp = std::make_unique<TcpPeer>(daemon_->port());
  register_over_tcp(*tcp, "alice");
  ASSERT_EQ(bindings("alice").size(), 2u);
  tcp->close();
  // Gone at once: bounded wait, far below the 30 s keep-alive and the expiry.
  const auto end = std::chrono::steady_clock::now() + Millis(5000);
  while (bindings("alice").size() != 1 && std::chrono::steady_clock::now() < end)
    (void)udp.receive(Millis(20));
  const json left = bindings("alice");
  ASSERT_EQ(left.size(), 1u) << left.dump(2);
  EXPECT_EQ(left[0]["transport"], "udp");
}

TEST_F(DigestTest, BindingListShowsTransportSourceUserAgentAndMangling) {
  start(json::object());
  TcpPeer tcp(daemon_->port());
  register_over_tcp(tcp, "bob");
  const json b = bindings("bob");
  ASSERT_EQ(b.size(), 1u);
  const std::string source = "127.0.0.1:" + std::to_string(tcp.port());
  EXPECT_EQ(b[0]["transport"], "tcp");
  EXPECT_EQ(b[0]["remote"], source);
  EXPECT_EQ(b[0]["user_agent"], "TcpPhone/1.0");
  // The contact names another port than the connection's: it is rewritten
  // to the source (where requests reach the phone, over its connection).
  EXPECT_EQ(b[0]["mangled"], true);
  EXPECT_EQ(b[0]["mangled_uri"], "sip:bob@" + source + ";transport=tcp");

  // The same through sipctl: a table and NDJSON.
  for (const bool as_json : {false, true}) {
    SpawnOptions o;
    o.argv = {sipctl_binary(), "--socket", daemon_->control_path()};
    if (as_json) o.argv.push_back("--json");
    for (const char* a : {"binding", "list", "bob@sipsmith.test"}) o.argv.push_back(a);
    o.stdout_file = dir_.file(as_json ? "list.json" : "list.txt");
    Child c(o);
    ASSERT_EQ(c.wait_for(Millis(10000)), 0);
    const std::string out = read_file(o.stdout_file);
    if (as_json) {
      const json row = json::parse(out.substr(0, out.find('\n')));
      EXPECT_EQ(row["remote"], source) << out;
      EXPECT_EQ(row["mangled"], true) << out;
      EXPECT_EQ(row["user_agent"], "TcpPhone/1.0") << out;
    } else {
      EXPECT_NE(out.find("TRANSPORT"), std::string::npos) << out;
      EXPECT_NE(out.find("SOURCE"), std::string::npos) << out;
      EXPECT_NE(out.find("MANGLED"), std::string::npos) << out;
      EXPECT_NE(out.find("USER_AGENT"), std::string::npos) << out;
      EXPECT_NE(out.find(source), std::string::npos) << out;
      EXPECT_NE(out.find("TcpPhone/1.0"), std::string::npos) << out;
      EXPECT_NE(out.find(" yes "), std::string::npos) << out;
    }
  }
}

}  // namespace
}  // namespace sipsmith::itest
