// The one map from a stored dial plan type ("lua", "wizard", "dialstring")
// to its compiler, used by the daemon, the control socket and dialplan-test.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "sip/dialplan/execution.hpp"

namespace sip::dialer {

// nullopt for an unknown type name.
std::optional<dialplan::PlanType> plan_type_from_name(std::string_view name) noexcept;
// Compiles `source` as a plan of `type`. An unknown type is a compile error.
dialplan::CompileResult compile_plan(std::string_view type, std::string_view name,
                                     std::string_view source);
dialplan::CompileResult compile_plan(dialplan::PlanType type, std::string_view name,
                                     std::string_view source);

}  // namespace sip::dialer
