// Generic parameters, scalar headers, media types, Replaces and Reason.
// name-addr/Contact live in name_addr.cpp, Via in via.cpp, auth in
// auth_header.cpp.
#include "sip/message/header_values.hpp"

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::msg {
namespace {

std::size_t offset_in(std::string_view whole, std::string_view part) noexcept {
  return static_cast<std::size_t>(part.data() - whole.data());
}

// gen-value = token / host / quoted-string. Host adds ':' '[' ']' (IPv6).
bool is_gen_value_char(char c) noexcept {
  return is_token_char(c) || c == ':' || c == '[' || c == ']';
}

std::size_t token_length(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return i;
}

}  // namespace

bool next_generic_param(std::string_view& rest, GenericParam& out, bool& bad) noexcept {
  bad = false;
  std::string_view s = trim_lws_left(rest);
  if (s.empty()) {
    rest = s;
    return false;
  }
  if (s[0] != ';') {
    rest = s;
    bad = true;
    return false;
  }
  s = trim_lws_left(s.substr(1));
  const std::size_t n = token_length(s);
  if (n == 0) {
    rest = s;
    bad = true;
    return false;
  }
  out = GenericParam{};
  out.name = s.substr(0, n);
  s = s.substr(n);
  std::string_view t = trim_lws_left(s);
  if (!t.empty() && t[0] == '=') {
    t = trim_lws_left(t.substr(1));
    if (!t.empty() && t[0] == '"') {
      const std::size_t q = quoted_string_length(t);
      if (q == 0) {
        rest = t;
        bad = true;
        return false;
      }
      out.value = t.substr(1, q - 2);
      out.quoted = true;
      s = t.substr(q);
    } else {
      std::size_t i = 0;
      while (i < t.size() && is_gen_value_char(t[i])) ++i;
      if (i == 0) {
        rest = t;
        bad = true;
        return false;
      }
      out.value = t.substr(0, i);
      s = t.substr(i);
    }
    out.has_value = true;
  }
  rest = s;
  return true;
}

Result<void> check_generic_params(std::string_view params) noexcept {
  std::string_view rest = params;
  GenericParam p;
  bool bad = false;
  while (next_generic_param(rest, p, bad)) {
  }
  if (bad) return make_error(Errc::bad_value, offset_in(params, rest), "malformed parameter");
  return {};
}

std::optional<std::string_view> find_generic_param(std::string_view params,
                                                   std::string_view name) noexcept {
  std::string_view rest = params;
  GenericParam p;
  bool bad = false;
  while (next_generic_param(rest, p, bad))
    if (ci_equal(p.name, name)) return p.value;
  return std::nullopt;
}

Result<CSeq> parse_cseq(std::string_view value) noexcept {
  std::string_view v = trim_lws(value);
  std::size_t i = 0;
  while (i < v.size() && is_digit(v[i])) ++i;
  if (i == 0) return make_error(Errc::bad_value, offset_in(value, v), "CSeq without a number");
  const auto number = parse_uint(v.substr(0, i), 0x7FFFFFFFu);
  if (!number) return make_error(Errc::out_of_range, offset_in(value, v), "CSeq above 2^31-1");
  std::string_view m = v.substr(i);
  const std::string_view after = trim_lws_left(m);
  if (after.size() == m.size() || after.empty())
    return make_error(Errc::bad_value, offset_in(value, m), "CSeq without a method");
  if (!is_token(after))
    return make_error(Errc::bad_value, offset_in(value, after), "bad CSeq method");
  CSeq c;
  c.number = static_cast<std::uint32_t>(*number);
  c.method_token = after;
  c.method = method_from_token(after);
  return c;
}

Result<std::uint32_t> parse_delta_seconds(std::string_view value) noexcept {
  const std::string_view v = trim_lws(value);
  if (v.empty() || !is_digit(v[0])) return make_error(Errc::bad_value, 0, "not a number");
  const auto n = parse_uint(v, 0xFFFFFFFFu);
  if (!n) {
    for (char c : v)
      if (!is_digit(c)) return make_error(Errc::bad_value, offset_in(value, v), "not a number");
    return make_error(Errc::out_of_range, offset_in(value, v), "delta-seconds above 2^32-1");
  }
  return static_cast<std::uint32_t>(*n);
}

Result<std::uint32_t> parse_max_forwards(std::string_view value) noexcept {
  const std::string_view v = trim_lws(value);
  for (char c : v)
    if (!is_digit(c)) return make_error(Errc::bad_value, offset_in(value, v), "not a number");
  const auto n = parse_uint(v, 255);
  if (!n) {
    if (v.empty()) return make_error(Errc::bad_value, 0, "empty Max-Forwards");
    return make_error(Errc::out_of_range, offset_in(value, v), "Max-Forwards above 255");
  }
  return static_cast<std::uint32_t>(*n);
}

bool MediaType::is(std::string_view t, std::string_view s) const noexcept {
  return ci_equal(type, t) && ci_equal(subtype, s);
}

Result<MediaType> parse_media_type(std::string_view value) noexcept {
  std::string_view v = trim_lws(value);
  const std::size_t n = token_length(v);
  if (n == 0) return make_error(Errc::bad_value, offset_in(value, v), "bad media type");
  MediaType m;
  m.type = v.substr(0, n);
  std::string_view s = trim_lws_left(v.substr(n));
  if (s.empty() || s[0] != '/')
    return make_error(Errc::bad_value, offset_in(value, s), "missing '/'");
  s = trim_lws_left(s.substr(1));
  const std::size_t k = token_length(s);
  if (k == 0) return make_error(Errc::bad_value, offset_in(value, s), "bad media subtype");
  m.subtype = s.substr(0, k);
  m.params = s.substr(k);
  if (auto r = check_generic_params(m.params); !r)
    return make_error(Errc::bad_value, offset_in(value, m.params) + r.error().offset,
                      r.error().detail);
  return m;
}

Result<Replaces> parse_replaces(std::string_view value) noexcept {
  const std::string_view v = trim_lws(value);
  const std::size_t semi = v.find(';');
  Replaces r;
  r.call_id = trim_lws(v.substr(0, semi));
  if (r.call_id.empty()) return make_error(Errc::bad_value, offset_in(value, v), "empty Call-ID");
  for (char c : r.call_id)
    if (is_lws(c)) return make_error(Errc::bad_value, offset_in(value, v), "space in Call-ID");
  const std::string_view params =
      semi == std::string_view::npos ? std::string_view{} : v.substr(semi);
  std::string_view rest = params;
  GenericParam p;
  bool bad = false;
  while (next_generic_param(rest, p, bad)) {
    if (ci_equal(p.name, "to-tag"))
      r.to_tag = p.value;
    else if (ci_equal(p.name, "from-tag"))
      r.from_tag = p.value;
    else if (ci_equal(p.name, "early-only"))
      r.early_only = true;
  }
  if (bad) return make_error(Errc::bad_value, offset_in(value, rest), "malformed parameter");
  if (r.to_tag.empty() || r.from_tag.empty())
    return make_error(Errc::bad_value, offset_in(value, v), "Replaces needs to-tag and from-tag");
  return r;
}

Result<Reason> parse_reason(std::string_view value) noexcept {
  const std::string_view v = trim_lws(value);
  const std::size_t n = token_length(v);
  if (n == 0) return make_error(Errc::bad_value, offset_in(value, v), "bad Reason protocol");
  Reason r;
  r.protocol = v.substr(0, n);
  r.params = v.substr(n);
  std::string_view rest = r.params;
  GenericParam p;
  bool bad = false;
  while (next_generic_param(rest, p, bad)) {
    if (ci_equal(p.name, "cause")) {
      const auto c = parse_uint(p.value, 0xFFFFFFFFu);
      if (!c) return make_error(Errc::bad_value, offset_in(value, p.value), "bad cause");
      r.cause = static_cast<std::uint32_t>(*c);
    } else if (ci_equal(p.name, "text")) {
      r.text = p.value;
    }
  }
  if (bad) return make_error(Errc::bad_value, offset_in(value, rest), "malformed parameter");
  return r;
}

std::string unquote(std::string_view quoted_body) {
  std::string out;
  out.reserve(quoted_body.size());
  for (std::size_t i = 0; i < quoted_body.size(); ++i) {
    if (quoted_body[i] == '\\' && i + 1 < quoted_body.size()) ++i;
    out.push_back(quoted_body[i]);
  }
  return out;
}

}  // namespace sip::msg
