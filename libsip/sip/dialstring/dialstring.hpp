// Dial strings (docs/dialling.md): stages separated by '|', parallel
// legs separated by '&', each leg "destination[options]", e.g.
//   123@provider1&456@provider2[dt=5]|789@provider3
// plus the legacy single-leg form "username,password,uri[,From[,socket[,trace]]]".
// One parser for the daemon and every tool. Pure syntax, no I/O; substitute
// variables first (substitute.hpp), resolve destinations later (the caller).
// Thread-safety: pure functions over plain values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/dialstring/options.hpp"

namespace sip::dialstring {

struct Leg {
  std::string destination;  // as written (trimmed), e.g. "sip:a@b;transport=tcp"
  LegOptions options;       // typed form of raw_options
  std::string raw_options;  // text between '[' and ']' (trimmed), empty when none

  bool operator==(const Leg&) const = default;
};

struct Stage {
  std::vector<Leg> legs;  // never empty after parsing
  bool operator==(const Stage&) const = default;
};

struct DialString {
  std::vector<Stage> stages;  // empty for an empty or all-white-space text
  bool operator==(const DialString&) const = default;
};

// The Asterisk-style single-leg form. Fields are trimmed; optional ones are
// empty when absent.
struct LegacyDial {
  std::string username;
  std::string password;
  std::string uri;
  std::string from;
  std::string send_to_socket;
  std::string trace;

  bool operator==(const LegacyDial&) const = default;
};

struct Limits {
  std::size_t max_length = 4096;                 // bytes of dial string text
  std::size_t max_legs = 100;                    // non-empty legs over all stages (parse time)
  std::size_t max_options = kDefaultMaxOptions;  // items inside one [...]
};

struct ParseSettings {
  Limits limits;
  // Recognise the legacy form (the reference only allows it to some
  // customers; a caller that does not want it sets false).
  bool allow_legacy = true;
};

struct Parsed {
  DialString dial;                   // empty when `legacy` is set
  std::optional<LegacyDial> legacy;  // set when the text is the legacy form
  std::vector<Note> notes;           // skipped empty legs/stages, unknown options, ...
};

// The legacy form: no '[' and "something,something,something" (at least three
// comma-separated fields, the first three non-empty after trimming).
bool looks_like_legacy(std::string_view text) noexcept;

// Splits a dial string. '|' and '&' split only outside [...], <...> and
// double-quoted strings; parts are trimmed; empty legs and stages are skipped
// with a note. A '[' directly after '@' or a scheme ':' (or at the start of a
// leg) whose content is an IPv6 address is part of the destination
// ("sip:1@[2001:db8::1]:5060[dt=5]"); any other '[' opens the options, which
// must end the leg. Every destination is checked with parse_destination().
// Errors (never exceptions; offset = byte in `text`):
//   limit_reached  text longer than max_length, more than max_legs legs or
//                  more than max_options options in a leg
//   bad_value      unterminated '[', '<' or quote; stray ']' or '>'; nested
//                  '[' in options; text after ']'; options without a
//                  destination; a bad option value (see parse_leg_options)
//   bad_uri        a destination that parse_destination() rejects
//   out_of_range   see parse_leg_options
Result<Parsed> parse(std::string_view text, const ParseSettings& settings = {});

// The legacy form only: 3 to 6 comma-separated fields, the first three
// non-empty. Errors: limit_reached (length), bad_value (offset of the field).
Result<LegacyDial> parse_legacy(std::string_view text, const Limits& limits = {});

// Dial string text: legs joined by '&', stages by '|', each leg written as
// destination + "[" + raw_options + "]" (brackets only when raw_options is
// not empty; an empty "[]" is appended when the text would otherwise read as
// the legacy form). For any x that parse() produced,
// parse(to_string(x)).dial == x.
std::string to_string(const DialString& dial);
// "username,password,uri[,from[,socket[,trace]]]" (trailing empty fields dropped).
std::string to_string(const LegacyDial& legacy);

}  // namespace sip::dialstring
