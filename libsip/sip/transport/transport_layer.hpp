// The SIP transport layer (RFC 3261 section 18, RFC 3581, RFC 5626 keep-alive
// answers) on the core thread's EventLoop: UDP, TCP and TLS listeners and
// outgoing connections over IPv4 and IPv6, a flow table so responses and later
// requests reuse the connection or socket a peer used, idle timeouts for
// connections, and the parser's size limits. Asio stays inside the .cpp files.
// Thread-safety: construct, start and use on the loop's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sip/base/clock.hpp"
#include "sip/base/result.hpp"
#include "sip/parser/parse.hpp"
#include "sip/transport/address.hpp"
#include "sip/transport/event_loop.hpp"
#include "sip/transport/transport.hpp"

namespace sip::transport {

struct ListenSpec {
  Kind kind = Kind::Udp;
  SocketAddress address;  // port 0 picks a free port (see listeners())
};

struct TlsConfig {
  std::string cert_file;  // PEM chain presented by listeners (and as client cert)
  std::string key_file;
  std::string ca_file;      // trust anchors; empty = the system store
  bool verify_peer = true;  // outgoing: verify the server certificate and name
};

struct TransportConfig {
  std::vector<ListenSpec> listen;
  parser::Limits limits;
  Duration idle_timeout = std::chrono::minutes(10);  // TCP/TLS flows without traffic
  Duration connect_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 4096;
  TlsConfig tls;
};

struct TransportStats {
  std::uint64_t received = 0;         // messages handed up
  std::uint64_t parse_errors = 0;     // unparseable input (answered 400 or dropped)
  std::uint64_t answered_400 = 0;     // stateless error responses sent
  std::uint64_t keepalive_pings = 0;  // CRLFCRLF answered with CRLF
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;
  std::uint64_t gated = 0;  // requests the RequestGate refused (dropped unanswered)
};

class TransportLayer final : public Sender {
 public:
  TransportLayer(EventLoop& loop, TransportConfig config, InboundHandler& handler);
  ~TransportLayer() override;
  TransportLayer(const TransportLayer&) = delete;
  TransportLayer& operator=(const TransportLayer&) = delete;

  // Binds every listener. Fails (and binds nothing) on the first error.
  Result<void> start();
  // The bound listeners with their actual ports.
  std::vector<ListenSpec> listeners() const;
  // A listener address for Via/Contact of `kind` in the family of `peer`,
  // if one is bound.
  std::optional<SocketAddress> listen_address(Kind kind, bool v6) const;

  void send(const Destination& to, std::string bytes, SendDone done) override;
  void open_flow(const Destination& to, SendDone done) override;
  // Closes a flow (connections: graceful TLS shutdown then close).
  void close_flow(FlowId flow);
  bool flow_open(FlowId flow) const;
  void shutdown();  // closes listeners and flows; no more callbacks after it

  const TransportStats& stats() const noexcept;
  // Requests are admitted by `gate` before they are parsed (null: all are);
  // it must outlive the layer or be reset first.
  void set_gate(RequestGate* gate) noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// RFC 3261 18.2.1 + RFC 3581: the top Via of a received request gets
// received=<source ip> when its sent-by host differs from the source, and
// rport=<source port> when it asked for rport. Returns the rewritten message
// (unchanged when nothing applies). Rewrites only the top Via line.
Result<msg::Message> apply_received_rport(msg::Message request, const SocketAddress& source);

// RFC 3261 18.2.2 with RFC 3581: where a response to a request that arrived
// through `origin` goes (the same flow for reliable transports; for UDP the
// received/rport address, else the sent-by address when it is numeric).
Destination response_destination(const msg::Message& response, const Origin& origin);

}  // namespace sip::transport
