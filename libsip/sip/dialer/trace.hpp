// The typed trace of a simulated call (Simulation): one event per decision
// and per simulated response, in simulated time. The edges turn them into
// the NDJSON trace of dialplan-test and of the daemon's dry run
// (control/trace_json.hpp): event names and fields are documented in
// man dialplan-test and relied on by scripts.
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sip/dialplan/action.hpp"
#include "sip/dialplan/call_context.hpp"
#include "sip/dialplan/execution.hpp"
#include "sip/routing/router.hpp"

namespace sip::dialer::trace {

// "call": the call starts.
struct CallStart {
  dialplan::Direction direction = dialplan::Direction::Out;
  std::string uri, from;
  std::string plan;
  dialplan::PlanType plan_type = dialplan::PlanType::Lua;
  std::int64_t start_time = 0;
  std::string time_zone;
  int tz_offset_minutes = 0;
  std::optional<std::string> account;  // "user@domain" bound to the call
};

// One resolved leg of a "dial".
struct DialLeg {
  std::size_t leg = 0, stage = 0;
  std::string destination;
  routing::LegKind kind = routing::LegKind::Uri;
  std::string request_uri, from, to;
  std::vector<std::string> headers;
  std::string options;                      // canonical "[...]" text
  std::string account, provider, next_hop;  // empty = absent
  bool body_replaced = false;
};

// "dial": a Dial action and what it resolved to.
struct Dial {
  std::string dial_string, substituted;
  int ring_seconds = 0, answered_limit_seconds = 0;
  std::optional<std::vector<DialLeg>> legs;  // absent when it did not resolve
  std::vector<routing::DroppedLeg> dropped;
  std::vector<std::string> notes;
  std::string error;  // empty = none
};

// "response": a simulated final response on a leg.
struct Response {
  std::size_t leg = 0;
  std::string request_uri;
  int status = 0;
  std::string reason;
  double started = 0;    // when the leg started (seconds since the call started)
  int outcome_line = 0;  // 0 = the default outcome
  std::string contact;   // 3xx
};

// "cancel": the engine cancelled a leg.
struct Cancel {
  std::size_t leg = 0;
  std::string request_uri;
  double started = 0;
  std::string why;
};

// "dial_result": what the Dial returned to the plan.
struct DialResult {
  dialplan::DialOutcome outcome = dialplan::DialOutcome::Failed;
  std::string answered_by, destination;  // Answered
  int answered_limit_seconds = 0;        // Answered, 0 = none
  std::string transfer;                  // Answered, empty = none
  int failure_status = 0;                // not answered, 0 = none
  std::string failure_reason;
  std::string redirect_uri;                  // empty = none
  std::optional<std::string> rm_n_redirect;  // the rm=n redirect execution's URI
};

struct RedirectExecution {
  std::string redirect_uri;
};
// "loopback": a loop-back leg starts the called account's in dial plan as
// execution `child` of the call (its events carry that number in
// "execution"); the plan's end is the leg's response.
struct Loopback {
  std::size_t leg = 0;
  std::string account;  // "user@domain"
  std::string plan;
  std::size_t child = 0;
};
struct Provisional {
  int status = 0;
  std::string reason;
  std::vector<std::string> headers;
};
struct Log {
  dialplan::ConsoleLevel level = dialplan::ConsoleLevel::Info;
  std::string text;
};
struct Wait {
  int seconds = 0;
};
struct KvRead {
  std::string key;
  std::optional<std::string> value;
};
struct KvWrite {
  std::string key, value;
};
struct KvDelete {
  std::string key;
};
struct KvKeys {
  std::vector<std::string> keys;
};
struct HttpGet {
  std::string url;
  std::string result = "refused (offline)";  // or "answered", "failed" (the web table)
};
// "callback": sys.Callback asked the driver to call two destinations.
struct Callback {
  std::string first;
  std::string second;
  int delay_seconds = 0;
  std::string result;  // "started", or why not
};

// "final": how the call ended for the caller.
struct Final {
  int status = 0;
  std::string reason;
  std::string kind;  // dialplan::done_kind_name
  std::vector<std::string> dialled;
  std::optional<int> plan_status;  // the plan's own status when the caller's differs
  std::string plan_reason;
  std::string answered_by, destination;  // empty = not answered
  std::vector<std::string> headers;
  struct Error {
    std::string kind, message;
    int line = 0;
  };
  std::optional<Error> error;  // script errors
};

using Body = std::variant<CallStart, Dial, Response, Cancel, DialResult, RedirectExecution,
                          Loopback, Provisional, Log, Wait, KvRead, KvWrite, KvDelete, KvKeys,
                          HttpGet, Callback, Final>;

struct Event {
  std::string call;  // the call's id
  double t = 0;      // simulated seconds since the call started, rounded to ms
  Body body;
  std::size_t execution = 0;  // 0: the call's plan; n: the n-th loop-back plan
};

}  // namespace sip::dialer::trace
