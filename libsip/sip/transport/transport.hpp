// The seam between the transport layer and everything above it, free of Asio
// so it can be included anywhere. The transport owns sockets and connections
// ("flows"), frames messages with sip::parser, applies RFC 3581 to received
// requests and routes responses by Via (RFC 3261 18.2.2); the layers above see
// only Inbound messages and a Sender. Thread-safety: all calls and callbacks
// happen on the core thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"
#include "sip/transport/address.hpp"

namespace sip::transport {

// A UDP socket + remote address, or one TCP/TLS connection. 0 = none.
using FlowId = std::uint64_t;

// Where a message came in (or went out): the flow and both socket addresses.
struct Origin {
  Kind kind = Kind::Udp;
  SocketAddress local;
  SocketAddress remote;
  FlowId flow = 0;
};

struct Inbound {
  msg::Message message;
  Origin origin;
};

// Where to send. With `flow` set and still open, the message goes out
// through that flow (the connection the peer opened, the socket a REGISTER
// came in on); otherwise through a listener's socket (UDP) or a new or
// cached connection to `address` (TCP, TLS).
struct Destination {
  Kind kind = Kind::Udp;
  SocketAddress address;
  FlowId flow = 0;
  std::string tls_name;  // TLS: the name the server certificate must carry
};

// Result of a send or of opening a flow: the flow used and its addresses.
using SendDone = std::function<void(Result<Origin>)>;

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends one serialised message. `done` (may be empty) runs once on the
  // core thread: the Origin used, or an Error (connect failure, TLS
  // verification failure, ICMP-refused UDP, flow closed). It may run before
  // send() returns (e.g. no socket for that address family).
  virtual void send(const Destination& to, std::string bytes, SendDone done) = 0;
  // Opens (or finds) the flow `send` would use, so a caller can learn its
  // local address (for Via and Contact) before building a request.
  virtual void open_flow(const Destination& to, SendDone done) = 0;
};

// What the transport hands upwards.
// Admission of requests before they are parsed and handed up (a flood
// guard, policy::FloodGuard): false drops the request unanswered. Asked for
// requests only (UDP datagrams not starting "SIP/2.0 ", framed stream
// requests); responses are matched to transactions anyway.
class RequestGate {
 public:
  virtual ~RequestGate() = default;
  virtual bool admit(const SocketAddress& remote) = 0;
};

class InboundHandler {
 public:
  virtual ~InboundHandler() = default;
  // A framed, parsed message. Requests already carry received/rport.
  virtual void on_inbound(Inbound&& in) = 0;
  // A flow closed (peer close, idle timeout, error); pending work on it fails.
  virtual void on_flow_closed(FlowId /*flow*/, const Error& /*why*/) {}
};

}  // namespace sip::transport
