// The one rule for each kind of name the store holds, used by the store's
// own checks (validate.cpp), the control socket and the tools, so a name the
// control socket accepts is one the store accepts. Each rule has a short
// text for error messages. Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace sip::store {

// Customer usernames are lower-cased first; then 3-64 of [a-z0-9_.-].
bool valid_customer_username(std::string_view lowered) noexcept;
inline constexpr const char* kCustomerUsernameRule = "3 to 64 of [a-z0-9_.-]";
// SIP account usernames: 1-64 of [A-Za-z0-9_.+-], not "dispatcher" (any
// case). No characters that need escaping in a URI or that mean something in
// a dial string (& | , [ ] ;).
bool valid_account_username(std::string_view name) noexcept;
inline constexpr const char* kAccountUsernameRule =
    "1 to 64 of [A-Za-z0-9_.+-], not \"dispatcher\"";
// Provider names: 1-64 of [A-Za-z0-9_-]; never a '.', so a provider name is
// never a DNS name in a dial string.
bool valid_provider_name(std::string_view name) noexcept;
inline constexpr const char* kProviderNameRule = "1 to 64 of [A-Za-z0-9_-] (no '.')";
// Dial plan names: 1-64 of [A-Za-z0-9_.-].
bool valid_plan_name(std::string_view name) noexcept;
inline constexpr const char* kPlanNameRule = "1 to 64 of [A-Za-z0-9_.-]";

}  // namespace sip::store
