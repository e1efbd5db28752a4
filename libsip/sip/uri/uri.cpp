// URI parsing (RFC 3261 section 19.1 / 25.1, RFC 3966 for tel, RFC 3986
// absolute URIs kept opaque) and the owning Uri.
//
// The parser is a single left-to-right pass over `text` with explicit bounds:
// every index is checked against text.size() before it is dereferenced, and
// nothing is allocated. Errors carry the absolute offset of the first byte
// that cannot be part of a valid URI at that position.
#include "sip/uri/uri.hpp"

#include <charconv>

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"
#include "sip/uri/escape.hpp"

namespace sip::uri {

namespace {

constexpr std::size_t kNone = std::string_view::npos;

// A parse failure: absolute offset into the URI text and a static reason.
// `at == kNone` means success.
struct Fail {
  std::size_t at = kNone;
  const char* why = "";
  explicit operator bool() const noexcept { return at != kNone; }
};

bool is_scheme_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

// RFC 3966 phonedigit-hex plus the RFC 2806 pause/wait characters and ','.
bool is_tel_char(char c) noexcept {
  return is_hex(c) || std::string_view("-.()+*#,pwPW").find(c) != kNone;
}

// RFC 3986 unreserved / gen-delims / sub-delims (escapes are checked apart).
bool is_opaque_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || std::string_view("-._~:/?#[]@!$&'()*+,;=").find(c) != kNone;
}

// Checks text[b, e): each byte is a valid %HH escape or satisfies `allowed`.
template <class Pred>
Fail check_run(std::string_view text, std::size_t b, std::size_t e, Pred allowed,
               const char* why) noexcept {
  for (std::size_t i = b; i < e; ++i) {
    if (text[i] == '%') {
      if (i + 2 >= e || !is_hex(text[i + 1]) || !is_hex(text[i + 2]))
        return {i, "malformed %-escape"};
      i += 2;
    } else if (!allowed(text[i])) {
      return {i, why};
    }
  }
  return {};
}

Fail check_component(std::string_view text, std::size_t b, std::size_t e, Component component,
                     const char* why) noexcept {
  return check_run(
      text, b, e, [component](char c) { return is_allowed(c, component); }, why);
}

// Every byte a digit (or a dot, with `dots`). A loop, not find_first_not_of:
// that one calls memchr over the set for each byte, and every URI's host
// passes here.
bool all_digits(std::string_view s, bool dots) noexcept {
  for (const char c : s)
    if (!is_digit(c) && !(dots && c == '.')) return false;
  return true;
}

// Validates text[b, e) as an IPv4 address or a host name and records it.
// Host names: labels of alphanumerics, '-' (not at a label edge) and '_'
// (tolerated), one optional trailing dot; the top label must not be numeric.
Fail parse_name_host(std::string_view text, std::size_t b, std::size_t e, UriView& v) noexcept {
  const std::string_view host = text.substr(b, e - b);
  if (all_digits(host, true)) {
    std::array<std::uint8_t, 4> ip{};
    if (!parse_ipv4(host, ip)) return {b, "malformed IPv4 address"};
    v.host = host;
    v.host_kind = HostKind::IPv4;
    return {};
  }
  std::size_t label = b;  // start of the current label
  std::size_t top = b;    // start of the last non-empty label
  for (std::size_t i = b; i < e; ++i) {
    const char c = text[i];
    if (c == '.') {
      if (i == label) return {i, "empty label in host name"};
      if (text[i - 1] == '-') return {i - 1, "host label ends with '-'"};
      top = label;
      label = i + 1;
    } else if (c == '-') {
      if (i == label) return {i, "host label starts with '-'"};
    } else if (!is_alpha(c) && !is_digit(c) && c != '_') {
      return {i, "invalid character in host name"};
    }
  }
  if (label < e) {
    if (text[e - 1] == '-') return {e - 1, "host label ends with '-'"};
    top = label;
  }
  const std::size_t top_end = label < e ? e : e - 1;
  const std::string_view top_label = text.substr(top, top_end - top);
  if (all_digits(top_label, false)) return {top, "numeric top label in host name"};
  v.host = host;
  v.host_kind = HostKind::Name;
  return {};
}

// Parses ";name[=value]..." starting at text[i] == ';'. Stops at '?' or the
// end; `i` is left on the first byte not consumed.
Fail parse_params(std::string_view text, std::size_t& i, UriView& v) noexcept {
  const std::size_t n = text.size();
  const std::size_t start = i;
  while (i < n && text[i] == ';') {
    const std::size_t nb = ++i;
    while (i < n && text[i] != '=' && text[i] != ';' && text[i] != '?') ++i;
    if (i == nb) return {nb, "empty parameter name"};
    if (Fail f = check_component(text, nb, i, Component::Param, "invalid character in parameter"))
      return f;
    if (i < n && text[i] == '=') {
      const std::size_t vb = ++i;
      while (i < n && text[i] != ';' && text[i] != '?') ++i;
      if (i == vb) return {vb, "empty parameter value"};
      if (Fail f = check_component(text, vb, i, Component::Param, "invalid character in parameter"))
        return f;
    }
  }
  v.params = text.substr(start, i - start);
  return {};
}

// Parses "?name=value&..." starting at text[i] == '?', through the end.
Fail parse_headers(std::string_view text, std::size_t& i, UriView& v) noexcept {
  const std::size_t n = text.size();
  const std::size_t start = ++i;
  if (i == n) return {i, "empty header list"};
  while (true) {
    const std::size_t nb = i;
    while (i < n && text[i] != '=' && text[i] != '&') ++i;
    if (i == nb) return {nb, "empty header name"};
    if (Fail f = check_component(text, nb, i, Component::Header, "invalid character in header"))
      return f;
    if (i == n || text[i] != '=') return {i, "URI header without '='"};
    const std::size_t vb = ++i;
    while (i < n && text[i] != '&') ++i;
    if (Fail f = check_component(text, vb, i, Component::Header, "invalid character in header"))
      return f;
    if (i == n) break;
    ++i;  // '&'
  }
  v.headers = text.substr(start);
  return {};
}

// sip/sips: [user[:password]@]host[:port][;params][?headers] from text[pos].
Fail parse_sip(std::string_view text, std::size_t pos, UriView& v) noexcept {
  const std::size_t n = text.size();
  std::size_t i = pos;
  const std::size_t at = text.find('@', pos);
  if (at != kNone) {
    const std::size_t colon = text.substr(0, at).find(':', pos);
    const std::size_t user_end = colon == kNone ? at : colon;
    if (user_end == pos) return {pos, "empty user part"};
    if (Fail f =
            check_component(text, pos, user_end, Component::User, "invalid character in user part"))
      return f;
    v.user = text.substr(pos, user_end - pos);
    v.has_user = true;
    if (colon != kNone) {
      if (Fail f = check_component(text, colon + 1, at, Component::Password,
                                   "invalid character in password"))
        return f;
      v.password = text.substr(colon + 1, at - colon - 1);
      v.has_password = true;
    }
    i = at + 1;
  }
  if (i < n && text[i] == '[') {
    const std::size_t close = text.find(']', i);
    if (close == kNone) return {i, "unterminated IPv6 reference"};
    const std::string_view addr = text.substr(i + 1, close - i - 1);
    std::array<std::uint8_t, 16> ip{};
    if (!parse_ipv6(addr, ip)) return {i + 1, "malformed IPv6 address"};
    v.host = addr;
    v.host_kind = HostKind::IPv6;
    i = close + 1;
  } else {
    const std::size_t hb = i;
    while (i < n && text[i] != ':' && text[i] != ';' && text[i] != '?') ++i;
    if (i == hb) return {hb, "empty host"};
    if (Fail f = parse_name_host(text, hb, i, v)) return f;
  }
  if (i < n && text[i] == ':') {
    const std::size_t pb = ++i;
    while (i < n && is_digit(text[i])) ++i;
    if (i == pb) return {pb, "empty or non-numeric port"};
    const auto port = i - pb <= 5 ? parse_uint(text.substr(pb, i - pb), 65535) : std::nullopt;
    if (!port || *port == 0) return {pb, "port out of range"};  // 0 is not a usable port
    v.port = static_cast<std::uint16_t>(*port);
    v.has_port = true;
  }
  if (i < n && text[i] == ';') {
    if (Fail f = parse_params(text, i, v)) return f;
  }
  if (i < n && text[i] == '?') {
    if (Fail f = parse_headers(text, i, v)) return f;
  }
  if (i < n) return {i, "unexpected character after host"};
  return {};
}

// tel: number[;params] (RFC 3966; no headers).
Fail parse_tel(std::string_view text, std::size_t pos, UriView& v) noexcept {
  const std::size_t n = text.size();
  std::size_t i = pos;
  while (i < n && text[i] != ';') {
    if (!is_tel_char(text[i])) return {i, "invalid character in telephone number"};
    ++i;
  }
  if (i == pos) return {pos, "empty telephone number"};
  v.user = text.substr(pos, i - pos);
  v.has_user = true;
  if (i < n) {
    if (Fail f = parse_params(text, i, v)) return f;
  }
  if (i < n) return {i, "unexpected character in tel URI"};
  return {};
}

void append_port(std::string& out, std::uint16_t port) {
  char buf[8];
  const auto r = std::to_chars(buf, buf + sizeof buf, port);
  out.append(buf, r.ptr);
}

}  // namespace

const char* scheme_name(Scheme s) noexcept {
  switch (s) {
    case Scheme::Sip: return "sip";
    case Scheme::Sips: return "sips";
    case Scheme::Tel: return "tel";
    case Scheme::Other: return "other";
  }
  return "other";
}

namespace {

// parse_uri() without the Result wrapper (shared with Uri::parse). Returns an
// Error whose code is Errc::ok on success.
Error parse_view(std::string_view text, UriView& v) noexcept {
  if (text.empty()) return make_error(Errc::bad_uri, 0, "empty URI");
  if (!is_alpha(text[0])) return make_error(Errc::bad_uri, 0, "scheme must start with a letter");
  std::size_t i = 1;
  while (i < text.size() && is_scheme_char(text[i])) ++i;
  if (i == text.size() || text[i] != ':')
    return make_error(Errc::bad_uri, i, "expected ':' after the scheme");
  v.text = text;
  v.scheme_text = text.substr(0, i);
  const std::size_t pos = i + 1;
  if (ci_equal(v.scheme_text, "sip")) {
    v.scheme = Scheme::Sip;
  } else if (ci_equal(v.scheme_text, "sips")) {
    v.scheme = Scheme::Sips;
  } else if (ci_equal(v.scheme_text, "tel")) {
    v.scheme = Scheme::Tel;
  } else {
    v.scheme = Scheme::Other;
  }
  Fail f;
  if (v.scheme == Scheme::Other) {
    if (pos == text.size()) return make_error(Errc::bad_uri, pos, "empty URI after the scheme");
    f = check_run(text, pos, text.size(), is_opaque_char, "invalid character in URI");
    v.opaque = text.substr(pos);
  } else if (v.scheme == Scheme::Tel) {
    f = parse_tel(text, pos, v);
  } else {
    f = parse_sip(text, pos, v);
  }
  if (f) return make_error(Errc::bad_uri, f.at, f.why);
  return Error{};
}

}  // namespace

Result<UriView> parse_uri(std::string_view text) noexcept {
  UriView v;
  const Error e = parse_view(text, v);
  if (e.code != Errc::ok) return e;
  return v;
}

bool next_param(std::string_view& rest, Param& out) noexcept {
  while (!rest.empty() && rest.front() == ';') rest.remove_prefix(1);
  if (rest.empty()) return false;
  const std::size_t end = rest.find(';');
  const std::string_view item = rest.substr(0, end);
  rest = end == kNone ? std::string_view{} : rest.substr(end);
  const std::size_t eq = item.find('=');
  out.name = item.substr(0, eq);
  out.has_value = eq != kNone;
  out.value = out.has_value ? item.substr(eq + 1) : std::string_view{};
  return true;
}

bool next_header(std::string_view& rest, std::string_view& name, std::string_view& value) noexcept {
  while (!rest.empty() && rest.front() == '&') rest.remove_prefix(1);
  if (rest.empty()) return false;
  const std::size_t end = rest.find('&');
  const std::string_view item = rest.substr(0, end);
  rest = end == kNone ? std::string_view{} : rest.substr(end);
  const std::size_t eq = item.find('=');
  name = item.substr(0, eq);
  value = eq == kNone ? std::string_view{} : item.substr(eq + 1);
  return true;
}

std::optional<std::string_view> UriView::param(std::string_view name) const noexcept {
  std::string_view rest = params;
  Param p;
  while (next_param(rest, p))
    if (ci_equal(p.name, name)) return p.value;
  return std::nullopt;
}

std::uint16_t UriView::port_or_default() const noexcept {
  if (has_port) return port;
  if (scheme == Scheme::Sips) return 5061;
  const auto transport = param("transport");
  if (transport && escaped_equal(*transport, "tls", true)) return 5061;
  return 5060;
}

// ---- Uri -------------------------------------------------------------------

Uri::Uri(const UriView& v)
    : scheme_(v.scheme),
      user_(v.user),
      password_(v.password),
      host_(v.host),
      has_password_(v.has_password),
      host_kind_(v.host_kind),
      port_(v.port) {
  if (v.scheme == Scheme::Other) {
    scheme_text_ = to_lower(v.scheme_text);
    opaque_ = std::string(v.opaque);
  }
  v.for_each_param([this](const Param& p) {
    params_.emplace_back(std::string(p.name),
                         p.has_value ? std::optional<std::string>(p.value) : std::nullopt);
  });
  v.for_each_header([this](std::string_view n, std::string_view val) {
    headers_.emplace_back(std::string(n), std::string(val));
  });
}

Result<Uri> Uri::parse(std::string_view text) {
  UriView v;
  const Error e = parse_view(text, v);
  if (e.code != Errc::ok) return e;
  return Uri(v);
}

std::optional<std::string> Uri::param(std::string_view name) const {
  for (const auto& [n, val] : params_)
    if (ci_equal(n, name)) return val.value_or(std::string());
  return std::nullopt;
}

void Uri::set_user(std::string_view escaped_user) {
  user_ = escaped_user;
  if (user_.empty()) set_password({});
}

void Uri::set_password(std::string_view escaped_password) {
  password_ = escaped_password;
  has_password_ = !password_.empty();
}

void Uri::set_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  host_ = host;
  std::array<std::uint8_t, 16> v6{};
  std::array<std::uint8_t, 4> v4{};
  if (host.empty()) {
    host_kind_ = HostKind::None;
  } else if (host.find(':') != kNone && parse_ipv6(host, v6)) {
    host_kind_ = HostKind::IPv6;
  } else if (parse_ipv4(host, v4)) {
    host_kind_ = HostKind::IPv4;
  } else {
    host_kind_ = HostKind::Name;
  }
}

void Uri::set_param(std::string_view name, std::optional<std::string_view> value) {
  std::optional<std::string> owned;
  if (value) owned.emplace(*value);
  for (auto& p : params_) {
    if (ci_equal(p.first, name)) {
      p.first = name;
      p.second = std::move(owned);
      return;
    }
  }
  params_.emplace_back(std::string(name), std::move(owned));
}

void Uri::remove_param(std::string_view name) {
  std::erase_if(params_, [name](const auto& p) { return ci_equal(p.first, name); });
}

std::string Uri::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void Uri::append_to(std::string& out) const {
  if (scheme_ == Scheme::Other) {
    out += scheme_text_.empty() ? std::string_view("other") : std::string_view(scheme_text_);
    out += ':';
    out += opaque_;
    return;
  }
  out += scheme_name(scheme_);
  out += ':';
  if (!user_.empty()) {
    out += user_;
    if (scheme_ != Scheme::Tel) {
      if (has_password_) {
        out += ':';
        out += password_;
      }
      out += '@';
    }
  }
  if (scheme_ != Scheme::Tel) {
    if (host_kind_ == HostKind::IPv6) {
      out += '[';
      out += host_;
      out += ']';
    } else {
      out += host_;
    }
    if (port_ != 0) {
      out += ':';
      append_port(out, port_);
    }
  }
  for (const auto& [name, value] : params_) {
    out += ';';
    out += name;
    if (value) {
      out += '=';
      out += *value;
    }
  }
  if (scheme_ == Scheme::Tel) return;
  for (std::size_t k = 0; k < headers_.size(); ++k) {
    out += k == 0 ? '?' : '&';
    out += headers_[k].first;
    out += '=';
    out += headers_[k].second;
  }
}

}  // namespace sip::uri
