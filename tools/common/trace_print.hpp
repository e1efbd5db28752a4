// The human summary of a simulated call's NDJSON trace (dialplan-test
// --human, sipctl dialplan test without --json): one line per call, Dial,
// Dial result and final response; with verbosity > 0 also the legs, the
// simulated responses and the plan's log lines. Also dialplan-test's own
// "expect", "summary" and "bench" lines. Unknown events print nothing.
// Thread-safety: plain functions writing to the given stream.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

namespace sipsmith::cli {

void print_trace_human(std::ostream& out, const nlohmann::json& event, int verbosity);
void print_trace_human(std::ostream& out, const nlohmann::ordered_json& event, int verbosity);

}  // namespace sipsmith::cli
