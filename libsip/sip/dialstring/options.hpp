// Per-leg dial string options: the text inside "[...]" after a leg's
// destination, e.g. "dt=5,cd=3600,fu=anon,tr=p" (docs/dialling.md).
// Pure syntax: parse_leg_options() turns the text into typed LegOptions and
// never performs I/O. Thread-safety: pure functions over plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"

namespace sip::dialstring {

// `tr`: what happens to a REFER received on the call this leg creates.
enum class TransferMode : std::uint8_t {
  None,         // default: REFER refused
  PassThrough,  // tr=p: relayed to the other side of the call
  Consume,      // tr=c: handled here by the owner's "transfer" dial plan
};

// `rm`: what a 3xx answer on this leg does. Default (no `rm`) is the product
// brief's inline mode: the leg fails and Dial returns Redirect with the
// Contact in sys.RedirectURI (the call manager implements it).
enum class RedirectMode : std::uint8_t {
  Default,       // no rm option
  NewExecution,  // rm=n: the dial plan runs again with sys.Redirect == true
  Manual,        // rm=m: the 3xx leg counts as failed, Dial returns Redirect
};

const char* transfer_mode_name(TransferMode m) noexcept;  // "none", "pass_through", "consume"
const char* redirect_mode_name(RedirectMode m) noexcept;  // "default", "new_execution", "manual"

inline constexpr std::uint32_t kMaxDelaySeconds = 120;
inline constexpr std::uint32_t kMaxCallDurationSeconds = 2147483647;  // INT32_MAX
inline constexpr std::size_t kDefaultMaxOptions = 32;

// Typed options of one leg. Keys are matched exactly (ASCII case-insensitive,
// surrounding white space ignored); the reference's "key prefix anywhere"
// matching is NOT reproduced. Keys the parser does not act on (including the
// reference's rcd, ac, rc, swln, swcid, swo, dr, ir) land in `unknown`.
struct LegOptions {
  std::optional<std::uint32_t> delay;             // dt: seconds, clamped to 0..120
  std::optional<std::uint32_t> call_duration;     // cd: seconds; 0 = no limit
  bool mangle = true;                             // ma: SDP private-address mangling
  std::optional<std::string> from_display;        // fd (an empty value = not set)
  std::optional<std::string> from_user;           // fu (an empty value = not set)
  std::optional<std::string> from_host;           // fh (an empty value = not set)
  TransferMode transfer = TransferMode::None;     // tr: n / p / c
  RedirectMode redirect = RedirectMode::Default;  // rm: n / m
  std::vector<std::string> unknown;               // unknown keys as written, in order

  bool operator==(const LegOptions&) const = default;
};

// Something the parser accepted but a caller may want to log.
enum class NoteKind : std::uint8_t {
  EmptyLeg,         // "a@b&&c@d": the empty leg is skipped
  EmptyStage,       // "a@b||c@d": the empty stage is skipped
  UnknownOption,    // key not acted on; the option is ignored
  DuplicateOption,  // a known key given twice: the last one wins
  Clamped,          // a value was clamped to its range (dt)
};
const char* note_kind_name(NoteKind k) noexcept;  // "empty_leg", ...

struct Note {
  NoteKind kind = NoteKind::EmptyLeg;
  std::uint32_t offset = 0;  // byte offset in the parsed text
  std::string text;          // human sentence, e.g. "unknown option 'xy' ignored"

  bool operator==(const Note&) const = default;
};

// Parses the text between '[' and ']' (without the brackets). Options are
// comma-separated "key=value"; a value may be a double-quoted string (quotes
// removed, backslash escapes resolved) so it can hold ',' or ']'. Empty items
// are skipped. `base_offset` is added to every offset reported (the position
// of `text` in a larger input). Errors (never exceptions):
//   bad_value     a known key without '=' or with a malformed value
//                 (dt=abc, ma=maybe, tr=x, rm=a, unterminated quote)
//   out_of_range  cd above kMaxCallDurationSeconds or negative
//   limit_reached more than `max_options` items
// Notes (unknown keys, duplicates, clamping) are appended to `notes` when given.
Result<LegOptions> parse_leg_options(std::string_view text, std::size_t base_offset = 0,
                                     std::size_t max_options = kDefaultMaxOptions,
                                     std::vector<Note>* notes = nullptr);

// Canonical text of the typed options ("dt=5,cd=60,ma=false,fu=anon,tr=p"),
// only fields that differ from the defaults, values quoted when they need it.
// Unknown keys are not emitted. parse_leg_options(canonical) gives the same
// typed fields back.
std::string canonical_options(const LegOptions& options);

}  // namespace sip::dialstring
