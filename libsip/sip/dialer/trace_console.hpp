// The console events (sip/event) of a simulated call: dialplan-test's
// --console prints them as the live console prints the daemon's, so a
// user sees the same lines offline: call created/answered/ended, leg
// dialled/answered/failed, the plan's sys.Log lines and script errors.
// Times are the simulated clock's (the call's start plus its offset).
// Thread-safety: one TraceConsole per simulation thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sip/dialer/trace.hpp"
#include "sip/event/event.hpp"

namespace sip::dialer {

class TraceConsole {
 public:
  // The events `e` stands for (none for trace events the console does not
  // show: key/value actions, waits, provisional responses ...).
  std::vector<event::Event> events(const trace::Event& e);

 private:
  event::Event base(const trace::Event& e, event::Type type, std::string what) const;
  std::int64_t start_ms_ = 0;
  std::string account_, plan_, direction_;
  std::vector<std::string> leg_uris_;  // the running Dial's legs, by index
};

}  // namespace sip::dialer
