// RFC 3261 18.2.1/18.2.2 and RFC 3581: stamping received/rport on requests
// and choosing where responses go.
#include <cstdlib>

#include "sip/base/ci.hpp"
#include "sip/transport/transport_layer.hpp"

namespace sip::transport {

Result<msg::Message> apply_received_rport(msg::Message request, const SocketAddress& source) {
  const msg::HeaderField* top = request.first(msg::HeaderId::Via);
  if (!top) return request;
  auto via = request.via_at(*top);
  if (!via) return request;  // validation answers it; nothing to stamp
  const std::string ip = source.ip_string();
  const bool host_differs = !(via->host_kind != uri::HostKind::Name && ci_equal(via->host, ip));
  const auto rport = via->rport();
  const bool wants_rport = rport.has_value() && rport->empty();
  if (!host_differs && !wants_rport) return request;
  // Rebuild the top Via value: drop stale received/rport, append ours.
  const std::string_view value = request.text(top->value);
  std::string v(value.substr(0, static_cast<std::size_t>(via->params.data() - value.data())));
  std::string_view rest = via->params;
  msg::GenericParam p;
  bool bad = false;
  while (msg::next_generic_param(rest, p, bad)) {
    if (ci_equal(p.name, "received") || (wants_rport && ci_equal(p.name, "rport"))) continue;
    v += ';';
    v.append(p.name);
    if (p.has_value) {
      v += '=';
      if (p.quoted) v += '"';
      v.append(p.value);
      if (p.quoted) v += '"';
    }
  }
  if (host_differs || wants_rport) {  // RFC 3581 4: rport implies received
    v += ";received=";
    v += ip;
  }
  if (wants_rport) {
    v += ";rport=";
    v += std::to_string(source.port);
  }
  // In place: the other header lines, their order and the body stay as
  // received (no serialise and re-parse of the whole message).
  request.replace_value(*top, v);
  return request;
}

Destination response_destination(const msg::Message& response, const Origin& origin) {
  Destination d;
  d.kind = origin.kind;
  d.flow = origin.flow;
  d.address = origin.remote;
  if (is_reliable(origin.kind)) return d;  // same connection; reconnect target is the source
  const msg::HeaderField* top = response.first(msg::HeaderId::Via);
  if (!top) return d;
  auto via = response.via_at(*top);
  if (!via) return d;
  // RFC 3581 4: with rport=N and received=IP, send to IP:N (the source).
  std::uint16_t port = via->port ? via->port : default_port(origin.kind);
  if (const auto rp = via->rport(); rp && !rp->empty()) {
    char* end = nullptr;
    const std::string digits(*rp);
    const unsigned long n = std::strtoul(digits.c_str(), &end, 10);
    if (end && *end == '\0' && n > 0 && n <= 65535) port = static_cast<std::uint16_t>(n);
  }
  std::optional<SocketAddress> ip;
  if (const auto rcv = via->received()) ip = SocketAddress::from_ip(*rcv, port);
  if (!ip && via->host_kind != uri::HostKind::Name) ip = SocketAddress::from_ip(via->host, port);
  if (ip) {
    d.address = *ip;
    // A different address than the request's source: not the same flow.
    if (!(d.address == origin.remote)) d.flow = 0;
  }
  return d;
}

}  // namespace sip::transport
