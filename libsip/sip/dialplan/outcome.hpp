// The final-outcome rules every dial plan implementation shares (docs/dialling.md): a script error
// -> 500 with a console message naming the line; else the last failure a Dial recorded
// (sys.LastFailureStatus/Reason); else 480. An answer ends the execution; a Respond >= 300 (or a
// 2xx to a non-INVITE) ends it; a 1xx continues. Thread-safety: plain value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sip/dialplan/action.hpp"

namespace sip::dialplan {

class OutcomeTracker {
 public:
  // Records the failure of a Dial that did not answer. A Failed result without
  // a status records 480 "All forwards failed" (docs/dialling.md).
  void record_dial(const DialResult& result);
  // The script assigned sys.LastFailureStatus / LastFailureReason.
  void set_failure_status(int status);
  void set_failure_reason(std::string reason);

  bool has_failure() const noexcept { return status_ != 0; }
  int failure_status() const noexcept { return status_; }
  const std::string& failure_reason() const noexcept { return reason_; }

  // The execution ended without answering: last failure, else 480.
  Done unanswered() const;

  static Done answered();
  static Done cancelled();
  // Respond with a final status; reason empty -> the default phrase.
  static Done responded(int status, std::string_view reason, std::vector<std::string> headers);
  // 500 with reason "Dial plan exception" ("Dial plan missing method" for
  // MissingMethod, "Dial plan syntax error" for Syntax).
  static Done script_error(ScriptErrorKind kind, std::string message, int line);

 private:
  int status_ = 0;
  std::string reason_;
};

}  // namespace sip::dialplan
