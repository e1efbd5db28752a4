#include "sip/dialstring/substitute.hpp"

#include <optional>

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::dialstring {
namespace {

// Longest variable text between "${" and "}" that can be ours
// ("fromuriuser", "exten:" with a count of up to 50 digits).
constexpr std::size_t kMaxNameLength = 64;

bool needs_escape(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7f) return true;
  switch (c) {
    case '|':
    case '&':
    case '[':
    case ']':
    case '<':
    case '>':
    case '"':
    case ',':
    case '\\': return true;
    default: return false;
  }
}

void append_escaped(std::string& out, std::string_view v, SubstituteMode mode) {
  if (mode == SubstituteMode::Raw) {
    out.append(v);
    return;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : v) {
    if (!needs_escape(c)) {
      out.push_back(c);
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 0xf]);
  }
}

// The value of the variable named `name` (between "${" and "}"), or nullopt
// when it is not one of ours.
std::optional<std::string_view> lookup(std::string_view name, const SubstitutionContext& ctx) {
  std::string_view base = name;
  std::optional<std::string_view> count;
  if (const std::size_t colon = name.find(':'); colon != std::string_view::npos) {
    base = name.substr(0, colon);
    count = name.substr(colon + 1);
  }
  if (ci_equal(base, "dst") || ci_equal(base, "exten")) {
    const std::string_view dst = ctx.dst;
    if (!count) return dst;
    const auto n = parse_uint(*count);  // nullopt also when it overflows
    if (!n) {
      // All digits but too large to represent: "N >= length", unchanged.
      if (!count->empty() && count->find_first_not_of("0123456789") == std::string_view::npos)
        return dst;
      return std::nullopt;
    }
    if (*n >= dst.size()) return dst;
    return dst.substr(static_cast<std::size_t>(*n));
  }
  if (count) return std::nullopt;
  if (ci_equal(base, "fromname")) return std::string_view(ctx.from_name);
  if (ci_equal(base, "fromuriuser")) return std::string_view(ctx.from_user);
  if (ci_equal(base, "fromaor")) return std::string_view(ctx.from_aor);
  return std::nullopt;
}

}  // namespace

Result<std::string> substitute(std::string_view text, const SubstitutionContext& ctx,
                               SubstituteMode mode, std::size_t max_output) {
  if (text.size() > max_output)
    return make_error(Errc::limit_reached, max_output, "text longer than the limit");
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t dollar = text.find("${", i);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, dollar - i));
    // Our names are short: look for '}' in a bounded window (linear time).
    const std::size_t close = text.substr(0, dollar + 2 + kMaxNameLength).find('}', dollar + 2);
    std::optional<std::string_view> value;
    if (close != std::string_view::npos)
      value = lookup(text.substr(dollar + 2, close - dollar - 2), ctx);
    if (!value) {
      out.push_back('$');  // not a variable of ours: keep it, go on after '$'
      i = dollar + 1;
      continue;
    }
    append_escaped(out, *value, mode);
    if (out.size() > max_output)
      return make_error(Errc::limit_reached, dollar, "substituted text longer than the limit");
    i = close + 1;
  }
  if (out.size() > max_output)
    return make_error(Errc::limit_reached, text.size(), "substituted text longer than the limit");
  return out;
}

}  // namespace sip::dialstring
