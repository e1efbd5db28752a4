#include "sip/event/filter.hpp"

#include <re2/re2.h>

#include <cctype>

#include "sip/base/ci.hpp"

namespace sip::event {
namespace {

constexpr std::size_t kMaxPattern = 1024;
constexpr std::uint32_t kAllTypes = (std::uint32_t{1} << kTypeCount) - 1;
constexpr std::uint32_t kConsoleTypes = kAllTypes & ~type_bit(Type::Sip);

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits at " and " (any case, surrounded by whitespace).
std::vector<std::string_view> clauses(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 5 <= text.size(); ++i) {
    if (!std::isspace(static_cast<unsigned char>(text[i]))) continue;
    std::string_view rest = text.substr(i + 1);
    if (rest.size() < 4 || !ci_equal(rest.substr(0, 3), "and") ||
        !std::isspace(static_cast<unsigned char>(rest[3])))
      continue;
    out.push_back(text.substr(start, i - start));
    start = i + 4;
    i += 3;
  }
  out.push_back(text.substr(start));
  return out;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (ci_equal(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

bool user_matches(const Event& e, std::string_view user) {
  if (ci_equal(e.owner, user) || ci_equal(e.account, user)) return true;
  const auto at = e.account.find('@');
  return at != std::string::npos && ci_equal(std::string_view(e.account).substr(0, at), user);
}

}  // namespace

std::optional<Type> parse_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kTypeCount; ++i)
    if (ci_equal(kTypeNames[i], name)) return static_cast<Type>(i);
  return std::nullopt;
}

std::string_view level_name(Level l) noexcept {
  switch (l) {
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

std::optional<Level> parse_level(std::string_view name) noexcept {
  for (Level l : {Level::Info, Level::Warn, Level::Error})
    if (level_name(l) == name) return l;
  return std::nullopt;
}

std::optional<Filter> Filter::parse(std::string_view text, std::string* error) {
  auto fail = [error](std::string message) -> std::optional<Filter> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  Filter f;
  f.mask_ = kConsoleTypes;
  text = trim(text);
  if (text.empty()) {
    f.text_ = "event *";
    return f;
  }
  bool typed = false;
  std::uint32_t mask = kAllTypes;
  for (std::string_view clause : clauses(text)) {
    clause = trim(clause);
    std::size_t sp = 0;
    while (sp < clause.size() && !std::isspace(static_cast<unsigned char>(clause[sp]))) ++sp;
    const std::string_view key = clause.substr(0, sp);
    const std::string_view value = trim(clause.substr(sp));
    if (key.empty()) return fail("filter: empty clause");
    const bool known = ci_equal(key, "event") || ci_equal(key, "user") || ci_equal(key, "ipaddr") ||
                       ci_equal(key, "ipaddress") || ci_equal(key, "request") ||
                       ci_equal(key, "regex");
    if (!known)
      return fail("filter key '" + std::string(key) +
                  "' is not recognised (keys: event, user, ipaddr, request, regex)");
    if (value.empty()) return fail("filter key '" + std::string(key) + "' needs a value");
    if (ci_equal(key, "event")) {
      typed = true;
      if (value == "*") {
        mask &= kConsoleTypes;
      } else if (ci_equal(value, "full")) {
        mask &= type_bit(Type::Sip);
      } else if (ci_equal(value, "trouble")) {
        mask &= kConsoleTypes;
        f.trouble_ = true;
      } else if (auto t = parse_type(value)) {
        mask &= type_bit(*t);
      } else {
        std::string names;
        for (auto n : kTypeNames) names += std::string(names.empty() ? "" : ", ") + std::string(n);
        return fail("filter: unknown event type '" + std::string(value) +
                    "' (one of *, full, trouble, " + names + ")");
      }
    } else if (ci_equal(key, "user")) {
      f.users_.emplace_back(value);
    } else if (ci_equal(key, "ipaddr") || ci_equal(key, "ipaddress")) {
      f.addrs_.emplace_back(value);
    } else if (ci_equal(key, "request")) {
      f.methods_.emplace_back(value);
    } else {
      if (value.size() > kMaxPattern) return fail("filter: regex longer than 1024 bytes");
      re2::RE2::Options opts;
      opts.set_max_mem(1 << 20);
      opts.set_log_errors(false);
      auto re =
          std::make_shared<const re2::RE2>(re2::StringPiece(value.data(), value.size()), opts);
      if (!re->ok()) return fail("filter: bad regex: " + re->error());
      f.regexes_.push_back(std::move(re));
    }
    if (!f.text_.empty()) f.text_ += " and ";
    f.text_ += std::string(key) + " " + std::string(value);
  }
  f.mask_ = typed ? mask : kConsoleTypes;
  if (!typed) f.text_ = "event * and " + f.text_;
  return f;
}

bool Filter::matches(const Event& e) const {
  if ((mask_ & type_bit(e.type)) == 0) return false;
  if (trouble_ && e.level == Level::Info) return false;
  for (const auto& u : users_)
    if (!user_matches(e, u)) return false;
  for (const auto& a : addrs_)
    if (!contains_ci(e.remote, a) && !contains_ci(e.local, a)) return false;
  if (e.type == Type::Sip)
    for (const auto& m : methods_)
      if (!ci_equal(e.method, m)) return false;
  for (const auto& re : regexes_)
    if (!re2::RE2::PartialMatch(re2::StringPiece(e.message.data(), e.message.size()), *re))
      return false;
  return true;
}

}  // namespace sip::event
