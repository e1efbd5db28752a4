#include "exit_codes.hpp"

namespace sipsmith::cli {

std::string_view exit_code_name(ExitCode c) noexcept {
  switch (c) {
    case ExitCode::Ok: return "ok";
    case ExitCode::Failure: return "failure";
    case ExitCode::Usage: return "usage";
    case ExitCode::Network: return "network";
  }
  return "?";
}

std::string_view nagios_name(NagiosState s) noexcept {
  switch (s) {
    case NagiosState::Ok: return "OK";
    case NagiosState::Warning: return "WARNING";
    case NagiosState::Critical: return "CRITICAL";
    case NagiosState::Unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

NagiosState nagios_state_for(ExitCode c) noexcept {
  switch (c) {
    case ExitCode::Ok: return NagiosState::Ok;
    case ExitCode::Failure:
    case ExitCode::Network: return NagiosState::Critical;
    case ExitCode::Usage: return NagiosState::Unknown;
  }
  return NagiosState::Unknown;
}

}  // namespace sipsmith::cli
