#include "sip/dialstring/options.hpp"

#include <array>
#include <string>
#include <utility>

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::dialstring {
namespace {

enum class Key : std::uint8_t { Dt, Cd, Ma, Fd, Fu, Fh, Tr, Rm };

struct KeyName {
  std::string_view name;
  Key key;
};
// The one list of keys the parser acts on.
constexpr std::array<KeyName, 8> kKeys{{{"dt", Key::Dt},
                                        {"cd", Key::Cd},
                                        {"ma", Key::Ma},
                                        {"fd", Key::Fd},
                                        {"fu", Key::Fu},
                                        {"fh", Key::Fh},
                                        {"tr", Key::Tr},
                                        {"rm", Key::Rm}}};

std::optional<Key> find_key(std::string_view name) {
  for (const auto& k : kKeys)
    if (ci_equal(k.name, name)) return k.key;
  return std::nullopt;
}

// Unquotes a complete quoted string "..." (quoted-pairs resolved).
std::string unquote(std::string_view q) {
  std::string out;
  out.reserve(q.size());
  for (std::size_t i = 1; i + 1 < q.size(); ++i) {
    if (q[i] == '\\' && i + 2 < q.size()) ++i;
    out.push_back(q[i]);
  }
  return out;
}

// Decimal digits with saturation at `cap` (so huge values clamp, not fail).
std::optional<std::uint64_t> parse_saturating(std::string_view s, std::uint64_t cap) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    if (v <= cap) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v > cap ? cap + 1 : v;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (ci_equal(s, "true") || s == "1" || ci_equal(s, "yes")) return true;
  if (ci_equal(s, "false") || s == "0" || ci_equal(s, "no")) return false;
  return std::nullopt;
}

void add_note(std::vector<Note>* notes, NoteKind kind, std::size_t offset, std::string text) {
  if (notes) notes->push_back(Note{kind, static_cast<std::uint32_t>(offset), std::move(text)});
}

struct Item {
  std::string_view key;
  std::size_t key_offset = 0;
  bool has_value = false;
  std::string value;  // unquoted
  std::size_t value_offset = 0;
};

// Splits one trimmed, non-empty item "key=value" (offset = its position).
Result<Item> split_item(std::string_view item, std::size_t offset) {
  Item it;
  const std::size_t eq = item.find('=');
  const std::string_view raw_key = eq == std::string_view::npos ? item : item.substr(0, eq);
  it.key = trim_lws(raw_key);
  it.key_offset = offset + static_cast<std::size_t>(it.key.data() - item.data());
  if (it.key.empty()) return make_error(Errc::bad_value, offset, "option without a key");
  if (eq == std::string_view::npos) return it;
  it.has_value = true;
  const std::string_view raw_value = item.substr(eq + 1);
  const std::string_view value = trim_lws(raw_value);
  it.value_offset = offset + eq + 1 + static_cast<std::size_t>(value.data() - raw_value.data());
  if (!value.empty() && value.front() == '"') {
    const std::size_t n = quoted_string_length(value);
    if (n == 0) return make_error(Errc::bad_value, it.value_offset, "unterminated quoted value");
    if (n != value.size())
      return make_error(Errc::bad_value, it.value_offset + n, "text after a quoted value");
    it.value = unquote(value);
  } else {
    it.value.assign(value);
  }
  return it;
}

Result<void> apply(Key key, const Item& it, LegOptions& o, std::vector<Note>* notes) {
  const std::string_view v = it.value;
  const std::size_t at = it.value_offset;
  switch (key) {
    case Key::Dt: {
      std::string_view digits = v;
      bool negative = false;
      if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
      }
      const auto n = parse_saturating(digits, kMaxDelaySeconds);
      if (!n) return make_error(Errc::bad_value, at, "dt needs a whole number of seconds");
      if (negative && *n != 0) {
        o.delay = 0;
        add_note(notes, NoteKind::Clamped, at, "dt below 0 clamped to 0");
      } else if (*n > kMaxDelaySeconds) {
        o.delay = kMaxDelaySeconds;
        add_note(notes, NoteKind::Clamped, at, "dt above 120 clamped to 120");
      } else {
        o.delay = static_cast<std::uint32_t>(*n);
      }
      return {};
    }
    case Key::Cd: {
      std::string_view digits = v;
      if (!digits.empty() && digits.front() == '-')
        return make_error(Errc::out_of_range, at, "cd must not be negative");
      if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
      const auto n = parse_saturating(digits, kMaxCallDurationSeconds);
      if (!n) return make_error(Errc::bad_value, at, "cd needs a whole number of seconds");
      if (*n > kMaxCallDurationSeconds)
        return make_error(Errc::out_of_range, at, "cd above 2147483647 seconds");
      o.call_duration = static_cast<std::uint32_t>(*n);
      return {};
    }
    case Key::Ma: {
      const auto b = parse_bool(v);
      if (!b) return make_error(Errc::bad_value, at, "ma needs true or false");
      o.mangle = *b;
      return {};
    }
    case Key::Fd:
    case Key::Fu:
    case Key::Fh: {
      auto& field = key == Key::Fd ? o.from_display : key == Key::Fu ? o.from_user : o.from_host;
      if (v.empty())
        field.reset();
      else
        field = it.value;
      return {};
    }
    case Key::Tr:
      if (ci_equal(v, "n")) {
        o.transfer = TransferMode::None;
      } else if (ci_equal(v, "p")) {
        o.transfer = TransferMode::PassThrough;
      } else if (ci_equal(v, "c")) {
        o.transfer = TransferMode::Consume;
      } else {
        return make_error(Errc::bad_value, at, "tr needs n, p or c");
      }
      return {};
    case Key::Rm:
      if (ci_equal(v, "n")) {
        o.redirect = RedirectMode::NewExecution;
      } else if (ci_equal(v, "m")) {
        o.redirect = RedirectMode::Manual;
      } else {
        return make_error(Errc::bad_value, at, "rm needs n or m");
      }
      return {};
  }
  return {};
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  if (is_lws(v.front()) || is_lws(v.back())) return true;
  for (char c : v)
    if (c == ',' || c == '[' || c == ']' || c == '"' || c == '\\' || c == '=') return true;
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

const char* transfer_mode_name(TransferMode m) noexcept {
  switch (m) {
    case TransferMode::None: return "none";
    case TransferMode::PassThrough: return "pass_through";
    case TransferMode::Consume: return "consume";
  }
  return "none";
}

const char* redirect_mode_name(RedirectMode m) noexcept {
  switch (m) {
    case RedirectMode::Default: return "default";
    case RedirectMode::NewExecution: return "new_execution";
    case RedirectMode::Manual: return "manual";
  }
  return "default";
}

const char* note_kind_name(NoteKind k) noexcept {
  switch (k) {
    case NoteKind::EmptyLeg: return "empty_leg";
    case NoteKind::EmptyStage: return "empty_stage";
    case NoteKind::UnknownOption: return "unknown_option";
    case NoteKind::DuplicateOption: return "duplicate_option";
    case NoteKind::Clamped: return "clamped";
  }
  return "empty_leg";
}

Result<LegOptions> parse_leg_options(std::string_view text, std::size_t base_offset,
                                     std::size_t max_options, std::vector<Note>* notes) {
  LegOptions o;
  std::uint32_t seen = 0;  // bit per Key
  std::size_t count = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '"') {
      const std::size_t n = quoted_string_length(text.substr(i));
      if (n == 0) return make_error(Errc::bad_value, base_offset + i, "unterminated quoted value");
      i += n - 1;
      continue;
    }
    if (i < text.size() && text[i] != ',') continue;
    const std::string_view raw = text.substr(start, i - start);
    const std::string_view item = trim_lws(raw);
    const std::size_t item_offset =
        base_offset + start + static_cast<std::size_t>(item.data() - raw.data());
    start = i + 1;
    if (item.empty()) continue;
    if (++count > max_options)
      return make_error(Errc::limit_reached, item_offset, "too many options in one leg");
    auto it = split_item(item, item_offset);
    if (!it) return it.error();
    const auto key = find_key(it->key);
    if (!key) {
      o.unknown.emplace_back(it->key);
      add_note(notes, NoteKind::UnknownOption, it->key_offset,
               "unknown option '" + std::string(it->key) + "' ignored");
      continue;
    }
    if (!it->has_value) return make_error(Errc::bad_value, it->key_offset, "option needs a value");
    const std::uint32_t bit = 1U << static_cast<unsigned>(*key);
    if (seen & bit)
      add_note(notes, NoteKind::DuplicateOption, it->key_offset,
               "option '" + to_lower(it->key) + "' given twice; the last one wins");
    seen |= bit;
    if (auto r = apply(*key, *it, o, notes); !r) return r.error();
  }
  return o;
}

std::string canonical_options(const LegOptions& o) {
  std::string out;
  auto sep = [&out] {
    if (!out.empty()) out.push_back(',');
  };
  if (o.delay) {
    sep();
    out += "dt=" + std::to_string(*o.delay);
  }
  if (o.call_duration) {
    sep();
    out += "cd=" + std::to_string(*o.call_duration);
  }
  if (!o.mangle) {
    sep();
    out += "ma=false";
  }
  const std::pair<const char*, const std::optional<std::string>*> texts[] = {
      {"fd=", &o.from_display}, {"fu=", &o.from_user}, {"fh=", &o.from_host}};
  for (const auto& [key, value] : texts) {
    if (!*value || (*value)->empty()) continue;
    sep();
    out += key;
    append_value(out, **value);
  }
  if (o.transfer != TransferMode::None) {
    sep();
    out += o.transfer == TransferMode::PassThrough ? "tr=p" : "tr=c";
  }
  if (o.redirect != RedirectMode::Default) {
    sep();
    out += o.redirect == RedirectMode::NewExecution ? "rm=n" : "rm=m";
  }
  return out;
}

}  // namespace sip::dialstring
