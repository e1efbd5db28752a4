// The outcome table of a simulated network (dialplan-test, dry runs): which
// final response a leg gets and after how long, chosen by the first rule
// whose pattern (glob or RE2 regex) matches the leg's request-URI, its
// destination as written, or its account. Format: man dialplan-test.
// Thread-safety: immutable once built; share freely between threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace sip::dialer {

// One row of the outcome table.
struct OutcomeRule {
  std::string match;                   // glob ('*', '?') or "regex:<RE2>"
  std::shared_ptr<const re2::RE2> re;  // compiled regex or glob
  std::string call;                    // only for this call id (empty = any)
  int status = 480;                    // 0 = never answers (rings until the ring timeout)
  std::string reason;                  // empty = standard phrase
  double delay = 0;                    // seconds from leg start to the response
  std::string contact;                 // 3xx: the Contact URI
  int line = 0;                        // in the outcome file (0 = unknown)
};

struct OutcomeTable {
  std::vector<OutcomeRule> rules;
  OutcomeRule fallback;  // when nothing matches (default 480, no delay)
  // The first rule matching any of `candidates` for call `call_id`.
  const OutcomeRule& find(const std::string& call_id,
                          const std::vector<std::string>& candidates) const;
};

// Glob ('*' any run, '?' one character) or "regex:..." -> RE2 (full match
// for globs, partial for regexes; at most 1 MiB of RE2 memory). Throws
// std::invalid_argument on a bad regex.
std::shared_ptr<const re2::RE2> compile_match(const std::string& pattern);
bool matches(const re2::RE2& re, const std::string& text);

}  // namespace sip::dialer
