// TCP and TLS flows: connect/accept, TLS handshake with peer verification,
// framing with StreamFramer, an ordered write queue, keep-alive answers and
// idle timeouts. Each Connection keeps itself alive with shared_from_this()
// while I/O is pending; the flow table holds it until close().
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "sip/base/log.hpp"
#include "sip/transport/transport_impl.hpp"

namespace sip::transport {

namespace {
Error io_error(Errc code, const boost::system::error_code& ec, const char* what) {
  log(LogLevel::Debug, "transport", std::string(what) + ": " + ec.message());
  return make_error(code, 0, what);
}
}  // namespace

Connection::Connection(asio::io_context& io, TransportLayer::Impl& o, Kind k, FlowId f)
    : owner(o), kind(k), id(f), framer(o.config.limits), idle(io) {
  if (kind == Kind::Tls) {
    tls.emplace(io, o.client_tls);  // replaced for accepted connections
  } else {
    plain.emplace(io);
  }
}

tcp::socket& Connection::lowest() {
  return tls ? tls->next_layer() : *plain;
}

void Connection::touch() {
  idle.expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(owner.config.idle_timeout));
  idle.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or cancelled
    self->close(make_error(Errc::timed_out, 0, "idle timeout"));
  });
}

void Connection::start_client(const Destination& to) {
  remote = to.address;
  if (tls) {
    // SNI and RFC 6125 name check against the expected server name.
    const std::string name = to.tls_name.empty() ? to.address.ip_string() : to.tls_name;
    if (!to.tls_name.empty())
      SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
    if (owner.config.tls.verify_peer)
      tls->set_verify_callback(asio::ssl::host_name_verification(name));
  }
  // Connect timeout: reuse the idle timer until the connection is ready.
  idle.expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(owner.config.connect_timeout));
  idle.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->ready) return;
    self->close(make_error(Errc::timed_out, 0, "connect timed out"));
  });
  lowest().async_connect(
      to_endpoint<tcp::endpoint>(to.address),
      [self = shared_from_this()](const boost::system::error_code& ec) {
        if (self->closed) return;
        if (ec) return self->close(io_error(Errc::network, ec, "connect failed"));
        boost::system::error_code e2;
        const auto le = self->lowest().local_endpoint(e2);
        self->local = to_socket_address(le.address(), le.port());
        self->lowest().set_option(tcp::no_delay(true), e2);
        if (!self->tls) return self->on_ready();
        self->tls->async_handshake(
            asio::ssl::stream_base::client, [self](const boost::system::error_code& hec) {
              if (self->closed) return;
              if (hec) return self->close(io_error(Errc::tls_failure, hec, "TLS handshake failed"));
              self->on_ready();
            });
      });
}

void Connection::start_server() {
  boost::system::error_code ec;
  const auto re = lowest().remote_endpoint(ec);
  const auto le = lowest().local_endpoint(ec);
  remote = to_socket_address(re.address(), re.port());
  local = to_socket_address(le.address(), le.port());
  lowest().set_option(tcp::no_delay(true), ec);
  if (!tls) return on_ready();
  touch();  // a client that never finishes the handshake is dropped on idle
  tls->async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](
                                                           const boost::system::error_code& hec) {
    if (self->closed) return;
    if (hec) return self->close(io_error(Errc::tls_failure, hec, "TLS handshake failed"));
    self->on_ready();
  });
}

void Connection::on_ready() {
  ready = true;
  ++owner.stats.connections_opened;
  touch();
  auto waiters = std::move(open_waiters);
  for (auto& w : waiters)
    if (w) w(Origin{kind, local, remote, id});
  read_more();
  write_next();
}

void Connection::read_more() {
  auto handler = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    if (self->closed) return;
    if (ec) return self->close(io_error(Errc::closed, ec, "connection closed by peer"));
    self->touch();
    self->framer.feed(std::string_view(self->buffer.data(), n));
    for (;;) {
      parser::FrameEvent ev = self->framer.next();
      using K = parser::FrameEvent::Kind;
      if (ev.kind == K::NeedMore) break;
      if (ev.kind == K::Ping) {
        ++self->owner.stats.keepalive_pings;
        self->write("\r\n", nullptr);
        continue;
      }
      if (ev.kind == K::Pong) continue;
      if (ev.kind == K::Error) {
        // The stream cannot be resynchronised: count it and close.
        ++self->owner.stats.parse_errors;
        return self->close(ev.error);
      }
      self->owner.on_stream_message(*self, std::move(ev.message));
      if (self->closed) return;
    }
    self->read_more();
  };
  if (tls) {
    tls->async_read_some(asio::buffer(buffer), std::move(handler));
  } else {
    plain->async_read_some(asio::buffer(buffer), std::move(handler));
  }
}

void Connection::write(std::string bytes, SendDone done) {
  if (closed) {
    if (done) done(make_error(Errc::closed, 0, "connection closed"));
    return;
  }
  queue.emplace_back(std::move(bytes), std::move(done));
  if (ready) write_next();
}

void Connection::write_next() {
  if (writing || queue.empty() || closed) return;
  writing = true;
  auto handler = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing = false;
    if (self->closed) return;
    auto [bytes, done] = std::move(self->queue.front());
    self->queue.pop_front();
    if (ec) {
      ++self->owner.stats.send_errors;
      if (done) done(io_error(Errc::network, ec, "write failed"));
      return self->close(make_error(Errc::network, 0, "write failed"));
    }
    ++self->owner.stats.sent;
    self->touch();
    if (done) done(Origin{self->kind, self->local, self->remote, self->id});
    self->write_next();
  };
  const auto buf = asio::buffer(queue.front().first);
  if (tls) {
    asio::async_write(*tls, buf, std::move(handler));
  } else {
    asio::async_write(*plain, buf, std::move(handler));
  }
}

void Connection::close(const Error& why) {
  if (closed) return;
  closed = true;
  boost::system::error_code ec;
  idle.cancel();
  lowest().shutdown(tcp::socket::shutdown_both, ec);
  lowest().close(ec);
  auto pending = std::move(queue);
  for (auto& [bytes, done] : pending)
    if (done) done(why);
  auto waiters = std::move(open_waiters);
  for (auto& w : waiters)
    if (w) w(why);
  owner.on_connection_closed(*this, why);
}

// ---- Acceptor

void Acceptor::accept_next() {
  acceptor.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket s) {
        TransportLayer::Impl& I = self->owner;
        if (ec == asio::error::operation_aborted || I.shut) return;
        if (!ec) {
          if (I.connections.size() >= I.config.max_connections) {
            boost::system::error_code ignore;
            s.close(ignore);
            log(LogLevel::Warn, "transport", "connection refused: max_connections reached");
          } else {
            auto c = std::make_shared<Connection>(I.io, I, self->kind, I.next_flow++);
            if (self->kind == Kind::Tls) {
              c->tls.emplace(std::move(s), I.server_tls);
            } else {
              c->plain.emplace(std::move(s));
            }
            I.connections.emplace(c->id, c);
            c->start_server();
            if (!c->closed) I.connection_by_remote[{c->kind, c->remote}] = c->id;
          }
        }
        self->accept_next();
      });
}

// ---- Impl pieces that deal with connections

std::shared_ptr<Connection> TransportLayer::Impl::connection_for(const Destination& to) {
  if (to.flow) {
    if (auto it = connections.find(to.flow); it != connections.end() && !it->second->closed)
      return it->second;
  }
  if (auto it = connection_by_remote.find({to.kind, to.address});
      it != connection_by_remote.end()) {
    if (auto c = connections.find(it->second); c != connections.end() && !c->second->closed)
      return c->second;
  }
  if (connections.size() >= config.max_connections) return nullptr;
  auto c = std::make_shared<Connection>(io, *this, to.kind, next_flow++);
  connections.emplace(c->id, c);
  connection_by_remote[{to.kind, to.address}] = c->id;
  c->start_client(to);
  return c;
}

void TransportLayer::Impl::on_stream_message(Connection& c, msg::Message m) {
  if (gate != nullptr && m.is_request() && !gate->admit(c.remote)) {
    ++stats.gated;
    return;
  }
  deliver(std::move(m), Origin{c.kind, c.local, c.remote, c.id}, {});
}

void TransportLayer::Impl::on_connection_closed(Connection& c, const Error& why) {
  if (c.ready) ++stats.connections_closed;
  const FlowId id = c.id;
  if (auto it = connection_by_remote.find({c.kind, c.remote});
      it != connection_by_remote.end() && it->second == id)
    connection_by_remote.erase(it);
  auto keep = connections[id];  // keep `c` alive until the end of this call
  connections.erase(id);
  if (!shut) handler.on_flow_closed(id, why);
}

}  // namespace sip::transport
