// Forgiving registrar/proxy targets as people type them on a command line:
// "host", "host:port", "udp:host:port", "tcp:host", "tls:[::1]:5061",
// "sip:example.com;transport=tcp", "sips:example.com". The result is a SIP
// URI for RFC 3263 resolution plus what was explicit. Thread-safety: pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/transport/address.hpp"

namespace sip::ua {

struct TargetSpec {
  std::string uri;                      // canonical "sip:host[:port][;transport=x]" or "sips:..."
  std::string host;                     // without brackets
  std::uint16_t port = 0;               // 0 = not given
  std::optional<transport::Kind> kind;  // explicit transport, if any
  bool sips = false;
  bool numeric = false;  // host is an IP literal
};

// `forced` (e.g. from --transport) overrides what the text implies.
Result<TargetSpec> parse_target(std::string_view text, std::optional<transport::Kind> forced = {});

}  // namespace sip::ua
