// Simple wizard rule records (SIPSorcery's Simple Wizard): direction,
// priority, a pattern on the dialled number (out) or on the caller (in), the
// called-account match and time window of incoming rules, and one command.
// Plain values as read from a wizard plan document (plan_json.hpp); the
// compiled matchers live in WizardPlan. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sip::wizard {

enum class RuleDirection : std::uint8_t { In, Out };

// How a pattern is matched. Exact: string equality. Prefix: Asterisk-like,
// anchored at the start only: a leading '_' is dropped, X = [0-9], Z = [1-9],
// N = [2-9], '.' = any one character, '*' '+' '#' literal, '[...]' a class,
// other characters literal. Regex: RE2 syntax, unanchored (use ^ and $).
enum class PatternType : std::uint8_t { Exact, Prefix, Regex };

// Which called account an incoming rule applies to.
enum class ToMatch : std::uint8_t {
  Any,
  Account,   // parameter: "user@domain" (domain may be an alias) or "user"
  Provider,  // parameter: provider tag, from a dotted user "tag.user@domain"
  Regex,     // parameter: RE2 regex on "user@canonical-domain", unanchored
};

enum class Command : std::uint8_t { Dial, DialAdvanced, Reject };

// Days + HH:MM-HH:MM in the owner's time zone, inclusive at both ends at
// minute precision. start > end is an overnight window: it belongs to the day
// it starts on ("F 22:00-06:00" = Friday 22:00 to Saturday 06:00).
struct TimeWindow {
  std::uint8_t days = 0x7f;  // bit 0 = Monday ... bit 6 = Sunday
  int start_minute = 0;      // 0..1439
  int end_minute = 1439;
};

struct Rule {
  std::size_t index = 0;  // position in the document's "rules" array
  RuleDirection direction = RuleDirection::Out;
  double priority = 1;  // lower runs first; ties keep document order
  std::string description;
  bool enabled = true;

  // Out: the dialled number. In: the caller (From display name or URI);
  // empty = any caller.
  PatternType pattern_type = PatternType::Exact;
  std::string pattern;

  // In only.
  ToMatch to_match = ToMatch::Any;
  std::string to;
  std::optional<TimeWindow> time;

  Command command = Command::Dial;
  // Dial: dial string = destination + "@" + provider (destination defaults
  // to "${EXTEN}"; a destination that already holds '@' or a sip: URI is
  // dialled as written when provider is empty).
  std::string destination = "${EXTEN}";
  std::string provider;
  // DialAdvanced: a full dial string; ring time 0 = the maximum.
  std::string dial_string;
  int ring_seconds = 0;
  int answered_limit_seconds = 0;
  // Reject.
  int status = 480;
  std::string reason;
};

// Names used in documents and traces ("in", "exact", "dial_advanced", ...).
const char* rule_direction_name(RuleDirection d) noexcept;
const char* pattern_type_name(PatternType t) noexcept;
const char* to_match_name(ToMatch m) noexcept;
const char* command_name(Command c) noexcept;

// The dial string a Dial/DialAdvanced rule asks for (before substitution).
std::string rule_dial_string(const Rule& rule);

// Parses "MTuWThFSaSu;HH:MM-HH:MM" (SIPSorcery's form; the days part may be
// empty = every day, or "*"). nullopt with `error` set on a bad text.
std::optional<TimeWindow> parse_time_window(std::string_view text, std::string* error);
// True when local minute-of-week `weekday` (0 = Monday) / `minute` (0..1439)
// falls inside the window.
bool window_contains(const TimeWindow& w, int weekday, int minute) noexcept;

}  // namespace sip::wizard
