#include "sip/dialer/outcome_table.hpp"

#include <re2/re2.h>

#include <stdexcept>

namespace sip::dialer {

std::shared_ptr<const re2::RE2> compile_match(const std::string& pattern) {
  std::string re;
  if (pattern.rfind("regex:", 0) == 0) {
    re = pattern.substr(6);
  } else {
    re = "^";
    for (char ch : pattern) {
      if (ch == '*') {
        re += ".*";
      } else if (ch == '?') {
        re += '.';
      } else {
        re += RE2::QuoteMeta(std::string(1, ch));
      }
    }
    re += "$";
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  auto compiled = std::make_shared<const RE2>(re, options);
  if (!compiled->ok()) throw std::invalid_argument("bad regular expression: " + compiled->error());
  return compiled;
}

bool matches(const re2::RE2& re, const std::string& text) {
  return RE2::PartialMatch(text, re);
}

const OutcomeRule& OutcomeTable::find(const std::string& call_id,
                                      const std::vector<std::string>& candidates) const {
  for (const auto& rule : rules) {
    if (!rule.call.empty() && rule.call != call_id) continue;
    for (const auto& c : candidates)
      if (!c.empty() && matches(*rule.re, c)) return rule;
  }
  return fallback;
}

}  // namespace sip::dialer
