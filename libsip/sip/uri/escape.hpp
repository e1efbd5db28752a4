// %-escaping for URI components (RFC 3261 section 19.1.2 and 25.1).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sip::uri {

enum class Component { User, Password, Param, Header };

// True when `c` may appear unescaped in `component`: RFC 3261 unreserved plus
// user-unreserved "&=+$,;?/" (User), "&=+$," (Password), param-unreserved
// "[]/:&+$" (Param) or hnv-unreserved "[]/?:+$" (Header).
bool is_allowed(char c, Component component) noexcept;

// Decodes %HH sequences; an invalid escape ("%Z1") is kept literally.
// "%00" decodes to a NUL byte (RFC 4475 escnull: data, not a terminator).
std::string unescape(std::string_view s);

// Escapes every byte not allowed unescaped in `component`.
std::string escape(std::string_view s, Component component);

// Compares two escaped strings by their decoded bytes without allocating.
// With `fold_case`, ASCII letters compare case-insensitively after decoding.
bool escaped_equal(std::string_view a, std::string_view b, bool fold_case) noexcept;
// RFC 3261 19.1.4 component equality: as escaped_equal, and in addition an
// escaped reserved byte (";/?:@&=+$,") never equals the literal byte.
bool component_equal(std::string_view a, std::string_view b, bool fold_case) noexcept;

// One decoding step, shared by the comparison functions: returns the byte at
// s[i] (decoding a valid %HH escape) and advances `i` past it; `escaped` is
// set when the byte came from a %HH escape. Precondition: i < s.size().
char decode_step(std::string_view s, std::size_t& i, bool& escaped) noexcept;

}  // namespace sip::uri
