// Simple wizard dial plans (SIPSorcery's Simple Wizard): a JSON
// document of rules (format in docs/wizard-plan.md and plan_json.cpp) compiled
// into an immutable plan whose executions walk the matching rules in
// priority order and yield one Dial (or the final Reject) per rule; an answer
// or a reject stops, a failed Dial falls through to the next matching rule;
// the end is decided by the shared outcome rules (dialplan/outcome.hpp).
// Time windows use CallContext::clock and CallContext::time_zone.
// Thread-safety: WizardCompiler and compiled plans are immutable and may be
// shared; an execution belongs to the thread that drives it.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sip/dialplan/execution.hpp"
#include "sip/wizard/rules.hpp"

namespace sip::wizard {

struct WizardLimits {
  std::size_t max_source_bytes = 1024 * 1024;
  std::size_t max_rules = 1000;
  std::size_t max_pattern_bytes = 1024;  // also for "to" regexes
  std::int64_t regex_max_mem = 1 << 20;  // RE2 memory budget per regex
};

// Parses and validates a wizard plan document. On error the Diagnostic has
// the 1-based line and column of the offending value and a message naming
// the rule ("rules[3].pattern_type: ..."). Regexes are checked too.
std::variant<std::vector<Rule>, dialplan::Diagnostic> parse_wizard_document(
    std::string_view json, const WizardLimits& limits = {});

// The RE2 pattern (anchored at the start) a Prefix pattern stands for:
// "_011353X." -> "^011353[0-9].".
std::string prefix_to_regex(std::string_view pattern);

class WizardCompiler final : public dialplan::Compiler {
 public:
  explicit WizardCompiler(WizardLimits limits = {}) : limits_(limits) {}
  dialplan::CompileResult compile(std::string_view name, std::string_view source) const override;

 private:
  WizardLimits limits_;
};

}  // namespace sip::wizard
