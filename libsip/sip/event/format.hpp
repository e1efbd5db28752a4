// The console's readable line for an event, one implementation for sipctl
// console and dialplan-test: "HH:MM:SS.mmm type what [owner] message",
// times in UTC; a full SIP trace adds the message on the following lines.
// With `colour` the type is coloured by level (ANSI; callers decide whether
// their output is a terminal). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sip/event/event.hpp"

namespace sip::event {

std::string format_line(const Event& e, bool colour = false);
// "dropped N events (queue full; M in all)"
std::string format_dropped(std::uint64_t n, std::uint64_t total);

// The messages of call, leg and script error events, shared by the daemon
// and dialplan-test so both print the same lines.
// "out call from <from> to <uri> (dial plan P)"
std::string call_created_text(std::string_view direction, std::string_view from,
                              std::string_view to, std::string_view plan);
// "dialled sip:x" / "failed sip:x: 486 Busy Here"
std::string leg_text(std::string_view what, std::string_view uri, int status,
                     std::string_view reason);
// "dial plan P: line N: message"
std::string script_error_text(std::string_view plan, int line, std::string_view message);

}  // namespace sip::event
