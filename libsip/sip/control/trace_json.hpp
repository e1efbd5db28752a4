// The NDJSON form of a simulated call's trace (dialer::trace::Event): one
// object per event, {"event": name, "call": id, "t": seconds, ...fields},
// as dialplan-test prints it and the daemon's dry run returns it. Names and
// fields are documented in man dialplan-test; scripts rely on them.
// Thread-safety: pure function.
#pragma once

#include <nlohmann/json.hpp>

#include "sip/dialer/trace.hpp"

namespace sip::control {

// Fields in the documented order (dialplan-test's output).
nlohmann::ordered_json trace_event_json(const dialer::trace::Event& event);
// The same object as a plain json value (control results; keys sorted).
nlohmann::json trace_event_value(const dialer::trace::Event& event);

}  // namespace sip::control
