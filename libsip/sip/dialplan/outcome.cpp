#include "sip/dialplan/outcome.hpp"

#include <utility>

#include "sip/dialplan/execution.hpp"
#include "sip/message/status.hpp"

namespace sip::dialplan {

void OutcomeTracker::record_dial(const DialResult& result) {
  if (result.outcome == DialOutcome::Answered) return;
  if (result.failure_status > 0) {
    status_ = result.failure_status;
    reason_ = result.failure_reason.empty() ? std::string(msg::reason_phrase(status_))
                                            : result.failure_reason;
  } else if (result.outcome == DialOutcome::Failed) {
    status_ = 480;
    reason_ = "All forwards failed";
  }
}

void OutcomeTracker::set_failure_status(int status) {
  status_ = status;
}

void OutcomeTracker::set_failure_reason(std::string reason) {
  reason_ = std::move(reason);
}

Done OutcomeTracker::unanswered() const {
  Done done;
  done.kind = DoneKind::Unanswered;
  if (status_ >= 300 && status_ <= 699) {
    done.status = status_;
    done.reason = reason_.empty() ? std::string(msg::reason_phrase(status_)) : reason_;
  } else {
    done.status = 480;
    done.reason = "Temporarily Unavailable";
  }
  return done;
}

Done OutcomeTracker::answered() {
  Done done;
  done.kind = DoneKind::Answered;
  done.status = 200;
  done.reason = "OK";
  return done;
}

Done OutcomeTracker::cancelled() {
  Done done;
  done.kind = DoneKind::ClientCancelled;
  done.status = 487;
  done.reason = "Request Terminated";
  return done;
}

Done OutcomeTracker::responded(int status, std::string_view reason,
                               std::vector<std::string> headers) {
  Done done;
  done.kind = DoneKind::Responded;
  done.status = status;
  done.reason = reason.empty() ? std::string(msg::reason_phrase(status)) : std::string(reason);
  done.headers = std::move(headers);
  return done;
}

Done OutcomeTracker::script_error(ScriptErrorKind kind, std::string message, int line) {
  Done done;
  done.kind = DoneKind::ScriptError;
  done.status = 500;
  switch (kind) {
    case ScriptErrorKind::Syntax: done.reason = "Dial plan syntax error"; break;
    case ScriptErrorKind::MissingMethod: done.reason = "Dial plan missing method"; break;
    default: done.reason = "Dial plan exception"; break;
  }
  done.error = kind;
  done.error_message = std::move(message);
  done.error_line = line;
  return done;
}

Done syntax_error_done(const Diagnostic& diag) {
  return OutcomeTracker::script_error(ScriptErrorKind::Syntax, diag.message, diag.line);
}

}  // namespace sip::dialplan
