// TransportLayer: listeners, the flow table, UDP I/O and dispatch upwards.
// Stream connections live in connection.cpp.
#include "sip/transport/transport_layer.hpp"

#include <boost/asio/connect.hpp>

#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/message/builder.hpp"
#include "sip/message/validate.hpp"
#include "sip/transport/transport_impl.hpp"

namespace sip::transport {

namespace {
constexpr Duration kSweepEvery = std::chrono::seconds(60);

Error sys_error(const boost::system::error_code& ec, const char* what) {
  log(LogLevel::Debug, "transport", std::string(what) + ": " + ec.message());
  return make_error(Errc::network, 0, what);
}
}  // namespace

SocketAddress to_socket_address(const asio::ip::address& a, std::uint16_t port) {
  SocketAddress s;
  s.port = port;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), s.ip.begin());
  } else {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped())
      return to_socket_address(asio::ip::make_address_v4(asio::ip::v4_mapped, v6), port);
    s.v6 = true;
    const auto b = v6.to_bytes();
    std::copy(b.begin(), b.end(), s.ip.begin());
  }
  return s;
}

asio::ip::address to_asio_address(const SocketAddress& a) {
  if (!a.v6) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(a.ip.begin(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy(a.ip.begin(), a.ip.end(), b.begin());
  return asio::ip::address_v6(b);
}

TransportLayer::Impl::Impl(EventLoop& l, TransportConfig c, InboundHandler& h)
    : loop(l), io(*static_cast<asio::io_context*>(l.native())), config(std::move(c)), handler(h) {}

// ---- UDP

void UdpListener::start_receive() {
  socket.async_receive_from(
      asio::buffer(buffer), from,
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || self->owner.shut) return;
        if (!ec) self->owner.on_datagram(*self, n, self->from);
        self->start_receive();
      });
}

FlowId TransportLayer::Impl::udp_flow(const std::shared_ptr<UdpListener>& l,
                                      const SocketAddress& remote) {
  const auto key = std::make_pair(l.get(), remote);
  if (auto it = udp_flow_by_key.find(key); it != udp_flow_by_key.end()) {
    udp_flows[it->second].last_used = loop.clock().now();
    return it->second;
  }
  const FlowId id = next_flow++;
  udp_flows.emplace(id, UdpFlow{l, remote, loop.clock().now()});
  udp_flow_by_key.emplace(key, id);
  return id;
}

void TransportLayer::Impl::sweep_udp_flows() {
  const TimePoint cutoff = loop.clock().now() - config.idle_timeout;
  for (auto it = udp_flows.begin(); it != udp_flows.end();) {
    if (it->second.last_used < cutoff) {
      udp_flow_by_key.erase(std::make_pair(it->second.listener.get(), it->second.remote));
      it = udp_flows.erase(it);
    } else {
      ++it;
    }
  }
  sweep_timer = loop.start(kSweepEvery, [this] { sweep_udp_flows(); });
}

void TransportLayer::Impl::on_datagram(UdpListener& l, std::size_t n, const udp::endpoint& from) {
  const std::string_view raw(l.buffer.data(), n);
  const SocketAddress remote = to_socket_address(from.address(), from.port());
  auto self = l.shared_from_this();
  // RFC 5626 4.4.1 style CRLF keep-alive over UDP: answer CRLFCRLF with CRLF.
  if (raw == "\r\n\r\n") {
    ++stats.keepalive_pings;
    l.socket.async_send_to(asio::buffer("\r\n", 2), from,
                           [self](const boost::system::error_code&, std::size_t) {});
    return;
  }
  if (raw.find_first_not_of("\r\n") == std::string_view::npos) return;  // pong or stray CRLF
  // Requests pass the gate before any parsing (responses go to transactions).
  if (gate != nullptr && !(raw.size() >= 8 && ci_equal(raw.substr(0, 8), "SIP/2.0 ")) &&
      !gate->admit(remote)) {
    ++stats.gated;
    return;
  }
  const FlowId flow = udp_flow(self, remote);
  Origin o{Kind::Udp, l.local, remote, flow};
  auto m = parser::parse_datagram(raw, config.limits);
  if (!m) {
    answer_unparseable(raw, m.error(), [this, self, from](std::string bytes) {
      auto buf = std::make_shared<std::string>(std::move(bytes));
      self->socket.async_send_to(asio::buffer(*buf), from,
                                 [buf](const boost::system::error_code&, std::size_t) {});
      ++stats.sent;
    });
    return;
  }
  deliver(std::move(m).value(), o, raw);
}

void TransportLayer::Impl::answer_unparseable(std::string_view raw, const Error& e,
                                              const std::function<void(std::string)>& send_back) {
  ++stats.parse_errors;
  const msg::Verdict v = msg::verdict_for_parse_error(raw, e);
  log(LogLevel::Debug, "transport", "unparseable input: " + e.to_string());
  if (v.action != msg::Verdict::Action::Respond) return;
  if (auto resp = msg::best_effort_error_response(raw, v.status, e.detail)) {
    ++stats.answered_400;
    send_back(std::move(*resp));
  }
}

void TransportLayer::Impl::deliver(msg::Message m, const Origin& o, std::string_view /*raw*/) {
  if (m.is_request()) {
    auto rewritten = apply_received_rport(std::move(m), o.remote);
    if (!rewritten) {
      ++stats.parse_errors;
      return;
    }
    m = std::move(rewritten).value();
  }
  ++stats.received;
  handler.on_inbound(Inbound{std::move(m), o});
}

std::shared_ptr<UdpListener> TransportLayer::Impl::udp_socket_for(const Destination& to,
                                                                  Result<void>& err) {
  if (to.flow) {
    if (auto it = udp_flows.find(to.flow); it != udp_flows.end()) return it->second.listener;
  }
  for (auto& l : udp)
    if (l->local.v6 == to.address.v6) return l;
  // Client use without a listener of this family: bind an ephemeral socket.
  auto l = std::make_shared<UdpListener>(io, *this);
  boost::system::error_code ec;
  const udp::endpoint any(to.address.v6 ? udp::v6() : udp::v4(), 0);
  l->socket.open(any.protocol(), ec);
  if (!ec) l->socket.bind(any, ec);
  if (ec) {
    err = sys_error(ec, "cannot bind an ephemeral UDP socket");
    return nullptr;
  }
  l->local = to_socket_address(any.address(), l->socket.local_endpoint().port());
  l->ephemeral = true;
  udp.push_back(l);
  l->start_receive();
  return l;
}

// ---- TransportLayer

TransportLayer::TransportLayer(EventLoop& loop, TransportConfig config, InboundHandler& handler)
    : impl_(std::make_unique<Impl>(loop, std::move(config), handler)) {}

TransportLayer::~TransportLayer() {
  shutdown();
}

Result<void> TransportLayer::start() {
  Impl& I = *impl_;
  // TLS contexts: the server side needs a certificate; the client side
  // verifies peers unless told not to.
  const TlsConfig& tc = I.config.tls;
  boost::system::error_code ec;
  I.client_tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
  if (!tc.ca_file.empty()) {
    I.client_tls.load_verify_file(tc.ca_file, ec);
    if (ec) return sys_error(ec, "cannot load TLS CA file");
  } else {
    I.client_tls.set_default_verify_paths(ec);
  }
  I.client_tls.set_verify_mode(tc.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  if (!tc.cert_file.empty()) {
    I.server_tls.set_options(asio::ssl::context::default_workarounds |
                             asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                             asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    I.server_tls.use_certificate_chain_file(tc.cert_file, ec);
    if (ec) return sys_error(ec, "cannot load TLS certificate");
    I.server_tls.use_private_key_file(tc.key_file, asio::ssl::context::pem, ec);
    if (ec) return sys_error(ec, "cannot load TLS private key");
    I.server_tls_ready = true;
  }
  for (const ListenSpec& spec : I.config.listen) {
    if (spec.kind == Kind::Udp) {
      auto l = std::make_shared<UdpListener>(I.io, I);
      const auto ep = to_endpoint<udp::endpoint>(spec.address);
      l->socket.open(ep.protocol(), ec);
      if (!ec && spec.address.v6) l->socket.set_option(asio::ip::v6_only(true), ec);
      if (!ec) l->socket.bind(ep, ec);
      if (ec) {
        shutdown();
        return sys_error(ec, "cannot bind UDP listener");
      }
      l->local = to_socket_address(ep.address(), l->socket.local_endpoint().port());
      I.udp.push_back(l);
    } else {
      if (spec.kind == Kind::Tls && !I.server_tls_ready) {
        shutdown();
        return make_error(Errc::bad_config, 0, "TLS listener needs tls.cert_file and tls.key_file");
      }
      auto a = std::make_shared<Acceptor>(I.io, I, spec.kind);
      const auto ep = to_endpoint<tcp::endpoint>(spec.address);
      a->acceptor.open(ep.protocol(), ec);
      if (!ec) a->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && spec.address.v6) a->acceptor.set_option(asio::ip::v6_only(true), ec);
      if (!ec) a->acceptor.bind(ep, ec);
      if (!ec) a->acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        shutdown();
        return sys_error(ec, "cannot bind TCP/TLS listener");
      }
      a->local = to_socket_address(ep.address(), a->acceptor.local_endpoint().port());
      I.acceptors.push_back(a);
    }
  }
  for (auto& l : I.udp) l->start_receive();
  for (auto& a : I.acceptors) a->accept_next();
  I.sweep_timer = I.loop.start(kSweepEvery, [&I] { I.sweep_udp_flows(); });
  return {};
}

std::vector<ListenSpec> TransportLayer::listeners() const {
  std::vector<ListenSpec> out;
  for (const auto& l : impl_->udp)
    if (!l->ephemeral) out.push_back({Kind::Udp, l->local});
  for (const auto& a : impl_->acceptors) out.push_back({a->kind, a->local});
  return out;
}

std::optional<SocketAddress> TransportLayer::listen_address(Kind kind, bool v6) const {
  for (const ListenSpec& s : listeners())
    if (s.kind == kind && s.address.v6 == v6) return s.address;
  return std::nullopt;
}

void TransportLayer::send(const Destination& to, std::string bytes, SendDone done) {
  Impl& I = *impl_;
  if (I.shut) {
    if (done) done(make_error(Errc::closed, 0, "transport shut down"));
    return;
  }
  if (to.kind == Kind::Udp) {
    Result<void> err;
    auto l = I.udp_socket_for(to, err);
    if (!l) {
      ++I.stats.send_errors;
      if (done) done(err.error());
      return;
    }
    SocketAddress remote = to.address;
    if (to.flow)
      if (auto it = I.udp_flows.find(to.flow); it != I.udp_flows.end()) remote = it->second.remote;
    const FlowId flow = I.udp_flow(l, remote);
    Origin o{Kind::Udp, l->local, remote, flow};
    auto buf = std::make_shared<std::string>(std::move(bytes));
    l->socket.async_send_to(
        asio::buffer(*buf), to_endpoint<udp::endpoint>(remote),
        [&I, buf, o, done = std::move(done)](const boost::system::error_code& ec, std::size_t) {
          if (ec) {
            ++I.stats.send_errors;
            if (done) done(sys_error(ec, "UDP send failed"));
            return;
          }
          ++I.stats.sent;
          if (done) done(o);
        });
    return;
  }
  auto c = I.connection_for(to);
  if (!c) {
    ++I.stats.send_errors;
    if (done) done(make_error(Errc::limit_reached, 0, "connection limit reached"));
    return;
  }
  c->write(std::move(bytes), std::move(done));
}

void TransportLayer::open_flow(const Destination& to, SendDone done) {
  Impl& I = *impl_;
  if (to.kind == Kind::Udp) {
    Result<void> err;
    auto l = I.udp_socket_for(to, err);
    if (!l) return done(err.error());
    Origin o{Kind::Udp, l->local, to.address, I.udp_flow(l, to.address)};
    if (o.local.is_unspecified()) {
      // Learn the source address the kernel would use towards `to`.
      udp::socket probe(I.io);
      boost::system::error_code ec;
      probe.open(to.address.v6 ? udp::v6() : udp::v4(), ec);
      if (!ec) probe.connect(to_endpoint<udp::endpoint>(to.address), ec);
      if (!ec) o.local = to_socket_address(probe.local_endpoint().address(), o.local.port);
    }
    return done(o);
  }
  auto c = I.connection_for(to);
  if (!c) return done(make_error(Errc::limit_reached, 0, "connection limit reached"));
  if (c->ready) return done(Origin{c->kind, c->local, c->remote, c->id});
  c->open_waiters.push_back(std::move(done));
}

void TransportLayer::close_flow(FlowId flow) {
  if (auto it = impl_->connections.find(flow); it != impl_->connections.end())
    it->second->close(make_error(Errc::closed, 0, "closed locally"));
}

bool TransportLayer::flow_open(FlowId flow) const {
  return impl_->connections.count(flow) || impl_->udp_flows.count(flow);
}

void TransportLayer::shutdown() {
  Impl& I = *impl_;
  if (I.shut) return;
  I.shut = true;
  if (I.sweep_timer) I.loop.cancel(I.sweep_timer);
  boost::system::error_code ec;
  for (auto& l : I.udp) l->socket.close(ec);
  for (auto& a : I.acceptors) a->acceptor.close(ec);
  auto conns = I.connections;
  for (auto& [id, c] : conns) c->close(make_error(Errc::closed, 0, "transport shut down"));
  I.udp.clear();
  I.acceptors.clear();
  I.udp_flows.clear();
  I.udp_flow_by_key.clear();
}

const TransportStats& TransportLayer::stats() const noexcept {
  return impl_->stats;
}

void TransportLayer::set_gate(RequestGate* gate) noexcept {
  impl_->gate = gate;
}

}  // namespace sip::transport
