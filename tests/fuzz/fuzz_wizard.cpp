// fuzz_wizard: one libFuzzer input = one simple wizard plan document (the
// JSON customers store as a "wizard" dial plan).
//
// What it checks:
//  * parse_wizard_document() either gives rules or a diagnostic with a
//    message and a position inside the input (line/column 0 = unknown);
//  * the wizard compiler agrees with it (a document that parses compiles,
//    one that does not is refused), within the bounded regex memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "sip/wizard/wizard_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = sip::wizard::parse_wizard_document(text);
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  if (const auto* error = std::get_if<sip::dialplan::Diagnostic>(&parsed)) {
    if (error->message.empty()) __builtin_trap();
    if (error->line < 0 || static_cast<std::size_t>(error->line) > lines) __builtin_trap();
  }
  const sip::wizard::WizardCompiler compiler;
  const auto compiled = compiler.compile("fuzz", text);
  if (compiled.ok() != std::holds_alternative<std::vector<sip::wizard::Rule>>(parsed))
    __builtin_trap();
  return 0;
}
