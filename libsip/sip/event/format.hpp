// The console's readable line for an event, one implementation for sipctl
// console and dialplan-test: "HH:MM:SS.mmm type what [owner] message",
// times in UTC; a full SIP trace adds the message on the following lines.
// With `colour` the type is coloured by level (ANSI; callers decide whether
// their output is a terminal). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "sip/event/event.hpp"

namespace sip::event {

std::string format_line(const Event& e, bool colour = false);
// "dropped N events (queue full; M in all)"
std::string format_dropped(std::uint64_t n, std::uint64_t total);

}  // namespace sip::event
