// One leg's destination split into user, host and URI parts (behaviour
// docs/dialling.md, the syntax half): "123@provider1", "gizmo", "music@iptel.org",
// "sip:303@sip.blueface.ie;transport=tcp", "<sip:a@b?x=1&y=2>", "tel:+3531".
// Deciding whether the host is a served domain, a provider name or a DNS name
// needs the store and is the caller's job. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"

namespace sip::dialstring {

struct Destination {
  std::string scheme;  // "sip", "sips" or "tel" (lower case); empty when none was written
  std::string user;    // as written (still %-escaped); tel: the number
  // True when the text had no user part and no sip:/sips: scheme, so `user`
  // is the called number given to parse_destination() ("gizmo" = "dial the
  // same number via gizmo").
  bool user_is_called_number = false;
  std::string host;  // as written, IPv6 with its brackets; empty for tel
  std::optional<std::uint16_t> port;
  std::string params;   // ";transport=tcp" with the leading ';', or empty
  std::string headers;  // "a=b&c=d" (after '?'), or empty

  // The URI to dial: "sip:user@host:port;params?headers" (scheme "sip" when
  // none was written, no "user@" when the user is empty), or "tel:num;params".
  std::string uri() const;

  bool operator==(const Destination&) const = default;
};

// Parses a destination as a relaxed SIP URI. `called_number` is the user used
// when the text has no user part and does not start with sip:/sips:. A
// destination wrapped in <...> is unwrapped first (the only way to write '&'
// or '|' in it). Relaxed means: user characters are not checked against RFC
// 3261 beyond rejecting white space, control characters and " < > [ ] \.
// Errors: bad_uri (offset into `text`) for an empty destination or host, a
// host with characters other than unreserved ones (or a bracketed IPv6
// literal), a bad port (not 1..65535), text around <...>, an empty tel number.
Result<Destination> parse_destination(std::string_view text, std::string_view called_number = {});

// True when the host contains a '.': provider names never do (docs/dialling.md),
// so a dotted host is a domain or an IPv4 address.
bool host_has_dot(std::string_view host) noexcept;
// True for a bracketed IPv6 literal such as "[2001:db8::1]".
bool host_is_ipv6(std::string_view host) noexcept;

}  // namespace sip::dialstring
