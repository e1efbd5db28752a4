// Loop-backs (docs/dialling.md): a leg to an account with its own in dial
// plan runs that plan as a child execution of the same call. One rule for
// sipproxyd and the Simulation: how deep they nest, and what the child
// execution sees (an In call to the account from the leg's From) and
// routes with. Thread-safety: plain functions.
#pragma once

#include <cstddef>

#include "sip/dialplan/call_context.hpp"
#include "sip/routing/router.hpp"
#include "sip/store/types.hpp"

namespace sip::dialer {

// Loop-backs nest at most this deep; the next one fails its leg with 482.
inline constexpr std::size_t kMaxLoopDepth = 4;

// The child's request: `request` (the call's, or empty) with the leg's
// request-URI, To and From.
void apply_loopback_request(const routing::ResolvedLeg& target, dialplan::RequestView& request);

// The child's request variables and caller identity for routing, as the
// account's In call from the leg's From; its `executing_plan` is the
// account's in dial plan (the loop guard).
routing::ResolveInput loopback_base(const routing::ResolvedLeg& target,
                                    const store::SipAccount& account);

}  // namespace sip::dialer
