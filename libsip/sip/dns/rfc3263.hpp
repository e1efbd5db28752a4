// The pure rules of RFC 3263 "Locating SIP Servers": what to resolve for a
// URI (section 4: TARGET, explicit port and transport, sips), the numeric-IP
// bypass, which NAPTR records apply (4.1) and which SRV names to ask (4.2).
// The asynchronous walk through them is in lookup.hpp.
// Thread-safety: pure functions over plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/dns/records.hpp"
#include "sip/dns/target.hpp"
#include "sip/transport/address.hpp"
#include "sip/uri/uri.hpp"

namespace sip::dns {

// What to resolve. Build it with make_query()/query_from_uri(), which check it.
struct Query {
  std::string host;                          // name without trailing dot, or IP (no brackets)
  std::uint16_t port = 0;                    // 0: none given
  std::optional<transport::Kind> transport;  // explicit ";transport=", TLS for sips+tcp
  bool sips = false;
};

// Checks and normalises: host is a numeric IPv4/IPv6 address (brackets
// allowed) or a DNS name of letters, digits, '-', '_' and '.' (at most 253
// characters, trailing dot dropped); sips with transport UDP is refused;
// sips with TCP means TLS. Fails with make_failure(Failure::BadInput).
Result<Query> make_query(std::string_view host, std::uint16_t port,
                         std::optional<transport::Kind> transport, bool sips);

// From a sip/sips URI: TARGET is the maddr parameter if present, else the
// host; the port and the transport parameter as written (tel/other URIs and
// transports other than udp/tcp/tls fail with Failure::BadInput).
Result<Query> query_from_uri(const uri::UriView& u);

bool is_numeric_host(std::string_view host) noexcept;

// The single target of a numeric host (no lookup: RFC 3263 4.1/4.2), or
// nullopt when the host is a name. Transport: explicit, else TLS for sips,
// else UDP; port: explicit, else the transport's default.
std::optional<Target> numeric_target(const Query& q);

// Transport used when DNS does not choose one: explicit, else TLS for sips,
// else UDP (TCP, then TLS, if UDP is not supported). nullopt: none usable.
std::optional<transport::Kind> default_kind(const Query& q,
                                            const std::vector<transport::Kind>& supported);

struct NaptrChoice {
  transport::Kind kind = transport::Kind::Udp;
  std::string srv_name;  // the replacement: an SRV owner name
  friend bool operator==(const NaptrChoice&, const NaptrChoice&) = default;
};

// The NAPTR records usable for SIP (flag "s", empty regexp, service
// SIP+D2U / SIP+D2T / SIPS+D2T; only SIPS+D2T for a sips URI), restricted to
// `supported`, sorted by order then preference, duplicates removed.
std::vector<NaptrChoice> select_naptr(const std::vector<NaptrRecord>& records, bool sips,
                                      const std::vector<transport::Kind>& supported);

// SRV transports to try when there is no NAPTR (4.1), in preference order:
// sips: TLS; sip: TLS, TCP, UDP; each only if supported.
std::vector<transport::Kind> srv_fallback_kinds(bool sips,
                                                const std::vector<transport::Kind>& supported);

// "_sips._tcp.<host>" (TLS), "_sip._tcp.<host>", "_sip._udp.<host>".
std::string srv_name(transport::Kind kind, std::string_view host);

}  // namespace sip::dns
