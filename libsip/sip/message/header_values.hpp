// Typed views of SIP header values. Each parse_* function reads one header
// value (one element of a comma list, already split by the indexer), never
// allocates, never reads outside the given view, and returns Errc::bad_value
// or Errc::out_of_range with an offset relative to the value. Returned views
// point into the input. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/message/method.hpp"
#include "sip/uri/uri.hpp"

namespace sip::msg {

// ---- generic parameters: *( SEMI generic-param ), LWS allowed around ; and =

struct GenericParam {
  std::string_view name;
  std::string_view value;  // quotes stripped for quoted values (escapes kept)
  bool has_value = false;
  bool quoted = false;
};

// Walks `rest`, which must start (after optional LWS) with ';' or be empty.
// Returns false at the end; sets `bad` (and stops) on a syntax error, with
// `rest` then starting at the offending byte.
bool next_generic_param(std::string_view& rest, GenericParam& out, bool& bad) noexcept;
// Checks a whole parameter string; Errc::bad_value at the first bad byte.
Result<void> check_generic_params(std::string_view params) noexcept;
// Case-insensitive lookup. nullopt when absent; empty view for a flag.
std::optional<std::string_view> find_generic_param(std::string_view params,
                                                   std::string_view name) noexcept;

// ---- From, To, Contact, Route, Record-Route, Refer-To, Reply-To ...

struct NameAddr {
  std::string_view display;  // without quotes; escapes kept; may be empty
  bool display_quoted = false;
  bool bracketed = false;  // URI was inside <...>
  uri::UriView uri;
  std::string_view params;  // raw header params after the URI (";tag=x")

  std::optional<std::string_view> param(std::string_view name) const noexcept {
    return find_generic_param(params, name);
  }
  std::string_view tag() const noexcept { return param("tag").value_or(std::string_view{}); }
};

// name-addr / addr-spec with header parameters (RFC 3261 20.10, 20.20, 20.39).
// For an addr-spec (no <>), the URI ends at the first ';' or LWS: the rest
// are header parameters, as RFC 3261 20 requires.
Result<NameAddr> parse_name_addr(std::string_view value) noexcept;
// The header parameters of a name-addr / addr-spec (NameAddr::params),
// found without parsing the display name's tokens or the URI: for callers
// that need only a parameter such as the To tag. For every value
// parse_name_addr accepts it returns the same params; nullopt when the shape
// ('<' without '>', an unterminated quoted name) or the parameters are bad.
std::optional<std::string_view> name_addr_params(std::string_view value) noexcept;

struct ContactValue {
  bool star = false;  // "Contact: *"
  NameAddr addr;
  std::optional<std::uint32_t> expires() const noexcept;  // ;expires=N (bounded)
  std::optional<std::string_view> q() const noexcept { return addr.param("q"); }
};
// Accepts "*" or a name-addr; checks that ;expires is a 32-bit number.
Result<ContactValue> parse_contact(std::string_view value) noexcept;

// ---- Via

struct Via {
  std::string_view protocol;   // "SIP"
  std::string_view version;    // "2.0"
  std::string_view transport;  // "UDP", "TCP", "TLS", "SCTP", "WS", ...
  std::string_view host;       // IPv6 without brackets
  uri::HostKind host_kind = uri::HostKind::None;
  std::uint16_t port = 0;   // 0 when absent
  std::string_view params;  // raw ";branch=...;rport"

  std::optional<std::string_view> param(std::string_view name) const noexcept {
    return find_generic_param(params, name);
  }
  std::string_view branch() const noexcept { return param("branch").value_or(std::string_view{}); }
  std::optional<std::string_view> received() const noexcept { return param("received"); }
  // nullopt: no rport; empty view: bare ";rport" (RFC 3581 request).
  std::optional<std::string_view> rport() const noexcept { return param("rport"); }
  bool has_cookie() const noexcept;  // branch starts with z9hG4bK
};

// "SIP / 2.0 / UDP host:port;params" with LWS allowed around '/' and ':'.
Result<Via> parse_via(std::string_view value) noexcept;

// ---- scalars

struct CSeq {
  std::uint32_t number = 0;  // < 2^31 (RFC 3261 8.1.1.5)
  Method method = Method::Unknown;
  std::string_view method_token;
};
Result<CSeq> parse_cseq(std::string_view value) noexcept;

// Delta-seconds bounded to 2^32-1 (Expires, Min-Expires, ;expires).
Result<std::uint32_t> parse_delta_seconds(std::string_view value) noexcept;
// 0..255.
Result<std::uint32_t> parse_max_forwards(std::string_view value) noexcept;

struct MediaType {
  std::string_view type;
  std::string_view subtype;
  std::string_view params;  // raw ";charset=..."
  bool is(std::string_view t, std::string_view s) const noexcept;
};
Result<MediaType> parse_media_type(std::string_view value) noexcept;

// ---- Authorization / Proxy-Authorization / WWW-Authenticate / Proxy-Authenticate

// A challenge or credentials: scheme then comma-separated auth-params.
struct AuthValue {
  std::string_view scheme;  // "Digest"
  std::string_view params;  // raw 'realm="x", nonce="y", qop="auth"'
  // Value of one auth-param, quotes stripped (escapes kept).
  std::optional<std::string_view> param(std::string_view name) const noexcept;
};
// Reads the next auth-param of `rest` (AuthValue::params or what a previous
// call left): name and value (quotes stripped, escapes kept), advancing
// `rest`. false at the end or at a syntax error. One pass over all the
// parameters costs what one param() lookup costs.
bool next_auth_param(std::string_view& rest, std::string_view& name,
                     std::string_view& value) noexcept;
Result<AuthValue> parse_auth(std::string_view value) noexcept;

// ---- Replaces (RFC 3891), Reason (RFC 3326)

struct Replaces {
  std::string_view call_id;
  std::string_view to_tag;
  std::string_view from_tag;
  bool early_only = false;
};
Result<Replaces> parse_replaces(std::string_view value) noexcept;

struct Reason {
  std::string_view protocol;  // "SIP", "Q.850"
  std::uint32_t cause = 0;
  std::string_view text;  // quotes stripped; empty when absent
  std::string_view params;
};
Result<Reason> parse_reason(std::string_view value) noexcept;

// Unescapes a quoted-string body ("a\"b" -> a"b). Allocates.
std::string unquote(std::string_view quoted_body);

}  // namespace sip::msg
