// IP access lists: comma separated CIDRs ("192.0.2.0/24, 2001:db8::/32,
// 198.51.100.7") matched against a source address. A bare address means
// /32 (IPv4) or /128 (IPv6); IPv4-mapped IPv6 sources match IPv4 entries.
// Malformed entries never match (validate with check_ip_acl when storing).
// Thread-safety: pure functions; allocation-free.
#pragma once

#include <cstddef>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/transport/address.hpp"

namespace sip::policy {

// True when `source` lies in one of the CIDRs of `acl` (empty acl: false).
bool ip_acl_matches(std::string_view acl, const transport::SocketAddress& source) noexcept;
// Errc::invalid_argument with the byte offset of the first malformed entry.
Result<void> check_ip_acl(std::string_view acl) noexcept;

}  // namespace sip::policy
