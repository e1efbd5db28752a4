// SIP, SIPS and tel URIs (RFC 3261 section 19.1, RFC 3966), plus any other
// absolute URI kept opaque (RFC 4475 unksm2: "isbn:...", "http://...").
//
// UriView is a non-owning parse result: every view points into the text given
// to parse_uri(), which must outlive it. It allocates nothing. Uri is the
// owning, editable form. Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/base/result.hpp"

namespace sip::uri {

enum class Scheme : std::uint8_t { Sip, Sips, Tel, Other };
enum class HostKind : std::uint8_t { None, Name, IPv4, IPv6 };

const char* scheme_name(Scheme s) noexcept;  // "sip", "sips", "tel", "other"

// One ";name=value" (or ";name") of a URI, still %-escaped as written.
struct Param {
  std::string_view name;
  std::string_view value;  // empty for a flag parameter
  bool has_value = false;
};

struct UriView {
  Scheme scheme = Scheme::Other;
  std::string_view scheme_text;  // as written, e.g. "SIP"
  std::string_view user;         // sip/sips: escaped user; tel: the number
  std::string_view password;     // escaped; empty when absent
  bool has_user = false;         // an '@' was present (user may still be empty)
  bool has_password = false;
  std::string_view host;  // IPv6 without the brackets
  HostKind host_kind = HostKind::None;
  std::uint16_t port = 0;  // 0 when absent
  bool has_port = false;
  std::string_view params;   // raw ";a=b;c" including the first ';', or empty
  std::string_view headers;  // raw "a=b&c=d" after '?', or empty
  std::string_view opaque;   // Scheme::Other: everything after "scheme:"
  std::string_view text;     // the whole URI as parsed

  bool is_sip() const noexcept { return scheme == Scheme::Sip || scheme == Scheme::Sips; }

  // Case-insensitive parameter lookup. Absent -> nullopt; a flag parameter
  // (";lr") -> an empty view. The value is returned still escaped.
  std::optional<std::string_view> param(std::string_view name) const noexcept;
  bool has_param(std::string_view name) const noexcept { return param(name).has_value(); }

  // Calls f(Param) for each URI parameter in order. Allocation-free.
  template <class F>
  void for_each_param(F&& f) const;
  // Calls f(name, value) for each header (the part after '?'), escaped.
  template <class F>
  void for_each_header(F&& f) const;

  // Default port for the scheme/transport: 5061 for sips or transport=tls,
  // 5060 otherwise; the explicit port when present.
  std::uint16_t port_or_default() const noexcept;
};

// Parses the whole of `text` as a URI. Fails with Errc::bad_uri and the
// offset of the offending byte. Never reads outside `text`. Accepts any
// RFC 3986 scheme; only sip/sips/tel are decomposed.
Result<UriView> parse_uri(std::string_view text) noexcept;

// RFC 3261 section 19.1.4 equality for sip/sips URIs (and exact
// case-insensitive-scheme comparison for others): user and password compare
// case-sensitively after unescaping, host case-insensitively, port present
// vs absent is unequal, user/ttl/method/maddr/transport parameters must match
// if present in either, other parameters only if present in both, headers
// must match as a set.
bool uri_equal(const UriView& a, const UriView& b) noexcept;

// Address helpers (also used by the parser and uri_equal). Allocation-free.
// parse_ipv4: exactly four dot-separated 1-3 digit octets, each <= 255.
bool parse_ipv4(std::string_view s, std::array<std::uint8_t, 4>& out) noexcept;
// parse_ipv6: RFC 4291 text form without brackets: 1-4 hex digit groups, at
// most one "::", optional trailing dotted quad; no zone id.
bool parse_ipv6(std::string_view s, std::array<std::uint8_t, 16>& out) noexcept;

// Next step of a parameter walk; exposed for for_each_param. `rest` starts at
// a ';' (or is empty). Returns false when no parameter remains.
bool next_param(std::string_view& rest, Param& out) noexcept;
bool next_header(std::string_view& rest, std::string_view& name, std::string_view& value) noexcept;

template <class F>
void UriView::for_each_param(F&& f) const {
  std::string_view rest = params;
  Param p;
  while (next_param(rest, p)) f(p);
}

template <class F>
void UriView::for_each_header(F&& f) const {
  std::string_view rest = headers;
  std::string_view n, v;
  while (next_header(rest, n, v)) f(n, v);
}

// Owning, editable URI. Components are stored as written (still %-escaped)
// so that to_string() reproduces what was parsed, modulo normalisation of the
// scheme to lower case. Setters do not validate their input. An explicit
// ":0" port is not representable (0 = absent) and is dropped.
class Uri {
 public:
  Uri() = default;
  explicit Uri(const UriView& v);
  static Result<Uri> parse(std::string_view text);

  Scheme scheme() const noexcept { return scheme_; }
  const std::string& user() const noexcept { return user_; }
  const std::string& password() const noexcept { return password_; }
  const std::string& host() const noexcept { return host_; }
  HostKind host_kind() const noexcept { return host_kind_; }
  std::uint16_t port() const noexcept { return port_; }  // 0 = absent
  const std::vector<std::pair<std::string, std::optional<std::string>>>& params() const noexcept {
    return params_;
  }
  const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
    return headers_;
  }
  std::optional<std::string> param(std::string_view name) const;

  void set_scheme(Scheme s) noexcept { scheme_ = s; }
  void set_user(std::string_view escaped_user);          // empty removes user and password
  void set_password(std::string_view escaped_password);  // empty removes it
  // Accepts "example.com", "192.0.2.1", "::1" or "[::1]"; sets host_kind.
  void set_host(std::string_view host);
  void set_port(std::uint16_t port) noexcept { port_ = port; }  // 0 removes
  // Adds or replaces (case-insensitive name). nullopt value = flag param.
  void set_param(std::string_view name, std::optional<std::string_view> value);
  void remove_param(std::string_view name);
  void clear_headers() noexcept { headers_.clear(); }

  // Serialises, e.g. "sip:alice@[2001:db8::1]:5070;transport=tcp".
  std::string to_string() const;
  void append_to(std::string& out) const;

 private:
  Scheme scheme_ = Scheme::Sip;
  std::string scheme_text_;  // only for Scheme::Other
  std::string opaque_;       // only for Scheme::Other
  std::string user_, password_, host_;
  bool has_password_ = false;
  HostKind host_kind_ = HostKind::None;
  std::uint16_t port_ = 0;
  std::vector<std::pair<std::string, std::optional<std::string>>> params_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace sip::uri
