#include "times.hpp"

#include <chrono>
#include <cstdio>

#include "sip/base/civil_time.hpp"

namespace sipsmith::cdrq {
namespace {

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += width;
  out = v;
  return true;
}

std::optional<std::int64_t> parse_age(std::string_view s, std::int64_t now_ms) {
  if (s.size() < 2 || s.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    n = n * 10 + (s[i] - '0');
  }
  std::int64_t unit = 0;
  switch (s.back()) {
    case 's': unit = 1000; break;
    case 'm': unit = 60'000; break;
    case 'h': unit = 3'600'000; break;
    case 'd': unit = 86'400'000; break;
    case 'w': unit = 7 * 86'400'000LL; break;
    default: return std::nullopt;
  }
  return now_ms - n * unit;
}

std::optional<std::int64_t> parse_iso(std::string_view s) {
  std::size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits(s, p, 4, year) || p >= s.size() || s[p++] != '-' || !digits(s, p, 2, month) ||
      p >= s.size() || s[p++] != '-' || !digits(s, p, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    ++p;
    if (!digits(s, p, 2, hour) || p >= s.size() || s[p++] != ':' || !digits(s, p, 2, minute))
      return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!digits(s, p, 2, second)) return std::nullopt;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        // Milliseconds from up to 9 fraction digits.
        int scale = 100;
        std::size_t n = 0;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9' && n < 9) {
          millis += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
          ++n;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
      ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
      const int sign = s[p++] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!digits(s, p, 2, oh)) return std::nullopt;
      if (p < s.size() && s[p] == ':') ++p;
      if (!digits(s, p, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (p != s.size()) return std::nullopt;
  const std::int64_t days =
      sip::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  return seconds * 1000 + millis;
}

}  // namespace

std::optional<std::int64_t> parse_time(std::string_view text, std::int64_t now_ms) {
  if (text == "now") return now_ms;
  if (auto age = parse_age(text, now_ms)) return age;
  return parse_iso(text);
}

void append_iso_utc(std::string& out, std::int64_t ms) {
  std::int64_t days = ms / 86'400'000;
  std::int64_t rest = ms % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  const sip::CivilDate d = sip::civil_from_days(days);
  char buf[40];
  const int n = std::snprintf(
      buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(d.year),
      d.month, d.day, static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
      static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? n : sizeof buf - 1);
}

std::string iso_utc(std::int64_t unix_ms) {
  std::string out;
  append_iso_utc(out, unix_ms);
  return out;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sipsmith::cdrq
