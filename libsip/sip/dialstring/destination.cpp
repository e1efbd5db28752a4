#include "sip/dialstring/destination.hpp"

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::dialstring {
namespace {

bool bad_user_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return true;
  return c == '"' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\';
}

// Params and headers: same rule as the user part.
std::size_t find_bad(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (bad_user_char(s[i])) return i;
  return std::string_view::npos;
}

bool is_ipv6_literal(std::string_view h) {
  if (h.size() < 3 || h.front() != '[' || h.back() != ']') return false;
  bool colon = false;
  for (char c : h.substr(1, h.size() - 2)) {
    if (c == ':')
      colon = true;
    else if (!is_hex(c) && c != '.')
      return false;
  }
  return colon;
}

Result<std::uint16_t> parse_port(std::string_view s, std::size_t at) {
  const auto n = parse_uint(s, 65535);
  if (!n || *n == 0) return make_error(Errc::bad_uri, at, "port must be 1..65535");
  return static_cast<std::uint16_t>(*n);
}

}  // namespace

std::string Destination::uri() const {
  if (scheme == "tel") return "tel:" + user + params;
  std::string out = scheme.empty() ? "sip" : scheme;
  out.push_back(':');
  if (!user.empty()) out += user + "@";
  out += host;
  if (port) out += ":" + std::to_string(*port);
  out += params;
  if (!headers.empty()) out += "?" + headers;
  return out;
}

bool host_has_dot(std::string_view host) noexcept {
  return host.find('.') != std::string_view::npos;
}

bool host_is_ipv6(std::string_view host) noexcept {
  return is_ipv6_literal(host);
}

Result<Destination> parse_destination(std::string_view text, std::string_view called_number) {
  std::string_view s = trim_lws(text);
  std::size_t base = static_cast<std::size_t>(s.data() - text.data());
  if (s.empty()) return make_error(Errc::bad_uri, base, "empty destination");
  if (const std::size_t lt = s.find('<'); lt != std::string_view::npos) {
    const std::size_t gt = s.find('>', lt);
    if (lt != 0 || gt != s.size() - 1)
      return make_error(Errc::bad_uri, base + lt, "<...> must enclose the whole destination");
    s = trim_lws(s.substr(1, s.size() - 2));
    base = static_cast<std::size_t>(s.data() - text.data());
    if (s.empty()) return make_error(Errc::bad_uri, base, "empty destination");
  }

  Destination d;
  for (std::string_view scheme : {"sip:", "sips:", "tel:"}) {
    if (ci_starts_with(s, scheme)) {
      d.scheme = std::string(scheme.substr(0, scheme.size() - 1));
      s.remove_prefix(scheme.size());
      base += scheme.size();
      break;
    }
  }

  if (d.scheme == "tel") {
    const std::size_t semi = s.find(';');
    d.user = std::string(s.substr(0, semi));
    if (d.user.empty()) return make_error(Errc::bad_uri, base, "tel: without a number");
    if (semi != std::string_view::npos) d.params = std::string(s.substr(semi));
    if (const std::size_t bad = find_bad(s); bad != std::string_view::npos)
      return make_error(Errc::bad_uri, base + bad, "character not allowed in a tel: URI");
    return d;
  }

  // '@' cannot appear unescaped in a host, port, parameter or header, so the
  // last one separates the user part (which may hold '?' and ';').
  std::string_view rest = s;
  std::size_t rest_at = base;
  if (const std::size_t at = s.rfind('@'); at != std::string_view::npos) {
    const std::string_view user = s.substr(0, at);
    if (const std::size_t bad = find_bad(user); bad != std::string_view::npos)
      return make_error(Errc::bad_uri, base + bad, "character not allowed in the user part");
    d.user = std::string(user);
    rest = s.substr(at + 1);
    rest_at = base + at + 1;
  }
  if (d.user.empty() && d.scheme != "sip" && d.scheme != "sips") {
    d.user = std::string(called_number);
    d.user_is_called_number = true;
  }

  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    const std::string_view headers = rest.substr(q + 1);
    if (const std::size_t bad = find_bad(headers); bad != std::string_view::npos)
      return make_error(Errc::bad_uri, rest_at + q + 1 + bad, "character not allowed in headers");
    d.headers = std::string(headers);
    rest = rest.substr(0, q);
  }
  if (const std::size_t semi = rest.find(';'); semi != std::string_view::npos) {
    const std::string_view params = rest.substr(semi);
    if (const std::size_t bad = find_bad(params); bad != std::string_view::npos)
      return make_error(Errc::bad_uri, rest_at + semi + bad, "character not allowed in parameters");
    d.params = std::string(params);
    rest = rest.substr(0, semi);
  }

  // rest = host[:port]
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || !is_ipv6_literal(rest.substr(0, close + 1)))
      return make_error(Errc::bad_uri, rest_at, "malformed IPv6 reference");
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return make_error(Errc::bad_uri, rest_at + close + 1, "text after an IPv6 reference");
      auto port = parse_port(after.substr(1), rest_at + close + 2);
      if (!port) return port.error();
      d.port = *port;
    }
  } else {
    if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
      auto port = parse_port(rest.substr(colon + 1), rest_at + colon + 1);
      if (!port) return port.error();
      d.port = *port;
      host = rest.substr(0, colon);
    }
    for (std::size_t i = 0; i < host.size(); ++i)
      if (!is_unreserved(host[i]))
        return make_error(Errc::bad_uri, rest_at + i, "character not allowed in a host");
  }
  if (host.empty()) return make_error(Errc::bad_uri, rest_at, "destination without a host");
  d.host = std::string(host);
  return d;
}

}  // namespace sip::dialstring
