// Shared command-line plumbing of the sipsmith programs: CLI11 parsing with
// the documented exit codes (help and version exit 0, any usage error 2),
// the -v/--verbose to log level mapping, and a stderr log sink that
// prefixes lines with the program name.
// Thread-safety: start-up only (main).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "sip/base/log.hpp"

namespace sipsmith::cli {

// The project version (from CMake).
std::string version();

// Parses; on --help/--version prints and returns 0, on a usage error
// prints the message and a hint to stderr and returns 2. nullopt: go on.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// Warn with no -v, Info with -v, Debug with -vv, Trace from -vvv on.
sip::LogLevel log_level_for(int verbosity) noexcept;
// Sends libsip's log lines to stderr as "<program>: <level>: [module] text".
void install_log_sink(const std::string& program, int verbosity);

}  // namespace sipsmith::cli
