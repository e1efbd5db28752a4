// The transport layer over real sockets on loopback (IPv4 and IPv6): UDP and
// TCP round trips with RFC 3581 stamping, connection reuse, TLS with peer
// verification, CRLF keep-alive answers, stateless 400s and idle timeouts.
// Waits are on events with an upper bound, never fixed sleeps.
#include "sip/transport/transport_layer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <memory>

#include "../../support/tls_fixture.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"

namespace sip::transport {
namespace {

using namespace std::chrono_literals;

struct Collector : InboundHandler {
  void on_inbound(Inbound&& in) override { got.push_back(std::move(in)); }
  void on_flow_closed(FlowId flow, const Error&) override { closed.push_back(flow); }
  std::deque<Inbound> got;
  std::vector<FlowId> closed;
};

std::string options(const std::string& via_host, Kind kind) {
  auto b = msg::MessageBuilder::request("OPTIONS", "sip:server@example.com");
  b.header("Via", "SIP/2.0/" + std::string(kind_name(kind)) + " " + via_host +
                      ";rport;branch=" + make_branch());
  b.header("From", "<sip:client@example.com>;tag=" + make_tag());
  b.header("To", "<sip:server@example.com>");
  b.header("Call-ID", make_call_id());
  b.header("CSeq", "1 OPTIONS");
  return b.serialize();
}

struct Pair {
  explicit Pair(TransportConfig server_cfg, TransportConfig client_cfg = {})
      : server(loop, std::move(server_cfg), server_in),
        client(loop, std::move(client_cfg), client_in) {
    auto s = server.start();
    EXPECT_TRUE(s) << s.error().to_string();
    auto c = client.start();
    EXPECT_TRUE(c) << c.error().to_string();
  }
  bool wait(const std::function<bool()>& cond) { return loop.run_until(cond, 5s); }
  EventLoop loop;
  Collector server_in, client_in;
  TransportLayer server, client;
};

TransportConfig listen_on(std::initializer_list<std::pair<Kind, const char*>> specs) {
  TransportConfig c;
  for (const auto& [k, a] : specs) c.listen.push_back({k, *SocketAddress::parse(a)});
  return c;
}

// Request from client to server and the response back, through flows.
void round_trip(Pair& p, Kind kind, bool v6) {
  const auto server_addr = p.server.listen_address(kind, v6);
  ASSERT_TRUE(server_addr);
  Destination to{kind, *server_addr, 0, kind == Kind::Tls ? "sip.test" : ""};
  std::optional<Result<Origin>> opened;
  p.client.open_flow(to, [&](Result<Origin> r) { opened = std::move(r); });
  ASSERT_TRUE(p.wait([&] { return opened.has_value(); }));
  ASSERT_TRUE(*opened) << opened->error().to_string();
  const Origin client_origin = **opened;
  to.flow = client_origin.flow;
  p.client.send(
      to,
      options(client_origin.local.host_string() + ":" + std::to_string(client_origin.local.port),
              kind),
      nullptr);
  ASSERT_TRUE(p.wait([&] { return !p.server_in.got.empty(); }));
  Inbound req = std::move(p.server_in.got.front());
  p.server_in.got.pop_front();
  EXPECT_EQ(req.origin.kind, kind);
  EXPECT_EQ(req.origin.remote, client_origin.local);
  // RFC 3581: the server stamped rport with the source port.
  auto via = req.message.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->rport(), std::to_string(client_origin.local.port));
  auto resp = msg::make_response(req.message, 200, {}, "t1").build();
  ASSERT_TRUE(resp);
  p.server.send(response_destination(*resp, req.origin), std::string(resp->bytes()), nullptr);
  ASSERT_TRUE(p.wait([&] { return !p.client_in.got.empty(); }));
  const Inbound& got = p.client_in.got.front();
  EXPECT_EQ(got.message.status(), 200);
  EXPECT_EQ(got.origin.flow, client_origin.flow);
  p.client_in.got.pop_front();
}

TEST(TransportLayerTest, UdpIpv4AndIpv6) {
  Pair p(listen_on({{Kind::Udp, "127.0.0.1:0"}, {Kind::Udp, "[::1]:0"}}));
  round_trip(p, Kind::Udp, false);
  round_trip(p, Kind::Udp, true);
  EXPECT_EQ(p.server.stats().received, 2u);
}

TEST(TransportLayerTest, TcpReusesTheConnection) {
  Pair p(listen_on({{Kind::Tcp, "127.0.0.1:0"}, {Kind::Tcp, "[::1]:0"}}));
  round_trip(p, Kind::Tcp, false);
  round_trip(p, Kind::Tcp, false);
  round_trip(p, Kind::Tcp, true);
  EXPECT_EQ(p.client.stats().connections_opened, 2u);  // one per family
}

TEST(TransportLayerTest, TlsWithVerifiedPeer) {
  testing::TlsFixture pki;
  TransportConfig server_cfg = listen_on({{Kind::Tls, "127.0.0.1:0"}, {Kind::Tls, "[::1]:0"}});
  server_cfg.tls.cert_file = pki.cert();
  server_cfg.tls.key_file = pki.key();
  TransportConfig client_cfg;
  client_cfg.tls.ca_file = pki.ca();
  Pair p(server_cfg, client_cfg);
  round_trip(p, Kind::Tls, false);
  round_trip(p, Kind::Tls, true);
}

TEST(TransportLayerTest, TlsRejectsAWrongName) {
  testing::TlsFixture pki;
  TransportConfig server_cfg = listen_on({{Kind::Tls, "127.0.0.1:0"}});
  server_cfg.tls.cert_file = pki.cert();
  server_cfg.tls.key_file = pki.key();
  TransportConfig client_cfg;
  client_cfg.tls.ca_file = pki.ca();
  Pair p(server_cfg, client_cfg);
  std::optional<Result<Origin>> r;
  p.client.send({Kind::Tls, *p.server.listen_address(Kind::Tls, false), 0, "other.test"},
                options("127.0.0.1", Kind::Tls), [&](Result<Origin> x) { r = std::move(x); });
  ASSERT_TRUE(p.wait([&] { return r.has_value(); }));
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code, Errc::tls_failure);
  EXPECT_TRUE(p.server_in.got.empty());
}

// A raw client socket for what the transport must answer byte for byte.
struct RawSocket {
  RawSocket(int type, const SocketAddress& to) {
    fd = ::socket(AF_INET, type | SOCK_NONBLOCK, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(to.port);
    std::memcpy(&sa.sin_addr, to.ip.data(), 4);
    ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  ~RawSocket() { ::close(fd); }
  void send(std::string_view s) const { (void)::send(fd, s.data(), s.size(), 0); }
  bool poll_recv() {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) data.append(buf, static_cast<std::size_t>(n));
    return n > 0;
  }
  int fd;
  std::string data;
};

TEST(TransportLayerTest, CrlfPingGetsPongOnTcpAndUdp) {
  Pair p(listen_on({{Kind::Tcp, "127.0.0.1:0"}, {Kind::Udp, "127.0.0.1:0"}}));
  RawSocket tcp(SOCK_STREAM, *p.server.listen_address(Kind::Tcp, false));
  ASSERT_TRUE(p.wait([&] { return p.server.stats().connections_opened == 1; }));
  tcp.send("\r\n\r\n");
  ASSERT_TRUE(p.wait([&] { return tcp.poll_recv(); }));
  EXPECT_EQ(tcp.data, "\r\n");
  RawSocket udp(SOCK_DGRAM, *p.server.listen_address(Kind::Udp, false));
  udp.send("\r\n\r\n");
  ASSERT_TRUE(p.wait([&] { return udp.poll_recv(); }));
  EXPECT_EQ(udp.data, "\r\n");
  EXPECT_EQ(p.server.stats().keepalive_pings, 2u);
}

TEST(TransportLayerTest, UnparseableRequestGetsStateless400) {
  Pair p(listen_on({{Kind::Udp, "127.0.0.1:0"}}));
  RawSocket udp(SOCK_DGRAM, *p.server.listen_address(Kind::Udp, false));
  udp.send(
      "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbad\r\nFrom: "
      "<sip:a@b>;tag=1\r\n"
      "To: <sip:a@b>\r\nCall-ID: bad1\r\nCSeq: 1 INVITE\r\nContent-Length: -5\r\n\r\n");
  ASSERT_TRUE(p.wait([&] { return udp.poll_recv(); }));
  EXPECT_TRUE(udp.data.starts_with("SIP/2.0 400 Bad Request\r\n")) << udp.data;
  EXPECT_NE(udp.data.find("Call-ID: bad1\r\n"), std::string::npos);
  EXPECT_NE(udp.data.find("z9hG4bKbad"), std::string::npos);
  EXPECT_EQ(p.server.stats().parse_errors, 1u);
  EXPECT_EQ(p.server.stats().answered_400, 1u);
  EXPECT_TRUE(p.server_in.got.empty());
}

TEST(TransportLayerTest, IdleConnectionsAreClosed) {
  TransportConfig cfg = listen_on({{Kind::Tcp, "127.0.0.1:0"}});
  cfg.idle_timeout = 200ms;
  Pair p(cfg);
  RawSocket tcp(SOCK_STREAM, *p.server.listen_address(Kind::Tcp, false));
  ASSERT_TRUE(p.wait([&] { return !p.server_in.closed.empty(); }));
  EXPECT_EQ(p.server.stats().connections_closed, 1u);
}

TEST(TransportLayerTest, ConnectFailureIsReported) {
  // Bind-and-close gives a loopback port with nothing listening.
  Pair p(listen_on({{Kind::Tcp, "127.0.0.1:0"}}));
  SocketAddress dead = *p.server.listen_address(Kind::Tcp, false);
  p.server.shutdown();
  std::optional<Result<Origin>> r;
  p.client.send({Kind::Tcp, dead, 0, ""}, options("127.0.0.1", Kind::Tcp),
                [&](Result<Origin> x) { r = std::move(x); });
  ASSERT_TRUE(p.wait([&] { return r.has_value(); }));
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code, Errc::network);
}

}  // namespace
}  // namespace sip::transport
