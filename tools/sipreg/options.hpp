// sipreg's command line: the options as parsed, the CLI11 definition with
// --help examples, and the checks CLI11 cannot express.
// Thread-safety: start-up only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sipsmith::sipreg {

enum class Mode : std::uint8_t { Register, Keep, Unregister, UnregisterAll, Query };
std::string_view mode_name(Mode m) noexcept;  // "register", "keep", ...

// Default environment variable holding the password.
inline constexpr const char* kPasswordEnv = "SIPREG_PASSWORD";

struct Options {
  std::string target;
  std::string user;
  std::string aor;
  std::string auth_user;
  std::string password_file;
  std::uint32_t expires = 3600;
  std::string contact;
  std::string transport;  // "", "udp", "tcp", "tls"
  std::string local;      // ADDR[:PORT]
  std::string proxy;
  std::string user_agent;
  Mode mode = Mode::Register;  // from the four mode flags below
  bool keep = false, unregister = false, unregister_all = false, query = false;
  bool dry_run = false;
  bool json = false;
  bool nagios = false;
  double warning_ms = 0;  // --nagios thresholds on the response time; 0 = none
  double critical_ms = 0;
  double timeout_s = -1;  // < 0: the mode's default (see effective_timeout)
  std::uint32_t t1_ms = 500;
  std::string ca_file;
  bool insecure = false;
  std::string tls_name;
  std::vector<std::string> dns_servers;
  int verbosity = 0;

  // One-shot modes: 60 s unless given; --keep: none (0) unless given.
  double effective_timeout() const noexcept;
};

// A usage error found after parsing (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Defines every flag on `app` (bound to `o`), with the examples footer.
void define_cli(CLI::App& app, Options& o);
// Derives o.mode from the mode flags and checks combinations; throws UsageError.
void finish_options(const CLI::App& app, Options& o);

}  // namespace sipsmith::sipreg
