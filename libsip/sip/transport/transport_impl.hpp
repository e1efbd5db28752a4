// Internal to the transport module: the Asio types behind TransportLayer.
// Included only by sip/transport/*.cpp, never by public headers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "sip/parser/stream_framer.hpp"
#include "sip/transport/transport_layer.hpp"

namespace sip::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

SocketAddress to_socket_address(const asio::ip::address& a, std::uint16_t port);
asio::ip::address to_asio_address(const SocketAddress& a);
template <class Endpoint>
Endpoint to_endpoint(const SocketAddress& a) {
  return Endpoint(to_asio_address(a), a.port);
}

struct UdpListener : std::enable_shared_from_this<UdpListener> {
  UdpListener(asio::io_context& io, TransportLayer::Impl& o) : socket(io), owner(o) {}
  void start_receive();

  udp::socket socket;
  TransportLayer::Impl& owner;
  SocketAddress local;
  bool ephemeral = false;  // created on demand for outgoing UDP (client use)
  std::vector<char> buffer = std::vector<char>(65536);
  udp::endpoint from;
};

// One TCP or TLS connection with its framer, write queue and idle timer.
struct Connection : std::enable_shared_from_this<Connection> {
  Connection(asio::io_context& io, TransportLayer::Impl& o, Kind k, FlowId f);

  void start_client(const Destination& to);  // connect (+ handshake)
  void start_server();                       // accepted socket (+ handshake)
  void write(std::string bytes, SendDone done);
  void close(const Error& why);
  tcp::socket& lowest();

  TransportLayer::Impl& owner;
  Kind kind;
  FlowId id;
  std::optional<tcp::socket> plain;
  std::optional<asio::ssl::stream<tcp::socket>> tls;
  parser::StreamFramer framer;
  asio::steady_timer idle;
  SocketAddress local, remote;
  bool ready = false;  // connected (and handshaken)
  bool closed = false;
  bool writing = false;
  std::deque<std::pair<std::string, SendDone>> queue;
  std::vector<SendDone> open_waiters;  // open_flow callers waiting for `ready`
  std::vector<char> buffer = std::vector<char>(16384);

 private:
  void on_ready();
  void read_more();
  void write_next();
  void touch();
};

struct Acceptor : std::enable_shared_from_this<Acceptor> {
  Acceptor(asio::io_context& io, TransportLayer::Impl& o, Kind k)
      : acceptor(io), owner(o), kind(k) {}
  void accept_next();
  tcp::acceptor acceptor;
  TransportLayer::Impl& owner;
  Kind kind;
  SocketAddress local;
};

struct UdpFlow {
  std::shared_ptr<UdpListener> listener;
  SocketAddress remote;
  TimePoint last_used;
};

struct TransportLayer::Impl {
  Impl(EventLoop& l, TransportConfig c, InboundHandler& h);

  // Called by sockets and connections.
  void on_datagram(UdpListener& l, std::size_t n, const udp::endpoint& from);
  void on_stream_message(Connection& c, msg::Message m);
  void on_connection_closed(Connection& c, const Error& why);
  FlowId udp_flow(const std::shared_ptr<UdpListener>& l, const SocketAddress& remote);
  std::shared_ptr<UdpListener> udp_socket_for(const Destination& to, Result<void>& err);
  std::shared_ptr<Connection> connection_for(const Destination& to);
  void deliver(msg::Message m, const Origin& o, std::string_view raw);
  void answer_unparseable(std::string_view raw, const Error& e,
                          const std::function<void(std::string)>& send_back);
  void sweep_udp_flows();

  EventLoop& loop;
  asio::io_context& io;
  TransportConfig config;
  InboundHandler& handler;
  asio::ssl::context server_tls{asio::ssl::context::tls_server};
  asio::ssl::context client_tls{asio::ssl::context::tls_client};
  bool server_tls_ready = false;
  std::vector<std::shared_ptr<UdpListener>> udp;
  std::vector<std::shared_ptr<Acceptor>> acceptors;
  std::unordered_map<FlowId, std::shared_ptr<Connection>> connections;
  std::map<std::pair<Kind, SocketAddress>, FlowId> connection_by_remote;
  std::unordered_map<FlowId, UdpFlow> udp_flows;
  std::map<std::pair<UdpListener*, SocketAddress>, FlowId> udp_flow_by_key;
  FlowId next_flow = 1;
  TransportStats stats;
  RequestGate* gate = nullptr;
  TimerId sweep_timer = 0;
  bool shut = false;
};

}  // namespace sip::transport
