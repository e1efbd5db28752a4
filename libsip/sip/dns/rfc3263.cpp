#include "sip/dns/rfc3263.hpp"

#include <algorithm>
#include <array>

#include "sip/base/ci.hpp"
#include "sip/dns/errors.hpp"

namespace sip::dns {
namespace {

using transport::Kind;

constexpr std::size_t kMaxNameLength = 253;

bool supports(const std::vector<Kind>& supported, Kind k) {
  return std::find(supported.begin(), supported.end(), k) != supported.end();
}

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '.') return false;
  std::size_t label = 0;
  for (const char c : name) {
    if (!is_name_char(c)) return false;
    if (c == '.') {
      if (label == 0) return false;  // empty label
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return true;
}

std::optional<Kind> naptr_kind(std::string_view service) {
  if (ci_equal(service, "SIP+D2U")) return Kind::Udp;
  if (ci_equal(service, "SIP+D2T")) return Kind::Tcp;
  if (ci_equal(service, "SIPS+D2T")) return Kind::Tls;
  return std::nullopt;
}

}  // namespace

bool is_numeric_host(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::array<std::uint8_t, 4> v4{};
  std::array<std::uint8_t, 16> v6{};
  return uri::parse_ipv4(host, v4) || uri::parse_ipv6(host, v6);
}

Result<Query> make_query(std::string_view host, std::uint16_t port, std::optional<Kind> transport,
                         bool sips) {
  Query q;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!is_numeric_host(host)) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (!valid_name(host)) return make_failure(Failure::BadInput);
  }
  q.host = std::string(host);
  q.port = port;
  q.sips = sips;
  if (sips && transport == Kind::Udp) return make_failure(Failure::BadInput);
  if (sips && transport == Kind::Tcp) transport = Kind::Tls;
  q.transport = transport;
  return q;
}

Result<Query> query_from_uri(const uri::UriView& u) {
  if (!u.is_sip()) return make_failure(Failure::BadInput);
  std::optional<Kind> transport;
  if (const auto t = u.param("transport")) {
    transport = transport::kind_from_name(*t);
    if (!transport) return make_failure(Failure::BadInput);
  }
  std::string_view host = u.host;
  if (const auto maddr = u.param("maddr"); maddr && !maddr->empty()) host = *maddr;
  return make_query(host, u.has_port ? u.port : 0, transport, u.scheme == uri::Scheme::Sips);
}

std::optional<Target> numeric_target(const Query& q) {
  const Kind kind = q.transport.value_or(q.sips ? Kind::Tls : Kind::Udp);
  const std::uint16_t port = q.port != 0 ? q.port : transport::default_port(kind);
  auto address = transport::SocketAddress::from_ip(q.host, port);
  if (!address) return std::nullopt;
  return Target{kind, *address, q.host, kNoExpiry};
}

std::optional<Kind> default_kind(const Query& q, const std::vector<Kind>& supported) {
  if (q.transport) {
    if (!supports(supported, *q.transport)) return std::nullopt;
    return q.transport;
  }
  if (q.sips) {
    if (!supports(supported, Kind::Tls)) return std::nullopt;
    return Kind::Tls;
  }
  for (const Kind k : {Kind::Udp, Kind::Tcp, Kind::Tls}) {
    if (supports(supported, k)) return k;
  }
  return std::nullopt;
}

std::vector<NaptrChoice> select_naptr(const std::vector<NaptrRecord>& records, bool sips,
                                      const std::vector<Kind>& supported) {
  std::vector<const NaptrRecord*> usable;
  for (const auto& r : records) {
    if (!ci_equal(r.flags, "s") || !r.regexp.empty() || r.replacement.empty()) continue;
    const auto kind = naptr_kind(r.service);
    if (!kind || !supports(supported, *kind)) continue;
    if (sips && *kind != Kind::Tls) continue;
    usable.push_back(&r);
  }
  std::stable_sort(usable.begin(), usable.end(), [](const NaptrRecord* a, const NaptrRecord* b) {
    return a->order != b->order ? a->order < b->order : a->preference < b->preference;
  });
  std::vector<NaptrChoice> out;
  for (const NaptrRecord* r : usable) {
    NaptrChoice c{*naptr_kind(r->service), r->replacement};
    if (!c.srv_name.empty() && c.srv_name.back() == '.') c.srv_name.pop_back();
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

std::vector<Kind> srv_fallback_kinds(bool sips, const std::vector<Kind>& supported) {
  std::vector<Kind> out;
  for (const Kind k : {Kind::Tls, Kind::Tcp, Kind::Udp}) {
    if (sips && k != Kind::Tls) continue;
    if (supports(supported, k)) out.push_back(k);
  }
  return out;
}

std::string srv_name(Kind kind, std::string_view host) {
  std::string name;
  switch (kind) {
    case Kind::Udp: name = "_sip._udp."; break;
    case Kind::Tcp: name = "_sip._tcp."; break;
    case Kind::Tls: name = "_sips._tcp."; break;
  }
  name += host;
  return name;
}

}  // namespace sip::dns
