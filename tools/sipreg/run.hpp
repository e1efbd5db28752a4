// Wiring and driving one sipreg run: the event loop, transport, transaction
// layer, DNS resolution of the next hop, the RegistrationSession, signals
// and the overall deadline, reporting through a Reporter.
// Thread-safety: call from main; everything runs on the calling thread
// (the resolver's worker posts its results back to it).
#pragma once

#include <optional>
#include <string>

#include "options.hpp"
#include "plan.hpp"
#include "report.hpp"

namespace sipsmith::sipreg {

// Runs the operation `o` asks for; returns the process exit status.
// Throws UsageError for problems found while setting up.
int run(const Options& o, Plan plan, std::optional<std::string> password, Reporter& reporter);

}  // namespace sipsmith::sipreg
