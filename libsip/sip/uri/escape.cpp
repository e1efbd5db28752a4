// %-escaping of URI components (RFC 3261 section 25.1 character sets).
#include "sip/uri/escape.hpp"

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::uri {

namespace {

// Bytes allowed unescaped besides `unreserved`, per component (RFC 3261 25.1:
// user-unreserved, password, param-unreserved, hnv-unreserved).
std::string_view extra_allowed(Component component) noexcept {
  switch (component) {
    case Component::User: return "&=+$,;?/";
    case Component::Password: return "&=+$,";
    case Component::Param: return "[]/:&+$";
    case Component::Header: return "[]/?:+$";
  }
  return {};
}

}  // namespace

bool is_allowed(char c, Component component) noexcept {
  return is_unreserved(c) || extra_allowed(component).find(c) != std::string_view::npos;
}

char decode_step(std::string_view s, std::size_t& i, bool& escaped) noexcept {
  if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
    const int v = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
    i += 3;
    escaped = true;
    return static_cast<char>(static_cast<unsigned char>(v));
  }
  escaped = false;
  return s[i++];
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool escaped = false;
  for (std::size_t i = 0; i < s.size();) out.push_back(decode_step(s, i, escaped));
  return out;
}

std::string escape(std::string_view s, Component component) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_allowed(c, component)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0x0F]);
    }
  }
  return out;
}

namespace {

// RFC 3261 25.1 "reserved": an escaped reserved byte is NOT equivalent to the
// literal byte (19.1.4: only non-reserved characters equal their encoding).
bool is_reserved(char c) noexcept {
  return std::string_view(";/?:@&=+$,").find(c) != std::string_view::npos;
}

// Decodes both sides in step; with `reserved_matters`, an escaped reserved
// byte must be escaped on both sides.
bool decoded_equal(std::string_view a, std::string_view b, bool fold_case,
                   bool reserved_matters) noexcept {
  std::size_t i = 0, j = 0;
  bool ea = false, eb = false;
  while (i < a.size() && j < b.size()) {
    char x = decode_step(a, i, ea);
    char y = decode_step(b, j, eb);
    if (fold_case) {
      x = ascii_lower(x);
      y = ascii_lower(y);
    }
    if (x != y) return false;
    if (reserved_matters && (ea && is_reserved(x)) != (eb && is_reserved(y))) return false;
  }
  return i == a.size() && j == b.size();
}

}  // namespace

bool escaped_equal(std::string_view a, std::string_view b, bool fold_case) noexcept {
  return decoded_equal(a, b, fold_case, false);
}

bool component_equal(std::string_view a, std::string_view b, bool fold_case) noexcept {
  return decoded_equal(a, b, fold_case, true);
}

}  // namespace sip::uri
