// The exit codes every sipsmith program documents (tools/README.md), and
// their Nagios plugin mapping. A program never exits with a raw SIP status:
// it would be cut to 8 bits. Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace sipsmith::cli {

enum class ExitCode : std::uint8_t {
  Ok = 0,       // the operation succeeded
  Failure = 1,  // the peer answered, but not with success (SIP failure)
  Usage = 2,    // bad command line, unreadable file, other local error
  Network = 3,  // nothing answered in time, connection or DNS failure
};

constexpr int to_int(ExitCode c) noexcept {
  return static_cast<int>(c);
}
std::string_view exit_code_name(ExitCode c) noexcept;  // "ok", "failure", "usage", "network"

// Nagios plugin states (exit status and the word in the status line).
enum class NagiosState : std::uint8_t { Ok = 0, Warning = 1, Critical = 2, Unknown = 3 };

constexpr int to_int(NagiosState s) noexcept {
  return static_cast<int>(s);
}
std::string_view nagios_name(NagiosState s) noexcept;  // "OK", "WARNING" ...
// Ok -> OK; Failure and Network -> CRITICAL; Usage -> UNKNOWN.
NagiosState nagios_state_for(ExitCode c) noexcept;

}  // namespace sipsmith::cli
