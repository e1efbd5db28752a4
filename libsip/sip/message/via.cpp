// Via header values (RFC 3261 20.42) with the LWS RFC 4475 wsinv exercises.
#include "sip/base/random.hpp"
#include "sip/base/text.hpp"
#include "sip/message/header_values.hpp"

namespace sip::msg {
namespace {

std::size_t offset_in(std::string_view whole, std::string_view part) noexcept {
  return static_cast<std::size_t>(part.data() - whole.data());
}

std::string_view take_token(std::string_view& s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_token_char(s[i])) ++i;
  const std::string_view t = s.substr(0, i);
  s = s.substr(i);
  return t;
}

bool expect_slash(std::string_view& s) noexcept {
  s = trim_lws_left(s);
  if (s.empty() || s[0] != '/') return false;
  s = trim_lws_left(s.substr(1));
  return true;
}

}  // namespace

// RFC 3261 17.2.3: the cookie must be followed by the unique part; a bare
// "z9hG4bK" (RFC 4475 badbranch) is an RFC 2543 branch.
bool Via::has_cookie() const noexcept {
  const std::string_view b = branch();
  return b.size() > kBranchCookie.size() && b.starts_with(kBranchCookie);
}

Result<Via> parse_via(std::string_view value) noexcept {
  std::string_view s = trim_lws(value);
  Via via;
  via.protocol = take_token(s);
  if (via.protocol.empty() || !expect_slash(s))
    return make_error(Errc::bad_value, offset_in(value, s), "bad Via protocol");
  via.version = take_token(s);
  if (via.version.empty() || !expect_slash(s))
    return make_error(Errc::bad_value, offset_in(value, s), "bad Via version");
  via.transport = take_token(s);
  if (via.transport.empty())
    return make_error(Errc::bad_value, offset_in(value, s), "bad Via transport");
  const std::string_view after = trim_lws_left(s);
  if (after.size() == s.size())
    return make_error(Errc::bad_value, offset_in(value, s), "missing sent-by");
  s = after;
  // sent-by host: [IPv6] or a name/IPv4 made of alnum, '-', '.', '_'.
  std::string_view host_text;
  if (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos)
      return make_error(Errc::bad_value, offset_in(value, s), "missing ']'");
    host_text = s.substr(0, close + 1);
    s = s.substr(close + 1);
  } else {
    std::size_t i = 0;
    while (i < s.size() &&
           (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_'))
      ++i;
    host_text = s.substr(0, i);
    s = s.substr(i);
  }
  if (host_text.empty())
    return make_error(Errc::bad_value, offset_in(value, s), "missing sent-by host");
  // Reuse the URI host grammar so Via and URIs classify hosts identically.
  char buf[300];
  if (host_text.size() + 4 > sizeof buf)
    return make_error(Errc::bad_value, offset_in(value, host_text), "host too long");
  buf[0] = 's';
  buf[1] = 'i';
  buf[2] = 'p';
  buf[3] = ':';
  for (std::size_t i = 0; i < host_text.size(); ++i) buf[4 + i] = host_text[i];
  auto u = uri::parse_uri(std::string_view(buf, host_text.size() + 4));
  if (!u || u->has_user || u->has_port || !u->params.empty())
    return make_error(Errc::bad_value, offset_in(value, host_text), "bad sent-by host");
  via.host_kind = u->host_kind;
  via.host = host_text;
  if (via.host_kind == uri::HostKind::IPv6) via.host = host_text.substr(1, host_text.size() - 2);
  std::string_view t = trim_lws_left(s);
  if (!t.empty() && t[0] == ':') {
    t = trim_lws_left(t.substr(1));
    std::size_t i = 0;
    while (i < t.size() && is_digit(t[i])) ++i;
    const auto port = parse_uint(t.substr(0, i), 65535);
    if (!port || *port == 0)
      return make_error(Errc::bad_value, offset_in(value, t), "bad sent-by port");
    via.port = static_cast<std::uint16_t>(*port);
    s = t.substr(i);
  }
  via.params = s;
  if (auto r = check_generic_params(via.params); !r)
    return make_error(Errc::bad_value, offset_in(value, via.params) + r.error().offset,
                      r.error().detail);
  return via;
}

}  // namespace sip::msg
