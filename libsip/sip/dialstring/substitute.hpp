// Request-variable substitution for dial strings, provider From templates and
// custom headers (docs/dialling.md): ${dst}, ${exten}, ${dst:N},
// ${exten:N}, ${fromname}, ${fromuriuser}, ${fromaor}.
// Pure function over plain values; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"

namespace sip::dialstring {

// What the variables stand for; the caller fills it from the request.
struct SubstitutionContext {
  std::string dst;        // request-URI user (${dst}, ${exten})
  std::string from_name;  // From display name (${fromname})
  std::string from_user;  // From URI user (${fromuriuser})
  std::string from_aor;   // From address-of-record user@host (${fromaor})
};

enum class SubstituteMode : unsigned char {
  // For dial strings: every byte of a substituted value that the dial string
  // grammar treats as structure ( | & [ ] < > " , \ ) or that is a control
  // character is written as %HH, so a caller-controlled value (a request-URI
  // user "1&0900@premium", a From name "x,tr=p") cannot add legs, stages or
  // options. %HH is the URI escape, so user parts keep their meaning.
  DialString,
  // Values copied verbatim (From templates, header values; the caller
  // escapes for its own syntax).
  Raw,
};

inline constexpr std::size_t kDefaultMaxSubstituted = 16 * 1024;

// Replaces the variables in one left-to-right pass; substituted text is never
// scanned again. Names are ASCII case-insensitive. ${dst:N}/${exten:N} drop the
// first N characters, or leave the value unchanged when N >= its length (as
// the reference). Missing values give empty text. Anything else that looks
// like a variable (${foo}, ${dst:x}, "${dst" without '}', or more than 64
// bytes between "${" and "}") is left as written.
// Error: limit_reached (offset = the variable in `text`) when the output
// would exceed `max_output` bytes.
Result<std::string> substitute(std::string_view text, const SubstitutionContext& ctx,
                               SubstituteMode mode = SubstituteMode::DialString,
                               std::size_t max_output = kDefaultMaxSubstituted);

}  // namespace sip::dialstring
