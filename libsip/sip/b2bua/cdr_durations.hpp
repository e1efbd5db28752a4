// The derived durations of a CDR, from its times (unix milliseconds), in
// whole seconds rounded down: ring = answered_at - progress_at, the first
// provisional response to the answer (0 when either is missing: a leg
// answered without ringing, or one that never answered); talk = hungup_at -
// answered_at (0 unless both). Thread-safety: pure function.
#pragma once

#include "sip/store/types.hpp"

namespace sip::b2bua {

void set_cdr_durations(store::Cdr& cdr) noexcept;

}  // namespace sip::b2bua
