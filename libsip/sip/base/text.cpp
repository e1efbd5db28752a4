#include "sip/base/text.hpp"

#include <array>

namespace sip {
namespace detail {

namespace {
constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t v = 0;
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (digit) v |= kCharDigit;
    if (alpha) v |= kCharAlpha;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kCharHex;
    if (digit || alpha) v |= kCharToken | kCharUnreserved;
    switch (c) {
      case '-':
      case '.':
      case '!':
      case '%':
      case '*':
      case '_':
      case '+':
      case '`':
      case '\'':
      case '~': v |= kCharToken; break;
      default: break;
    }
    switch (c) {
      case '-':
      case '_':
      case '.':
      case '!':
      case '~':
      case '*':
      case '\'':
      case '(':
      case ')': v |= kCharUnreserved; break;
      default: break;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') v |= kCharWs;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}
}  // namespace

const std::array<std::uint8_t, 256> kCharClass = make_table();

}  // namespace detail

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}


std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max) noexcept {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::size_t quoted_string_length(std::string_view s) noexcept {
  if (s.empty() || s[0] != '"') return 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;  // quoted-pair: skip the next octet (if any)
      continue;
    }
    if (s[i] == '"') return i + 1;
  }
  return 0;
}

std::size_t find_unquoted(std::string_view s, char sep) noexcept {
  bool in_angle = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      const std::size_t n = quoted_string_length(s.substr(i));
      if (n == 0) return std::string_view::npos;  // unterminated: no separator
      i += n - 1;
      continue;
    }
    if (c == '<')
      in_angle = true;
    else if (c == '>')
      in_angle = false;
    else if (c == sep && !in_angle)
      return i;
  }
  return std::string_view::npos;
}

}  // namespace sip
