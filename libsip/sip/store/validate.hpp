// Record rules of the store, shared by every backend (internal to the
// module): each check returns invalid_argument with a static detail naming
// the broken rule. Normalising helpers lower-case names in place.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/store/types.hpp"

namespace sip::store {

std::string to_lower(std::string_view s);

// Lower-cases customer.username (and api_key) and checks every field.
Result<void> normalize_customer(Customer& customer);
// Lower-cases name and aliases, drops nothing; checks host name syntax,
// duplicates inside the record and that no alias equals the name.
Result<void> normalize_domain(Domain& domain);
// Lower-cases the domain and the HA1 hex; checks username and secrets;
// rewrites digest_algorithms in canonical form ("sha-256, md5" -> "SHA-256,MD5").
Result<void> normalize_account(SipAccount& account);
Result<void> check_binding(const Binding& binding);
// Checks the name and fields; a bare "host[:port]" server, outbound proxy or
// register server becomes "sip:host[:port]".
Result<void> normalize_provider(Provider& provider);
// Names, type ("lua", "wizard", "dialstring") and source size only.
Result<void> check_dialplan(const DialPlan& plan);
Result<void> check_cdr(const Cdr& cdr);

// Dial plan source limit of the store (bytes).
inline constexpr std::size_t kMaxDialPlanSource = 256 * 1024;

bool valid_host_name(std::string_view host) noexcept;

const char* keepalive_name(KeepAliveMode mode) noexcept;  // "crlf", "options", "none"
bool parse_keepalive(std::string_view text, KeepAliveMode& out) noexcept;

}  // namespace sip::store
