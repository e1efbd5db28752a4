// The runs of cdr-query: one listing (records or --stats), one --cursor
// export, or --follow until SIGINT/SIGTERM. Records go to `out`; messages
// to stderr. Thread-safety: main thread; run_follow expects SIGINT and
// SIGTERM blocked (block_stop_signals) so it can wait for them.
#pragma once

#include <cstdio>

#include "common/exit_codes.hpp"
#include "options.hpp"
#include "source.hpp"

namespace sipsmith::cdrq {

cli::ExitCode run(const Settings& settings, CdrSource& source, std::FILE* out);

// Blocks SIGINT and SIGTERM in this thread (before other threads start).
void block_stop_signals();

}  // namespace sipsmith::cdrq
