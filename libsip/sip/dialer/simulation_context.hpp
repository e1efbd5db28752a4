// Internal to the Simulation (simulation.cpp): the dial plan context and
// routing input of a simulated call and of a loop-back's child execution,
// built the way sipproxyd builds them from a real INVITE, and the trace form
// of a resolved leg. Thread-safety: plain functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sip/base/clock.hpp"
#include "sip/dialer/lookups.hpp"
#include "sip/dialer/simulation.hpp"
#include "sip/dialer/trace.hpp"
#include "sip/dialplan/call_context.hpp"
#include "sip/routing/router.hpp"
#include "sip/store/types.hpp"

namespace sip::dialer {

// Fills the From parts of `req` from a whole From value
// ("Alice" <sip:1001@x>;tag=1 or sip:1001@x;tag=1).
void parse_from(const std::string& value, dialplan::RequestView& req);

// The context of a simulated call at `start` (unix seconds) running the
// plan named `plan_name`.
dialplan::CallContext call_context(const SimulationSetup& setup, const SimulatedCall& call,
                                   const std::string& plan_name, Lookups& lookups,
                                   const Clock& clock, std::int64_t start);
// Its request variables and caller identity for routing.
routing::ResolveInput call_resolve_base(const SimulationSetup& setup,
                                        const dialplan::CallContext& ctx);

// A loop-back leg's child execution: an In call to `account` (seen as
// `view`) from the leg's From, running the account's in dial plan.
struct LoopbackStart {
  dialplan::CallContext ctx;
  routing::ResolveInput base;
};
LoopbackStart loopback_start(const routing::ResolvedLeg& target, const store::SipAccount& account,
                             const dialplan::AccountView& view, const SimulationSetup& setup,
                             const SimulatedCall& call, Lookups& lookups, const Clock& clock);

trace::DialLeg trace_leg(std::size_t i, const routing::ResolvedLeg& l, bool body_replaced);

}  // namespace sip::dialer
