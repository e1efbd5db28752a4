// URI equality (RFC 3261 section 19.1.4, RFC 3966 section 4 for tel) and the
// address canonicalisation it relies on (also used by the parser).
// Everything here is allocation-free and noexcept.
#include <cstddef>

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"
#include "sip/uri/escape.hpp"
#include "sip/uri/uri.hpp"

namespace sip::uri {

bool parse_ipv4(std::string_view s, std::array<std::uint8_t, 4>& out) noexcept {
  std::size_t i = 0;
  for (std::size_t octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    const std::size_t b = i;
    unsigned value = 0;
    while (i < s.size() && i - b < 3 && is_digit(s[i]))
      value = value * 10 + static_cast<unsigned>(s[i++] - '0');
    if (i == b || value > 255) return false;
    out[octet] = static_cast<std::uint8_t>(value);
  }
  return i == s.size();
}

bool parse_ipv6(std::string_view s, std::array<std::uint8_t, 16>& out) noexcept {
  std::array<std::uint16_t, 8> groups{};
  std::size_t count = 0;  // groups parsed
  std::size_t gap = 8;    // index where "::" was seen; 8 = none
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  }
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && j - i < 5 && is_hex(s[j])) ++j;
    if (j < s.size() && s[j] == '.') {  // trailing dotted quad: two groups
      std::array<std::uint8_t, 4> v4{};
      if (count > 6 || !parse_ipv4(s.substr(i), v4)) return false;
      groups[count++] = static_cast<std::uint16_t>(v4[0] << 8 | v4[1]);
      groups[count++] = static_cast<std::uint16_t>(v4[2] << 8 | v4[3]);
      i = s.size();
      break;
    }
    if (j == i || j - i > 4 || count == 8) return false;
    unsigned value = 0;
    for (std::size_t k = i; k < j; ++k) value = value * 16 + static_cast<unsigned>(hex_value(s[k]));
    groups[count++] = static_cast<std::uint16_t>(value);
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    if (++i == s.size()) return false;  // a single trailing ':'
    if (s[i] == ':') {
      if (gap != 8) return false;  // second "::"
      gap = count;
      ++i;
    }
  }
  if (gap == 8 ? count != 8 : count > 7) return false;
  // Expand: groups before the gap stay, the rest move to the end.
  std::array<std::uint16_t, 8> full{};
  const std::size_t tail = gap == 8 ? 0 : count - gap;
  const std::size_t head = count - tail;
  for (std::size_t k = 0; k < head; ++k) full[k] = groups[k];
  for (std::size_t k = 0; k < tail; ++k) full[8 - tail + k] = groups[head + k];
  for (std::size_t k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(full[k] & 0xFF);
  }
  return true;
}

namespace {

bool host_equal(const UriView& a, const UriView& b) noexcept {
  if (a.host_kind != b.host_kind) return false;
  switch (a.host_kind) {
    case HostKind::IPv4: {
      std::array<std::uint8_t, 4> x{}, y{};
      return parse_ipv4(a.host, x) && parse_ipv4(b.host, y) && x == y;
    }
    case HostKind::IPv6: {
      std::array<std::uint8_t, 16> x{}, y{};
      return parse_ipv6(a.host, x) && parse_ipv6(b.host, y) && x == y;
    }
    case HostKind::Name:
    case HostKind::None: return ci_equal(a.host, b.host);
  }
  return false;
}

// Parameters that must match when present in either URI (19.1.4).
bool is_must_match_param(std::string_view name) noexcept {
  return ci_equal(name, "user") || ci_equal(name, "ttl") || ci_equal(name, "method") ||
         ci_equal(name, "maddr") || ci_equal(name, "transport");
}

bool param_value_equal(std::string_view a, std::string_view b) noexcept {
  return component_equal(a, b, true);
}

// Every parameter of `a` that `b` also has (or that is must-match) agrees.
// True when no parameter before `p` in `params` has the same name, so that
// a repeated parameter is judged by its first occurrence only (what param()
// returns), keeping uri_equal reflexive.
bool is_first_occurrence(std::string_view params, const Param& p) noexcept {
  std::string_view rest = params;
  Param q;
  while (next_param(rest, q) && q.name.data() != p.name.data())
    if (ci_equal(q.name, p.name)) return false;
  return true;
}

bool params_agree(const UriView& a, const UriView& b, bool all_must_match) noexcept {
  std::string_view rest = a.params;
  Param p;
  while (next_param(rest, p)) {
    if (!is_first_occurrence(a.params, p)) continue;
    const auto other = b.param(p.name);
    if (!other) {
      if (all_must_match || is_must_match_param(p.name)) return false;
      continue;
    }
    if (!param_value_equal(p.value, *other)) return false;
  }
  return true;
}

bool header_equal(std::string_view n1, std::string_view v1, std::string_view n2,
                  std::string_view v2) noexcept {
  return component_equal(n1, n2, true) && component_equal(v1, v2, false);
}

// How many headers of `headers` match (name, value).
std::size_t count_header(std::string_view headers, std::string_view name,
                         std::string_view value) noexcept {
  std::size_t count = 0;
  std::string_view rest = headers, n, v;
  while (next_header(rest, n, v))
    if (header_equal(n, v, name, value)) ++count;
  return count;
}

// Headers compare as a multiset: same size and the same multiplicity of each
// (case-insensitive name, case-sensitive value) pair.
bool headers_equal(std::string_view a, std::string_view b) noexcept {
  std::size_t size_a = 0, size_b = 0;
  std::string_view rest = a, n, v;
  while (next_header(rest, n, v)) {
    ++size_a;
    if (count_header(a, n, v) != count_header(b, n, v)) return false;
  }
  rest = b;
  while (next_header(rest, n, v)) ++size_b;
  return size_a == size_b;
}

bool is_visual_separator(char c) noexcept {
  return c == '-' || c == '.' || c == '(' || c == ')';
}

// tel numbers: equal ignoring visual separators, hex digits case-insensitive.
bool tel_number_equal(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0, j = 0;
  while (true) {
    while (i < a.size() && is_visual_separator(a[i])) ++i;
    while (j < b.size() && is_visual_separator(b[j])) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (ascii_lower(a[i++]) != ascii_lower(b[j++])) return false;
  }
}

bool sip_equal(const UriView& a, const UriView& b) noexcept {
  if (a.has_user != b.has_user || a.has_password != b.has_password) return false;
  if (!component_equal(a.user, b.user, false) || !component_equal(a.password, b.password, false))
    return false;
  if (!host_equal(a, b)) return false;
  if (a.has_port != b.has_port || a.port != b.port) return false;
  if (!params_agree(a, b, false) || !params_agree(b, a, false)) return false;
  return headers_equal(a.headers, b.headers);
}

}  // namespace

bool uri_equal(const UriView& a, const UriView& b) noexcept {
  if (a.scheme != b.scheme) return false;
  switch (a.scheme) {
    case Scheme::Sip:
    case Scheme::Sips: return sip_equal(a, b);
    case Scheme::Tel:
      return tel_number_equal(a.user, b.user) && params_agree(a, b, true) &&
             params_agree(b, a, true);
    case Scheme::Other: return ci_equal(a.scheme_text, b.scheme_text) && a.opaque == b.opaque;
  }
  return false;
}

}  // namespace sip::uri
