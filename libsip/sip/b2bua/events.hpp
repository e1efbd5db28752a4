// The call manager's console events (sip/event): calls, legs, dial plan
// log lines and script errors. Each helper is one line at its call site
// and returns at once when nobody subscribed to its event type (no
// allocation then). Private to the b2bua module; core thread only.
#pragma once

#include <string_view>

#include "sip/b2bua/call_impl.hpp"

namespace sip::b2bua {

void emit_call(event::Bus* bus, const Call& call, CallEvent::Kind kind, int status,
               std::string_view reason);
// A change of a bridged call's parties (type call): `what` is
// "transferred", "joined", "replaced" or a failure ("transfer_failed",
// "replace_failed": warn).
void emit_call_note(event::Bus* bus, const Call& call, std::string_view what, bool warn,
                    std::string message);
// An outgoing call refused by the call limits (type security, what
// "call_limit", warn; the customer's own event).
void emit_limit(event::Bus* bus, store::Id owner, const std::string& owner_name,
                const std::string& account, std::string message);
// `what`: "dialled", "answered", "failed".
void emit_leg(event::Bus* bus, const Call& call, const Leg& leg, std::string_view what, int status,
              std::string_view reason);
void emit_plan_log(event::Bus* bus, const Call& call, const PlanRun& plan,
                   const dialplan::Log& line);
void emit_script_error(event::Bus* bus, const Call& call, const PlanRun& plan,
                       const dialplan::Done& done);

}  // namespace sip::b2bua
