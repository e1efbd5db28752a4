// rtpdiag's command line: the options as parsed, the CLI11 definition with
// --help examples, and the checks CLI11 cannot express.
// Thread-safety: start-up only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sipsmith::rtpdiag {

// Default environment variable holding the registration password.
inline constexpr const char* kPasswordEnv = "RTPDIAG_PASSWORD";

struct Options {
  std::string listen = "0.0.0.0:5060";  // SIP over UDP: ADDR[:PORT]
  std::string advertise;                // IP in our SDP and Contact; empty: derived
  std::string rtp_ports = "40000-40999";
  std::uint16_t rtp_first = 40000, rtp_last = 40999;  // from rtp_ports
  std::string test_user;   // test address user; empty: the account's, else diag-<token>
  double duration_s = 10;  // test period after the answer
  double timeout_s = -1;   // --once: wait for a call (default 300 s); --keep: none
  bool once = false, keep = false;
  // Registration (optional).
  std::string registrar;
  std::string user;  // account user (domain: the registrar's host)
  std::string aor;   // or the whole address of record
  std::string auth_user;
  std::string password_file;
  std::uint32_t expires = 600;
  // Output.
  std::string http;  // ADDR:PORT of the live page; empty: none
  bool json = false;
  int verbosity = 0;

  double effective_timeout() const noexcept;  // 0: none
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void define_cli(CLI::App& app, Options& o);
// Checks combinations and derived values (the port range); throws UsageError.
void finish_options(Options& o);

}  // namespace sipsmith::rtpdiag
