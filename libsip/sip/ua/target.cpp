#include "sip/ua/target.hpp"

#include "sip/base/ci.hpp"
#include "sip/uri/uri.hpp"

namespace sip::ua {

Result<TargetSpec> parse_target(std::string_view text, std::optional<transport::Kind> forced) {
  if (text.empty()) return make_error(Errc::bad_uri, 0, "empty target");
  std::string uri_text;
  std::optional<transport::Kind> prefix_kind;
  if (ci_starts_with(text, "sip:") || ci_starts_with(text, "sips:")) {
    uri_text = std::string(text);
  } else {
    std::string_view rest = text;
    for (std::string_view p : {"udp:", "tcp:", "tls:"}) {
      if (ci_starts_with(rest, p)) {
        prefix_kind = transport::kind_from_name(rest.substr(0, 3));
        rest.remove_prefix(4);
        break;
      }
    }
    if (rest.find(':') != std::string_view::npos && rest.front() != '[' &&
        rest.find(':') != rest.rfind(':'))
      uri_text = "sip:[" + std::string(rest) + "]";  // a bare IPv6 address
    else
      uri_text = "sip:" + std::string(rest);
  }
  auto u = uri::parse_uri(uri_text);
  if (!u || !u->is_sip() || u->host.empty())
    return make_error(Errc::bad_uri, u ? 0 : u.error().offset,
                      "not a host, host:port, transport:host:port or SIP URI");
  TargetSpec t;
  t.sips = u->scheme == uri::Scheme::Sips;
  t.host = std::string(u->host);
  t.port = u->has_port ? u->port : 0;
  t.numeric = u->host_kind == uri::HostKind::IPv4 || u->host_kind == uri::HostKind::IPv6;
  if (const auto tp = u->param("transport")) t.kind = transport::kind_from_name(*tp);
  if (prefix_kind) t.kind = prefix_kind;
  if (t.sips) t.kind = transport::Kind::Tls;
  if (forced) t.kind = forced;
  const std::string host = u->host_kind == uri::HostKind::IPv6 ? "[" + t.host + "]" : t.host;
  t.uri = std::string(t.sips ? "sips:" : "sip:") + host;
  if (t.port) t.uri += ":" + std::to_string(t.port);
  if (t.kind && !t.sips) t.uri += ";transport=" + to_lower(transport::kind_name(*t.kind));
  return t;
}

}  // namespace sip::ua
