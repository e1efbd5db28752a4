// Actions an Execution asks its driver to perform, and the results the driver
// hands back (docs/dialling.md). Plain owned values; thread-safety: none
// needed. Names used in traces come from the *_name() functions (one table).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sip::dialplan {

// ---- actions ---------------------------------------------------------------

// Optional From override (sys.SetFromHeader): a missing part keeps the
// original. Per-leg fd/fu/fh options and provider From templates win over it.
struct FromOverride {
  std::optional<std::string> display;
  std::optional<std::string> user;
  std::optional<std::string> host;
};

// Place the call legs of a dial string. Answer with a DialResult.
struct Dial {
  std::string dial_string;         // as the script wrote it; the driver substitutes and resolves
  int ring_seconds = 180;          // already clamped to 1..max_ring_seconds
  int answered_limit_seconds = 0;  // 0 = no limit; a leg's cd= option wins
  std::vector<std::string> custom_headers;  // "Name: value" (SetCustomSIPHeader), in order
  std::optional<FromOverride> from;         // SetFromHeader
  std::optional<std::string> content_type;  // SetCustomContent: replaces the body
  std::optional<std::string> body;
};

// Send a response to the caller. Only provisional (1xx) responses appear as
// actions; a final one ends the execution (see Done). Answer with Ack.
struct Respond {
  int status = 180;
  std::string reason;
  std::vector<std::string> headers;  // "Name: value"
};

enum class ConsoleLevel : std::uint8_t { Info, Warn, Error };

// A console line (sys.Log, print, engine notices). Answer with Ack.
struct Log {
  std::string text;
  ConsoleLevel level = ConsoleLevel::Info;
};

// Pause the script (simulated time in dialplan-test). Answer with Ack.
struct Wait {
  int seconds = 0;
};

// Per-owner key/value store (sys.DBRead/DBWrite/DBDelete/DBGetKeys). The
// owner is CallContext::owner. Answer with KvResult.
struct KvRead {
  std::string key;
};
struct KvWrite {
  std::string key;
  std::string value;
};
struct KvDelete {
  std::string key;
};
struct KvKeys {};

// Bounded HTTP GET (sys.WebGet) to a host the operator allowed. Answer with HttpResult.
struct HttpGet {
  std::string url;
  int timeout_seconds = 5;
  std::size_t max_bytes = 8192;  // body beyond this is cut
};

// Why an execution ended.
enum class DoneKind : std::uint8_t {
  Answered,         // a Dial was answered and bridged: send nothing
  Responded,        // the script sent a final response (Respond >= 200): send it
  Unanswered,       // the script ended without answering: send status/reason
  ScriptError,      // syntax/runtime error or a sandbox limit: send 500
  ClientCancelled,  // the caller went away: send nothing
};

enum class ScriptErrorKind : std::uint8_t {
  None,
  Syntax,         // the plan did not compile
  Runtime,        // error() or a failing operation
  MissingMethod,  // call of a nil value
  Memory,         // heap cap reached
  Budget,         // instruction budget exhausted
  Deadline,       // wall-clock deadline passed
};

// The last action of every execution. For Responded/Unanswered/ScriptError
// the driver sends `status reason` (plus `headers`, e.g. the Contact of a 3xx).
struct Done {
  DoneKind kind = DoneKind::Unanswered;
  int status = 480;
  std::string reason = "Temporarily Unavailable";
  std::vector<std::string> headers;  // "Name: value"
  // ScriptError only: a console message and the script line (0 when unknown).
  ScriptErrorKind error = ScriptErrorKind::None;
  std::string error_message;
  int error_line = 0;
};

// sys.Callback: the driver calls `first`, then `second`, and bridges them
// (after `delay_seconds`), independently of this execution. Answer with Ack.
struct Callback {
  std::string first;
  std::string second;
  int delay_seconds = 0;
};

using Action = std::variant<Dial, Respond, Log, Wait, KvRead, KvWrite, KvDelete, KvKeys, HttpGet,
                            Callback, Done>;

// ---- results ----------------------------------------------------------------

// Acknowledges an action without a value (Log, Respond, Wait).
struct Ack {};

// The string forms are what sys.Dial returns ("Failed", "Redirect", ...).
enum class DialOutcome : std::uint8_t {
  Answered,
  Failed,
  Redirect,  // failed overall, and a leg got a 3xx with a Contact (rm=m or none)
  TimedOut,
  ClientCancelled,
  Error,  // empty dial string, no legs, leg limit
  AlreadyAnswered,
};

// How one leg of the last Dial ended (sys.LastDialled).
struct LegOutcome {
  std::string uri;  // request-URI of the leg
  int status = 0;   // final status; 0 when none arrived
  std::string reason;
};

struct DialResult {
  DialOutcome outcome = DialOutcome::Failed;
  // Status/reason of the most recently failed leg (sys.LastFailureStatus/
  // Reason); 0 when the driver recorded none (Failed then means 480 "All
  // forwards failed").
  int failure_status = 0;
  std::string failure_reason;
  std::string redirect_uri;       // Redirect: the Contact URI
  std::string redirect_response;  // Redirect: the whole 3xx response text
  std::vector<LegOutcome> legs;
};

struct KvResult {
  bool ok = true;                    // false: storage failure (the script sees nil/false)
  std::optional<std::string> value;  // KvRead: nullopt when the key is absent
  std::vector<std::string> keys;     // KvKeys
  std::string error;
};

struct HttpResult {
  bool ok = false;  // false: refused, network error or timeout (script sees nil)
  int status = 0;
  std::string body;  // already cut to max_bytes
  std::string error;
};

// The caller cancelled (or the call manager gave up) while any action was
// pending: the execution ends with Done{ClientCancelled}; no script code runs.
struct CallerCancelled {};

using ActionResult = std::variant<Ack, DialResult, KvResult, HttpResult, CallerCancelled>;

// ---- names ------------------------------------------------------------------

const char* action_name(const Action& action) noexcept;        // "dial", "respond", ... "done"
const char* dial_outcome_name(DialOutcome outcome) noexcept;   // "Failed", "Redirect", ...
const char* done_kind_name(DoneKind kind) noexcept;            // "answered", ...
const char* script_error_name(ScriptErrorKind kind) noexcept;  // "runtime", "budget", ...
const char* console_level_name(ConsoleLevel level) noexcept;   // "info", "warn", "error"
// True when the driver must answer the action with a value other than Ack.
bool action_awaits_value(const Action& action) noexcept;

}  // namespace sip::dialplan
