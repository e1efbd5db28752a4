#include "sip/wizard/rules.hpp"

#include "sip/base/ci.hpp"

namespace sip::wizard {

const char* rule_direction_name(RuleDirection d) noexcept {
  switch (d) {
    case RuleDirection::In: return "in";
    case RuleDirection::Out: return "out";
  }
  return "?";
}

const char* pattern_type_name(PatternType t) noexcept {
  switch (t) {
    case PatternType::Exact: return "exact";
    case PatternType::Prefix: return "prefix";
    case PatternType::Regex: return "regex";
  }
  return "?";
}

const char* to_match_name(ToMatch m) noexcept {
  switch (m) {
    case ToMatch::Any: return "any";
    case ToMatch::Account: return "account";
    case ToMatch::Provider: return "provider";
    case ToMatch::Regex: return "regex";
  }
  return "?";
}

const char* command_name(Command c) noexcept {
  switch (c) {
    case Command::Dial: return "dial";
    case Command::DialAdvanced: return "dial_advanced";
    case Command::Reject: return "reject";
  }
  return "?";
}

std::string rule_dial_string(const Rule& rule) {
  if (rule.command == Command::DialAdvanced) return rule.dial_string;
  if (rule.command != Command::Dial) return {};
  const std::string dest = rule.destination.empty() ? "${EXTEN}" : rule.destination;
  if (rule.provider.empty()) return dest;
  return dest + "@" + rule.provider;
}

namespace {

struct DayToken {
  const char* text;
  int day;  // 0 = Monday
};
// Longest first, so "Tue" is not read as "Tu" + "e".
constexpr DayToken kDays[] = {{"mon", 0}, {"tue", 1}, {"wed", 2}, {"thu", 3}, {"fri", 4},
                              {"sat", 5}, {"sun", 6}, {"tu", 1},  {"th", 3},  {"sa", 5},
                              {"su", 6},  {"m", 0},   {"w", 2},   {"f", 4}};

bool parse_hhmm(std::string_view s, int& minute) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (s[i] < '0' || s[i] > '9') return false;
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return false;
  minute = h * 60 + m;
  return true;
}

}  // namespace

std::optional<TimeWindow> parse_time_window(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<TimeWindow> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  TimeWindow w;
  const auto semi = text.find(';');
  if (semi == std::string_view::npos)
    return fail("time window must read DAYS;HH:MM-HH:MM, e.g. \"MTuWThF;09:00-17:30\"");
  std::string_view days = text.substr(0, semi);
  std::string_view hours = text.substr(semi + 1);
  if (!days.empty() && days != "*") {
    w.days = 0;
    std::size_t i = 0;
    while (i < days.size()) {
      if (days[i] == ' ' || days[i] == ',') {
        ++i;
        continue;
      }
      bool found = false;
      for (const auto& d : kDays) {
        const std::string_view token = d.text;
        if (ci_starts_with(days.substr(i), token)) {
          w.days = static_cast<std::uint8_t>(w.days | (1u << d.day));
          i += token.size();
          found = true;
          break;
        }
      }
      if (!found)
        return fail("unknown day at \"" + std::string(days.substr(i)) +
                    "\" (days are M Tu W Th F Sa Su)");
    }
  }
  const auto dash = hours.find('-');
  if (dash == std::string_view::npos || !parse_hhmm(hours.substr(0, dash), w.start_minute) ||
      !parse_hhmm(hours.substr(dash + 1), w.end_minute))
    return fail("time range must read HH:MM-HH:MM (00:00 to 23:59), got \"" + std::string(hours) +
                "\"");
  return w;
}

bool window_contains(const TimeWindow& w, int weekday, int minute) noexcept {
  auto on = [&](int day) { return (w.days >> ((day % 7 + 7) % 7)) & 1u; };
  if (w.start_minute <= w.end_minute)
    return on(weekday) && minute >= w.start_minute && minute <= w.end_minute;
  // Overnight: the part after midnight belongs to the previous day.
  return (on(weekday) && minute >= w.start_minute) || (on(weekday - 1) && minute <= w.end_minute);
}

}  // namespace sip::wizard
