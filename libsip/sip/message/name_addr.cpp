// name-addr / addr-spec with header parameters, and Contact values.
#include "sip/base/text.hpp"
#include "sip/message/header_values.hpp"

namespace sip::msg {
namespace {

std::size_t offset_in(std::string_view whole, std::string_view part) noexcept {
  return static_cast<std::size_t>(part.data() - whole.data());
}

Result<uri::UriView> parse_uri_at(std::string_view whole, std::string_view text) noexcept {
  auto u = uri::parse_uri(text);
  if (!u)
    return make_error(Errc::bad_value, offset_in(whole, text) + u.error().offset, u.error().detail);
  return u;
}

}  // namespace

Result<NameAddr> parse_name_addr(std::string_view value) noexcept {
  const std::string_view v = trim_lws(value);
  if (v.empty()) return make_error(Errc::bad_value, 0, "empty address");
  NameAddr na;
  std::string_view rest = v;
  std::size_t lt = std::string_view::npos;
  if (v[0] == '"') {
    const std::size_t q = quoted_string_length(v);
    if (q == 0)
      return make_error(Errc::bad_value, offset_in(value, v), "unterminated quoted display name");
    na.display = v.substr(1, q - 2);
    na.display_quoted = true;
    rest = trim_lws_left(v.substr(q));
    if (rest.empty() || rest[0] != '<')
      return make_error(Errc::bad_value, offset_in(value, rest), "expected '<' after display name");
    lt = 0;
  } else {
    lt = rest.find('<');
    if (lt != std::string_view::npos) {
      // Unquoted display name: tokens separated by LWS (RFC 3261 25.1).
      const std::string_view dn = trim_lws(rest.substr(0, lt));
      for (char c : dn)
        if (!is_token_char(c) && !is_lws(c))
          return make_error(Errc::bad_value, offset_in(value, dn), "display name needs quotes");
      na.display = dn;
      rest = rest.substr(lt);
      lt = 0;
    }
  }
  if (lt != std::string_view::npos) {
    const std::size_t gt = rest.find('>');
    if (gt == std::string_view::npos)
      return make_error(Errc::bad_value, offset_in(value, rest), "missing '>'");
    auto u = parse_uri_at(value, rest.substr(1, gt - 1));
    if (!u) return u.error();
    na.uri = *u;
    na.bracketed = true;
    na.params = rest.substr(gt + 1);
  } else {
    // addr-spec: the URI ends at the first ';' or LWS; what follows are
    // header parameters (RFC 3261 section 20).
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ';' && !is_lws(rest[end])) ++end;
    auto u = parse_uri_at(value, rest.substr(0, end));
    if (!u) return u.error();
    na.uri = *u;
    na.params = rest.substr(end);
  }
  if (auto r = check_generic_params(na.params); !r)
    return make_error(Errc::bad_value, offset_in(value, na.params) + r.error().offset,
                      r.error().detail);
  return na;
}

std::optional<std::string_view> name_addr_params(std::string_view value) noexcept {
  std::string_view rest = trim_lws(value);
  if (rest.empty()) return std::nullopt;
  std::string_view params;
  if (rest[0] == '"') {
    const std::size_t q = quoted_string_length(rest);
    if (q == 0) return std::nullopt;
    rest = trim_lws_left(rest.substr(q));
    if (rest.empty() || rest[0] != '<') return std::nullopt;
  }
  if (const std::size_t lt = rest.find('<'); lt != std::string_view::npos) {
    const std::size_t gt = rest.find('>', lt);
    if (gt == std::string_view::npos) return std::nullopt;
    params = rest.substr(gt + 1);
  } else {
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ';' && !is_lws(rest[end])) ++end;
    params = rest.substr(end);
  }
  if (!check_generic_params(params)) return std::nullopt;
  return params;
}

std::optional<std::uint32_t> ContactValue::expires() const noexcept {
  const auto e = addr.param("expires");
  if (!e) return std::nullopt;
  auto n = parse_delta_seconds(*e);
  if (!n) return std::nullopt;
  return *n;
}

Result<ContactValue> parse_contact(std::string_view value) noexcept {
  ContactValue c;
  if (trim_lws(value) == "*") {
    c.star = true;
    return c;
  }
  auto na = parse_name_addr(value);
  if (!na) return na.error();
  c.addr = *na;
  if (const auto e = c.addr.param("expires")) {
    auto n = parse_delta_seconds(*e);
    if (!n) return make_error(n.error().code, offset_in(value, *e), "bad Contact expires");
  }
  return c;
}

}  // namespace sip::msg
