// Customer passwords are hashed (PBKDF2, hundreds of milliseconds) before a
// command reaches the core thread: the edges that take requests (the HTTP
// API's workers, the control socket's hashing worker) pass the params of
// customer.add, customer.update and import through hash_password_params()
// on their own thread; the command then stores the given "password_hash".
// Thread-safety: pure functions (any thread).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sip/control/registry.hpp"

namespace sip::control {

// True when `params` of `method` carry a clear customer password this
// module would hash (so a caller can skip the worker for everything else).
bool has_password_params(std::string_view method, const nlohmann::json& params);

// The params with every clear customer password ("password" of customer.add
// and customer.update, and of each customers[] record of an import
// document) checked and replaced by its "password_hash". A customer.add
// without a password gets a generated one: `*generated` holds it (the
// caller adds it to the answer as "password"). `iterations` 0 = the
// default strength. invalid_argument when a password breaks the rules.
CommandResult hash_password_params(std::string_view method, nlohmann::json params,
                                   std::uint32_t iterations, std::string* generated);

}  // namespace sip::control
