// sys.RegexMatch / sys.RegexReplace: RE2 regular expressions for scripts
// (Lua patterns are not the regexes SIPSorcery users know). RE2 matches in
// linear time, so untrusted patterns cannot backtrack catastrophically.
// Bounds: pattern <= 1024 bytes, RE2 max_mem 1 MiB per pattern, 16 capture
// groups, a per-execution cache of 16 compiled patterns, replacement output
// <= the execution's memory cap.
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sip/lua/state.hpp"

namespace sip::lua {

class RegexCache {
 public:
  // The compiled pattern (check ok()); never null.
  const re2::RE2* get(std::string_view pattern) {
    auto it = cache_.find(std::string(pattern));
    if (it != cache_.end()) return it->second.get();
    if (cache_.size() >= kMaxEntries) cache_.clear();
    re2::RE2::Options opts;
    opts.set_max_mem(1 << 20);
    opts.set_log_errors(false);
    auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
    const re2::RE2* raw = re.get();
    cache_.emplace(std::string(pattern), std::move(re));
    return raw;
  }

 private:
  static constexpr std::size_t kMaxEntries = 16;
  std::unordered_map<std::string, std::unique_ptr<re2::RE2>> cache_;
};

State::State() = default;
State::~State() = default;

namespace {

constexpr std::size_t kMaxPattern = 1024;
constexpr int kMaxGroups = 16;

// Compiles (or fetches) a pattern; on failure the message is in s.scratch.
const re2::RE2* compile(State& s, std::string_view pattern) {
  if (!s.regex) s.regex = std::make_unique<RegexCache>();
  const re2::RE2* re = s.regex->get(pattern);
  if (!re->ok()) {
    s.scratch = "bad regular expression: " + re->error();
    return nullptr;
  }
  if (re->NumberOfCapturingGroups() > kMaxGroups) {
    s.scratch = "regular expression has more than 16 capture groups";
    return nullptr;
  }
  return re;
}

std::string_view check_args(lua_State* L, std::string_view& text) {
  std::size_t n = 0, m = 0;
  const char* t = luaL_checklstring(L, 1, &n);
  const char* p = luaL_checklstring(L, 2, &m);
  if (m > kMaxPattern) luaL_argerror(L, 2, "regular expression longer than 1024 bytes");
  text = {t, n};
  return {p, m};
}

// Output of a replacement into s.scratch; the count, or -1 (message in scratch).
int replace(State& s, const re2::RE2& re, std::string_view text, std::string_view rewrite,
            bool global) {
  std::string error;
  if (!re.CheckRewriteString(re2::StringPiece(rewrite.data(), rewrite.size()), &error)) {
    s.scratch = "bad rewrite string: " + error;
    return -1;
  }
  // Bound the output: every match may add the literal rewrite plus one copy
  // of the text per back-reference (matches do not overlap).
  std::size_t refs = 0;
  for (std::size_t i = 0; i + 1 < rewrite.size(); ++i) {
    if (rewrite[i] == '\\') ++refs, ++i;
  }
  const double bound =
      static_cast<double>(text.size()) +
      (static_cast<double>(text.size()) + 1) * static_cast<double>(rewrite.size()) +
      static_cast<double>(refs) * static_cast<double>(text.size());
  if (global && bound > static_cast<double>(s.mem_cap)) {
    s.scratch = "replacement could exceed the memory limit";
    return -1;
  }
  s.scratch.assign(text.data(), text.size());
  const re2::StringPiece rw(rewrite.data(), rewrite.size());
  if (global) return re2::RE2::GlobalReplace(&s.scratch, re, rw);
  return re2::RE2::Replace(&s.scratch, re, rw) ? 1 : 0;
}

}  // namespace

// sys.RegexMatch(text, pattern): nil when the pattern does not match
// anywhere in text; else the captures (nil for a group that did not take
// part), or the whole match when the pattern has no groups.
int sys_regex_match(lua_State* L) {
  strip_self(L);
  std::string_view text;
  const std::string_view pattern = check_args(L, text);
  State& s = *state_of(L);
  charge(L, text.size() / 16);
  const re2::RE2* re = compile(s, pattern);
  if (re == nullptr) return luaL_error(L, "sys.RegexMatch: %s", s.scratch.c_str());
  const int groups = re->NumberOfCapturingGroups();
  re2::StringPiece found[kMaxGroups + 1];
  if (!re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::UNANCHORED,
                 found, groups + 1)) {
    lua_pushnil(L);
    return 1;
  }
  if (groups == 0) {
    lua_pushlstring(L, found[0].data(), found[0].size());
    return 1;
  }
  luaL_checkstack(L, groups, "too many captures");
  for (int i = 1; i <= groups; ++i) {
    if (found[i].data() == nullptr) {
      lua_pushnil(L);
    } else {
      lua_pushlstring(L, found[i].data(), found[i].size());
    }
  }
  return groups;
}

// sys.RegexReplace(text, pattern, rewrite [, all = true]) -> new text, count.
// The rewrite uses \0..\9 for the match and its groups.
int sys_regex_replace(lua_State* L) {
  strip_self(L);
  std::string_view text;
  const std::string_view pattern = check_args(L, text);
  std::size_t rn = 0;
  const char* rewrite = luaL_checklstring(L, 3, &rn);
  const bool global = lua_isnoneornil(L, 4) || lua_toboolean(L, 4) != 0;
  State& s = *state_of(L);
  charge(L, text.size() / 16);
  const re2::RE2* re = compile(s, pattern);
  if (re == nullptr) return luaL_error(L, "sys.RegexReplace: %s", s.scratch.c_str());
  const int count = replace(s, *re, text, {rewrite, rn}, global);
  if (count < 0) return luaL_error(L, "sys.RegexReplace: %s", s.scratch.c_str());
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  lua_pushinteger(L, count);
  return 2;
}

}  // namespace sip::lua
