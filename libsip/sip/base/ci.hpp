// Case-insensitive ASCII helpers for SIP tokens (header names, schemes,
// parameter names, hosts). Locale-independent, allocation-free, noexcept.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sip {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool ci_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

constexpr bool ci_starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && ci_equal(s.substr(0, prefix.size()), prefix);
}

// Three-way compare, ASCII case folded.
int ci_compare(std::string_view a, std::string_view b) noexcept;

struct CiLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    return ci_compare(a, b) < 0;
  }
};

// FNV-1a over the lower-cased bytes.
struct CiHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept;
};

struct CiEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return ci_equal(a, b); }
};

std::string to_lower(std::string_view s);

}  // namespace sip
