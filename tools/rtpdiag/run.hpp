// Wiring of rtpdiag: transport, transaction layer, the Answerer, an
// optional registration (libsip's RegistrationSession, as sipreg uses it),
// the optional --http page, signals and the exit status.
// Thread-safety: main thread only (it runs the core loop).
#pragma once

#include <optional>
#include <string>

#include "options.hpp"

namespace sipsmith::rtpdiag {

// Returns the exit status. Throws UsageError for local errors found while
// starting (no socket, bad registrar).
int run(const Options& o, std::optional<std::string> password);

}  // namespace sipsmith::rtpdiag
