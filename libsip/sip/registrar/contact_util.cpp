// Small helpers of the registrar: the Date header, q-values, NAT mangling of
// contacts.
#include <ctime>

#include "sip/base/ci.hpp"
#include "sip/registrar/registrar_impl.hpp"
#include "sip/sdp/sdp.hpp"

namespace sip::registrar {

std::string http_date(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )  (RFC 3261 20.10)
std::optional<float> parse_qvalue(std::string_view s) noexcept {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  const bool one = s[0] == '1';
  if (s.size() == 1) return one ? 1.0f : 0.0f;
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  int thousandths = 0;
  int scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
    if (s[i] < '0' || s[i] > '9' || (one && s[i] != '0')) return std::nullopt;
    thousandths += (s[i] - '0') * scale;
  }
  return one ? 1.0f : static_cast<float>(thousandths) / 1000.0f;
}

std::string mangle_contact(const uri::UriView& contact, const transport::SocketAddress& source,
                           transport::Kind kind, bool dont_mangle) {
  const std::string_view text = contact.text;
  if (dont_mangle || !contact.is_sip()) return std::string(text);
  if (contact.host_kind != uri::HostKind::IPv4 && contact.host_kind != uri::HostKind::IPv6)
    return std::string(text);  // a host name: the UA chose to be reached by DNS
  const auto addr = transport::SocketAddress::from_ip(contact.host, contact.port_or_default());
  const bool is_private = sdp::is_private_address(contact.host);
  if (!is_private && addr && *addr == source) return std::string(text);
  uri::Uri u(contact);
  u.set_host(source.ip_string());
  u.set_port(source.port);
  switch (kind) {
    case transport::Kind::Udp: u.remove_param("transport"); break;
    case transport::Kind::Tcp: u.set_param("transport", "tcp"); break;
    case transport::Kind::Tls:
      if (contact.scheme == uri::Scheme::Sips)
        u.remove_param("transport");
      else
        u.set_param("transport", "tls");
      break;
  }
  return u.to_string();
}

}  // namespace sip::registrar
