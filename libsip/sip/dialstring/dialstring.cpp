#include "sip/dialstring/dialstring.hpp"

#include <array>

#include "sip/base/text.hpp"
#include "sip/dialstring/destination.hpp"

namespace sip::dialstring {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

// Offset of `part` (a view into `whole`) inside `whole`.
std::size_t offset_of(std::string_view whole, std::string_view part) {
  return static_cast<std::size_t>(part.data() - whole.data());
}

bool is_blank(std::string_view s) {
  return trim_lws(s).empty();
}

// '[' at `i` starts an IPv6 reference (part of the destination) when it
// follows '@' or ':' or starts the leg, and holds only hex digits, ':' and '.'
// (at least one ':') up to the next ']'.
bool ipv6_at(std::string_view text, std::size_t leg_start, std::size_t i) {
  const bool after_host_start = (i > leg_start && (text[i - 1] == '@' || text[i - 1] == ':')) ||
                                is_blank(text.substr(leg_start, i - leg_start));
  if (!after_host_start) return false;
  const std::size_t close = text.find(']', i + 1);
  if (close == kNone) return false;
  bool colon = false;
  for (std::size_t k = i + 1; k < close; ++k) {
    const char c = text[k];
    if (c == ':')
      colon = true;
    else if (!is_hex(c) && c != '.')
      return false;
  }
  return colon;
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

  Result<Parsed> run() {
    const bool blank = is_blank(text_);
    std::size_t leg_start = 0;
    for (std::size_t i = 0; i <= text_.size(); ++i) {
      const char c = i < text_.size() ? text_[i] : '|';
      if (c == '|' || c == '&') {
        if (auto r = finish_leg(leg_start, i, blank); !r) return r.error();
        if (c == '|') finish_stage(blank, i + 1);
        leg_start = i + 1;
        opt_open_ = opt_close_ = kNone;
        continue;
      }
      if (opt_close_ != kNone) {
        if (!is_lws(c)) return make_error(Errc::bad_value, i, "text after the options ']'");
        continue;
      }
      switch (c) {
        case '"': {
          const std::size_t n = quoted_string_length(text_.substr(i));
          if (n == 0) return make_error(Errc::bad_value, i, "unterminated quoted string");
          i += n - 1;
          break;
        }
        case '<': {
          const std::size_t gt = text_.find('>', i + 1);
          if (gt == kNone) return make_error(Errc::bad_value, i, "'<' without '>'");
          i = gt;
          break;
        }
        case '>': return make_error(Errc::bad_value, i, "'>' without '<'");
        case ']': return make_error(Errc::bad_value, i, "']' without '['");
        case '[': {
          if (ipv6_at(text_, leg_start, i)) {
            i = text_.find(']', i + 1);
            break;
          }
          auto close = find_options_end(i);
          if (!close) return close.error();
          opt_open_ = i;
          opt_close_ = *close;
          i = *close;
          break;
        }
        default: break;
      }
    }
    return std::move(out_);
  }

 private:
  // Given '[' at `open`, the position of its ']' (quotes honoured).
  Result<std::size_t> find_options_end(std::size_t open) const {
    for (std::size_t j = open + 1; j < text_.size(); ++j) {
      const char c = text_[j];
      if (c == '"') {
        const std::size_t n = quoted_string_length(text_.substr(j));
        if (n == 0) return make_error(Errc::bad_value, j, "unterminated quoted value");
        j += n - 1;
      } else if (c == '[') {
        return make_error(Errc::bad_value, j, "'[' inside options");
      } else if (c == ']') {
        return j;
      }
    }
    return make_error(Errc::bad_value, open, "'[' without ']'");
  }

  Result<void> finish_leg(std::size_t start, std::size_t end, bool blank) {
    const std::size_t dest_end = opt_open_ != kNone ? opt_open_ : end;
    const std::string_view dest = trim_lws(text_.substr(start, dest_end - start));
    if (dest.empty()) {
      if (opt_open_ != kNone)
        return make_error(Errc::bad_value, opt_open_, "options without a destination");
      if (!blank) pending_empty_legs_.push_back(start);
      return {};
    }
    const std::size_t dest_at = offset_of(text_, dest);
    if (++legs_ > limits_.max_legs)
      return make_error(Errc::limit_reached, dest_at, "more legs than the limit");
    if (auto d = parse_destination(dest); !d) {
      Error e = d.error();
      e.offset += static_cast<std::uint32_t>(dest_at);
      return e;
    }
    Leg leg;
    leg.destination = std::string(dest);
    if (opt_open_ != kNone) {
      const std::string_view raw =
          trim_lws(text_.substr(opt_open_ + 1, opt_close_ - opt_open_ - 1));
      auto options =
          parse_leg_options(raw, offset_of(text_, raw), limits_.max_options, &out_.notes);
      if (!options) return options.error();
      leg.options = std::move(*options);
      leg.raw_options = std::string(raw);
    }
    stage_.legs.push_back(std::move(leg));
    return {};
  }

  // Closes the current stage; the next one starts at `next_start`.
  void finish_stage(bool blank, std::size_t next_start) {
    if (stage_.legs.empty()) {
      if (!blank) note(NoteKind::EmptyStage, stage_start_, "empty stage skipped");
    } else {
      for (std::size_t at : pending_empty_legs_) note(NoteKind::EmptyLeg, at, "empty leg skipped");
      out_.dial.stages.push_back(std::move(stage_));
    }
    stage_ = Stage{};
    pending_empty_legs_.clear();
    stage_start_ = next_start;
  }

  void note(NoteKind kind, std::size_t at, const char* text) {
    out_.notes.push_back(Note{kind, static_cast<std::uint32_t>(at), text});
  }

  std::string_view text_;
  const Limits& limits_;
  Parsed out_;
  Stage stage_;
  std::vector<std::size_t> pending_empty_legs_;
  std::size_t stage_start_ = 0;
  std::size_t legs_ = 0;
  std::size_t opt_open_ = kNone;
  std::size_t opt_close_ = kNone;
};

}  // namespace

bool looks_like_legacy(std::string_view text) noexcept {
  if (text.find('[') != kNone) return false;
  const std::size_t c1 = text.find(',');
  if (c1 == kNone) return false;
  const std::size_t c2 = text.find(',', c1 + 1);
  if (c2 == kNone) return false;
  const std::size_t c3 = text.find(',', c2 + 1);
  const std::size_t end3 = c3 == kNone ? text.size() : c3;
  return !is_blank(text.substr(0, c1)) && !is_blank(text.substr(c1 + 1, c2 - c1 - 1)) &&
         !is_blank(text.substr(c2 + 1, end3 - c2 - 1));
}

Result<LegacyDial> parse_legacy(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_length)
    return make_error(Errc::limit_reached, limits.max_length, "text longer than the limit");
  LegacyDial d;
  const std::array<std::string*, 6> fields{&d.username, &d.password,       &d.uri,
                                           &d.from,     &d.send_to_socket, &d.trace};
  std::size_t n = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') continue;
    const std::string_view raw = text.substr(start, i - start);
    const std::string_view field = trim_lws(raw);
    if (n == fields.size())
      return make_error(Errc::bad_value, start, "legacy form has at most 6 fields");
    if (n < 3 && field.empty())
      return make_error(Errc::bad_value, start, "legacy form needs username, password and uri");
    fields[n++]->assign(field);
    start = i + 1;
  }
  if (n < 3) return make_error(Errc::bad_value, text.size(), "legacy form needs 3 fields");
  return d;
}

Result<Parsed> parse(std::string_view text, const ParseSettings& settings) {
  if (text.size() > settings.limits.max_length)
    return make_error(Errc::limit_reached, settings.limits.max_length,
                      "dial string longer than the limit");
  if (settings.allow_legacy && looks_like_legacy(text)) {
    auto legacy = parse_legacy(text, settings.limits);
    if (!legacy) return legacy.error();
    Parsed p;
    p.legacy = std::move(*legacy);
    return p;
  }
  return Parser(text, settings.limits).run();
}

std::string to_string(const DialString& dial) {
  std::string out;
  for (std::size_t s = 0; s < dial.stages.size(); ++s) {
    if (s > 0) out.push_back('|');
    const auto& legs = dial.stages[s].legs;
    for (std::size_t l = 0; l < legs.size(); ++l) {
      if (l > 0) out.push_back('&');
      out += legs[l].destination;
      if (!legs[l].raw_options.empty()) out += "[" + legs[l].raw_options + "]";
    }
  }
  // "a,b,c@gw[]" was a dial string only thanks to its '['; keep one so the
  // text does not read back as the legacy form.
  if (looks_like_legacy(out)) out += "[]";
  return out;
}

std::string to_string(const LegacyDial& d) {
  const std::array<const std::string*, 6> fields{&d.username, &d.password,       &d.uri,
                                                 &d.from,     &d.send_to_socket, &d.trace};
  std::size_t last = 3;
  for (std::size_t i = 3; i < fields.size(); ++i)
    if (!fields[i]->empty()) last = i + 1;
  std::string out;
  for (std::size_t i = 0; i < last; ++i) {
    if (i > 0) out.push_back(',');
    out += *fields[i];
  }
  return out;
}

}  // namespace sip::dialstring
