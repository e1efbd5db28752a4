// The JSON of console events (docs/console.md), one shape for the control
// socket's console.subscribe stream, the HTTP API's event stream, sipctl
// console and dialplan-test: {"type", "what", "time", "level", "owner",
// "account", "call_id", "bridge_id", "remote", "local", "method", "status",
// "line", "message"}; a drop notice is {"type": "dropped", "count",
// "total", "time"}. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sip/event/bus.hpp"
#include "sip/event/event.hpp"

namespace sip::control {

nlohmann::json event_json(const event::Event& e);
// nullopt when `j` is not an event object (a drop notice, anything else).
std::optional<event::Event> event_from_json(const nlohmann::json& j);
nlohmann::json dropped_json(std::uint64_t count, std::uint64_t total, std::int64_t time);
// One batch as NDJSON lines (each ends in '\n'): the drop notice first
// when events were dropped since the previous batch.
std::string batch_lines(const event::Subscription::Batch& batch);

}  // namespace sip::control
