// fuzz_event_filter: one libFuzzer input = one console filter (docs/console.md).
//
// What it checks:
//  * parse() either gives a filter or says why (a non-empty error);
//  * the canonical text of a parsed filter parses again to the same text and
//    the same type mask (a fixed point), and both match the same events;
//  * matching never fails on events with hostile field contents.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/event/filter.hpp"

namespace {

using sip::event::Event;
using sip::event::Filter;
using sip::event::Level;
using sip::event::Type;

Event sample(Type type, Level level, std::string_view message) {
  Event e;
  e.type = type;
  e.level = level;
  e.what = "x";
  e.owner_id = 1;
  e.owner = "demo";
  e.account = "alice@sipsmith.test";
  e.remote = "udp:192.0.2.1:5060";
  e.local = "udp:127.0.0.1:5060";
  e.method = "REGISTER";
  e.message = std::string(message);
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto filter = Filter::parse(text, &error);
  if (!filter) {
    if (error.empty()) __builtin_trap();  // refused without saying why
    return 0;
  }
  std::string again_error;
  const auto again = Filter::parse(filter->text(), &again_error);
  if (!again) __builtin_trap();  // its own canonical text does not parse
  if (again->text() != filter->text() || again->type_mask() != filter->type_mask())
    __builtin_trap();
  const Event events[] = {
      sample(Type::Sip, Level::Info, text),
      sample(Type::Security, Level::Warn, "blocked"),
      sample(Type::Call, Level::Error, std::string_view("\0\xff and \n", 9)),
      sample(Type::Registration, Level::Info, ""),
  };
  for (const Event& e : events)
    if (filter->matches(e) != again->matches(e)) __builtin_trap();
  return 0;
}
