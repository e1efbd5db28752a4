// NDJSON output (--json): one JSON object per line, flushed at once so that
// a pipe reader sees each event as it happens. Every object gets an "event"
// name and a "ts" wall-clock time (RFC 3339, UTC, milliseconds) first.
// Thread-safety: one writer per thread; the stream is not locked.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

namespace sipsmith::cli {

// Objects keep their insertion order, so lines read naturally.
using Json = nlohmann::ordered_json;

class NdjsonWriter {
 public:
  explicit NdjsonWriter(std::ostream& out) : out_(out) {}

  // Writes {"event":<event>,"ts":...,<fields...>} and a newline. `fields`
  // must be an object (or null); its "event"/"ts" keys are overwritten.
  void write(std::string_view event, const Json& fields = Json::object());

 private:
  std::ostream& out_;
};

// "2024-05-01T12:00:00.123Z"
std::string rfc3339_now();

}  // namespace sipsmith::cli
