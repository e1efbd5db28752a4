// sipctl console: prints the stream of a console.subscribe request whose
// answer `client` has read: NDJSON as the daemon sends it (--json) or the
// console's readable lines (sip/event/format), coloured only on a terminal
// without $NO_COLOR. Stops after --count events, after --seconds, or when
// the daemon goes away. Thread-safety: main thread.
#pragma once

#include <iosfwd>

#include "common/control_client.hpp"
#include "options.hpp"

namespace sipsmith::sipctl {

// The exit status: 0 after --count/--seconds, 3 when the daemon closed.
int run_console(const Args& args, cli::ControlClient& client, std::ostream& out);

}  // namespace sipsmith::sipctl
