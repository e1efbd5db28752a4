// Character classes of RFC 3261 section 25 and small text helpers used by
// every parser: LWS trimming, bounded unsigned number parsing, quoted strings.
// All functions are pure, noexcept and never read outside the given view.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sip {

namespace detail {
enum : std::uint8_t {
  kCharToken = 1,  // token chars: alphanum - . ! % * _ + ` ' ~
  kCharWs = 2,     // SP, HT, CR, LF
  kCharDigit = 4,
  kCharAlpha = 8,
  kCharHex = 16,
  kCharUnreserved = 32,  // alphanum - _ . ! ~ * ' ( )
};
extern const std::array<std::uint8_t, 256> kCharClass;
}  // namespace detail

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_token_char(char c) noexcept {
  return detail::kCharClass[static_cast<unsigned char>(c)] & detail::kCharToken;
}
inline bool is_hex(char c) noexcept {
  return detail::kCharClass[static_cast<unsigned char>(c)] & detail::kCharHex;
}
inline bool is_unreserved(char c) noexcept {
  return detail::kCharClass[static_cast<unsigned char>(c)] & detail::kCharUnreserved;
}
// SP / HT / CR / LF: linear white space once folding is resolved.
constexpr bool is_lws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_token(std::string_view s) noexcept;  // non-empty, all token chars

// Inline: the parser calls these for every header and parameter.
constexpr std::string_view trim_lws_left(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_lws(s[i])) ++i;
  return s.substr(i);
}
constexpr std::string_view trim_lws_right(std::string_view s) noexcept {
  std::size_t n = s.size();
  while (n > 0 && is_lws(s[n - 1])) --n;
  return s.substr(0, n);
}
constexpr std::string_view trim_lws(std::string_view s) noexcept {
  return trim_lws_right(trim_lws_left(s));
}

// Decimal digits only (leading zeros allowed, no sign, no spaces). Empty
// optional when empty, not all digits, or above `max`.
std::optional<std::uint64_t> parse_uint(std::string_view s,
                                        std::uint64_t max = UINT64_MAX) noexcept;

// Given s starting at '"', returns the length up to and including the closing
// quote, honouring quoted-pairs; 0 when unterminated.
std::size_t quoted_string_length(std::string_view s) noexcept;

// Splits `s` at the first `sep` outside double quotes and angle brackets.
// Returns the position of the separator or npos.
std::size_t find_unquoted(std::string_view s, char sep) noexcept;

}  // namespace sip
