// fuzz_config: one libFuzzer input = one sipproxyd config file.
//
// What it checks:
//  * parse_config() either gives a config or an error with a message;
//  * a config it accepts is written back (config_to_json, what
//    --check-config prints) as text that parses again to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/engine/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string message;
  const auto cfg = sip::engine::parse_config(text, "/nonexistent/fuzz", &message);
  if (!cfg) {
    if (message.empty()) __builtin_trap();  // refused without saying why
    return 0;
  }
  const std::string dumped = sip::engine::config_to_json(*cfg);
  std::string again_message;
  const auto again = sip::engine::parse_config(dumped, "/nonexistent/fuzz", &again_message);
  if (!again) __builtin_trap();  // its own output does not parse
  if (sip::engine::config_to_json(*again) != dumped) __builtin_trap();
  return 0;
}
