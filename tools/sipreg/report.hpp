// sipreg's output: NDJSON events (--json), a human summary (stderr for
// progress with -v, stdout for the result), or one Nagios status line. The
// Runner reports what happens; Reporter decides what each style prints.
// Thread-safety: core thread only.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "common/exit_codes.hpp"
#include "common/ndjson.hpp"
#include "options.hpp"
#include "sip/message/message.hpp"
#include "sip/transport/transport.hpp"
#include "sip/ua/registration.hpp"

namespace sipsmith::sipreg {

// How an operation ended, for the final line and the exit status.
struct Summary {
  Mode mode = Mode::Register;
  cli::ExitCode code = cli::ExitCode::Ok;
  std::string outcome;  // "registered", "unregistered", "queried", "failed", "timeout", ...
  sip::ua::RegFailure failure = sip::ua::RegFailure::None;
  std::string detail;
  int status = 0;  // last final SIP status, 0 when none arrived
  std::string reason;
  std::uint32_t expires = 0;
  double elapsed_ms = 0;  // first request sent to the outcome
  std::string target;     // "UDP 127.0.0.1:5060"
  std::string aor;
  std::string contact;
  std::vector<sip::ua::Binding> bindings;
};

class Reporter {
 public:
  enum class Style : std::uint8_t { Human, Json, Nagios };
  Reporter(const Options& o, std::ostream& out, std::ostream& err);

  void started(const sip::ua::RegistrationConfig& c, std::string_view registrar_text);
  void resolved(const std::vector<sip::transport::Destination>& targets, double ms);
  void request(std::string_view bytes, const sip::transport::Destination& to);
  void response(const sip::msg::Message& r, double elapsed_ms);
  void state(sip::ua::RegState s, sip::ua::RegFailure f, const std::string& detail,
             std::uint32_t expires);
  void bindings(const std::vector<sip::ua::Binding>& b);
  void failover(const sip::transport::Destination& failed, const sip::transport::Destination& next,
                const std::string& why);
  void rendered(std::string_view request);  // --dry-run
  void warning(std::string_view text);
  // Prints the result; returns the exit status (Nagios states with --nagios).
  int finish(const Summary& s);

  Style style() const noexcept { return style_; }

 private:
  std::string nagios_line(const Summary& s, cli::NagiosState& state) const;

  Style style_;
  Mode mode_;
  int verbosity_;
  double warning_ms_, critical_ms_;
  std::ostream& out_;
  std::ostream& err_;
  cli::NdjsonWriter json_;
};

std::string describe(const sip::transport::Destination& d);  // "UDP 127.0.0.1:5060"

}  // namespace sipsmith::sipreg
