// Authorization / Proxy-Authorization credentials and WWW-/Proxy-Authenticate
// challenges: "scheme" LWS auth-param *(COMMA auth-param) (RFC 3261 25.1).
#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"
#include "sip/message/header_values.hpp"

namespace sip::msg {
namespace {

struct AuthParam {
  std::string_view name;
  std::string_view value;
};

// Reads one auth-param at the start of `s` (after optional LWS/commas).
// Returns 1 on success, 0 at the end, -1 on a syntax error.
int next_auth_param(std::string_view& s, AuthParam& out) noexcept {
  s = trim_lws_left(s);
  if (s.empty()) return 0;
  std::size_t i = 0;
  while (i < s.size() && is_token_char(s[i])) ++i;
  if (i == 0) return -1;
  out.name = s.substr(0, i);
  s = trim_lws_left(s.substr(i));
  if (s.empty() || s[0] != '=') return -1;
  s = trim_lws_left(s.substr(1));
  if (!s.empty() && s[0] == '"') {
    const std::size_t q = quoted_string_length(s);
    if (q == 0) return -1;
    out.value = s.substr(1, q - 2);
    s = s.substr(q);
  } else {
    std::size_t k = 0;
    while (k < s.size() && (is_token_char(s[k]) || s[k] == '/' || s[k] == ':' || s[k] == '=')) ++k;
    if (k == 0) return -1;
    out.value = s.substr(0, k);
    s = s.substr(k);
  }
  s = trim_lws_left(s);
  if (!s.empty()) {
    if (s[0] != ',') return -1;
    s = s.substr(1);
  }
  return 1;
}

}  // namespace

bool next_auth_param(std::string_view& rest, std::string_view& name,
                     std::string_view& value) noexcept {
  AuthParam p;
  if (next_auth_param(rest, p) != 1) return false;
  name = p.name;
  value = p.value;
  return true;
}

std::optional<std::string_view> AuthValue::param(std::string_view name) const noexcept {
  std::string_view s = params;
  AuthParam p;
  while (next_auth_param(s, p) == 1)
    if (ci_equal(p.name, name)) return p.value;
  return std::nullopt;
}

Result<AuthValue> parse_auth(std::string_view value) noexcept {
  const std::string_view v = trim_lws(value);
  std::size_t i = 0;
  while (i < v.size() && is_token_char(v[i])) ++i;
  if (i == 0) return make_error(Errc::bad_value, 0, "missing auth scheme");
  AuthValue a;
  a.scheme = v.substr(0, i);
  a.params = trim_lws_left(v.substr(i));
  std::string_view s = a.params;
  AuthParam p;
  int r = 0;
  while ((r = next_auth_param(s, p)) == 1) {
  }
  if (r < 0)
    return make_error(Errc::bad_value, static_cast<std::size_t>(s.data() - value.data()),
                      "malformed auth-param");
  return a;
}

}  // namespace sip::msg
