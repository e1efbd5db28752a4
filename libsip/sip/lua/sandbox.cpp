// The sandbox of a Lua dial plan execution: capped allocator, instruction
// budget and deadline hook, the allowed libraries and the safe wrappers.
//
// Decisions (see also lua_plan.hpp):
// - Libraries: base, string, table, math, utf8, coroutine, and an `os` with
//   only time/date/clock/difftime backed by the execution's clock (os.date
//   without '!' is the owner's local time: UTC + CallContext::tz_offset_minutes).
//   Removed: dofile, loadfile, require, warn, string.dump, io, debug, package,
//   the rest of os. print goes to sys.Log. load compiles text chunks only.
// - Budget: a hook on every call and every kHookInterval instructions counts
//   work; when the budget or the deadline is exceeded the execution is
//   killed: from then on the hook raises on EVERY instruction of every thread,
//   so an error swallowed by pcall/xpcall/coroutine.wrap is raised again at
//   the next instruction of the swallowing frame, up to the top. After a
//   kill, xpcall handlers and the closing of dead coroutines are skipped
//   (Lua would run them with hooks off, see msgh_guard).
// - Finalizers: setmetatable refuses metatables with a __gc field. Lua runs
//   __gc with hooks disabled, so a looping finalizer could not be stopped.
// - C functions that can loop without running Lua code are bounded:
//   string.rep (size and the empty-string case), pattern functions (a cost
//   estimate: nested quantifiers backtrack as subject^quantifiers).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "sip/lua/state.hpp"

extern "C" {
#include <lualib.h>
}

namespace sip::lua {
namespace {

constexpr int kHookInterval = 1000;
constexpr int kHookMask = LUA_MASKCALL | LUA_MASKCOUNT;
constexpr int kCallCost = 4;  // budget units per function call (C calls run no instructions)
constexpr std::size_t kKillSlack = 256 * 1024;  // heap allowed for unwinding after a kill
constexpr double kMaxPatternCost = 1e8;

void hook(lua_State* L, lua_Debug* ar) {
  State* s = state_of(L);
  if (s->kill == Kill::None) {
    s->units += ar->event == LUA_HOOKCOUNT ? kHookInterval : kCallCost;
    if (s->units > s->ctx.limits.instruction_budget) {
      s->kill = Kill::Budget;
    } else if ((ar->event == LUA_HOOKCOUNT || (s->units & 4095) == 0) &&
               s->ctx.clock->now() > s->deadline) {
      s->kill = Kill::Deadline;
    }
  }
  if (s->kill != Kill::None) {
    lua_sethook(L, hook, kHookMask, 1);
    lua_pushstring(L, kill_message(s->kill));
    lua_error(L);
  }
}

void noop_warn(void*, const char*, int) {}

// ---- base wrappers ----------------------------------------------------------

int safe_setmetatable(lua_State* L) {
  const int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    const bool has_gc = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    if (has_gc) return luaL_error(L, "__gc metamethods are not allowed in dial plans");
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
    return luaL_error(L, "cannot change a protected metatable");
  }
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

int safe_load(lua_State* L) {
  const int n = lua_gettop(L);
  if (n >= 3 && !lua_isnil(L, 3)) {
    const char* mode = luaL_checkstring(L, 3);
    if (std::strchr(mode, 't') == nullptr) {
      return luaL_error(L, "load: binary chunks are not allowed in dial plans");
    }
  }
  if (n < 3) lua_settop(L, 3);
  lua_pushliteral(L, "t");
  lua_replace(L, 3);
  if (lua_type(L, 2) == LUA_TSTRING) {
    std::string_view chunk = lua_tostring(L, 2);
    if (chunk.substr(0, std::strlen(kChunkName)) == kChunkName || chunk.substr(0, 1) == "@") {
      lua_pushliteral(L, "=(load)");
      lua_replace(L, 2);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int safe_collectgarbage(lua_State* L) {
  std::string_view opt = luaL_optstring(L, 1, "collect");
  if (opt != "collect" && opt != "count" && opt != "step" && opt != "isrunning") {
    return luaL_error(L, "collectgarbage('%s') is not allowed in dial plans", opt.data());
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

void queue_print(State& s, const char* text, std::size_t len) {
  queue_log(s, std::string(text, len), dialplan::ConsoleLevel::Info);
}

// print(...) -> one console line, arguments separated by tabs. Built on the
// Lua stack (no C++ temporaries while __tostring may raise).
int sandbox_print(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checkstack(L, 2 * n, "too many arguments to print");
  for (int i = 1; i <= n; ++i) {
    if (i > 1) lua_pushliteral(L, "\t");
    luaL_tolstring(L, i, nullptr);
  }
  lua_concat(L, n == 0 ? 0 : 2 * n - 1);
  std::size_t len = 0;
  const char* text = lua_tolstring(L, -1, &len);
  queue_print(*state_of(L), text, len);
  return 0;
}

// Lua runs an error's message handler, and the closing of a dead
// coroutine's to-be-closed variables, with hooks still disabled when the
// error was raised by our hook. So once the execution is killed: xpcall
// handlers are skipped, coroutine.wrap does not close the dead coroutine and
// coroutine.close refuses. Before a kill they behave as in stock Lua.
int msgh_guard(lua_State* L) {
  if (state_of(L)->kill != Kill::None) return 1;  // the message as it is
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

int results_k(lua_State* L, int /*status*/, lua_KContext /*ctx*/) {
  return lua_gettop(L);
}

int safe_xpcall(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, msgh_guard, 1);
  lua_replace(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_callk(L, n, LUA_MULTRET, 0, results_k);  // keeps xpcall yieldable
  return lua_gettop(L);
}

int wrapped_call(lua_State* L) {
  lua_State* co = lua_tothread(L, lua_upvalueindex(1));
  const int narg = lua_gettop(L);
  if (!lua_checkstack(co, narg)) return luaL_error(L, "too many arguments to resume");
  lua_xmove(L, co, narg);
  int nres = 0;
  int status = lua_resume(co, L, narg, &nres);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      return luaL_error(L, "too many results to resume");
    }
    lua_xmove(co, L, nres);
    return nres;
  }
  State* s = state_of(L);
  if (s->kill != Kill::None) {
    lua_pushstring(L, kill_message(s->kill));
    return lua_error(L);
  }
  lua_xmove(co, L, 1);
  status = lua_status(co);
  if (status != LUA_OK && status != LUA_YIELD) {  // error inside: close its variables
    status = lua_resetthread(co);
    lua_xmove(co, L, 1);
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

int safe_wrap(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State* co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, wrapped_call, 1);
  return 1;
}

int safe_coclose(lua_State* L) {
  State* s = state_of(L);
  if (s->kill != Kill::None) return luaL_error(L, "%s", kill_message(s->kill));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// ---- string wrappers --------------------------------------------------------

int call_original(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int safe_rep(lua_State* L) {
  std::size_t len = 0, sep = 0;
  luaL_checklstring(L, 1, &len);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &sep);
  if (n <= 0 || len + sep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  const double total = static_cast<double>(n) * static_cast<double>(len) +
                       static_cast<double>(n - 1) * static_cast<double>(sep);
  if (total > static_cast<double>(state_of(L)->mem_cap)) {
    return luaL_error(L, "string.rep: result of %f bytes is over the memory limit",
                      static_cast<lua_Number>(total));
  }
  charge(L, static_cast<std::uint64_t>(total / 64));
  return call_original(L);
}

// Number of quantified items (*, +, -, ?) of a Lua pattern.
int quantifiers(std::string_view p) {
  int q = 0;
  std::size_t i = (!p.empty() && p[0] == '^') ? 1 : 0;
  auto skip_set = [&](std::size_t j) {  // j at '['; returns index after ']'
    ++j;
    if (j < p.size() && p[j] == '^') ++j;
    if (j < p.size() && p[j] == ']') ++j;
    while (j < p.size() && p[j] != ']') j += (p[j] == '%') ? 2 : 1;
    return j + 1;
  };
  while (i < p.size()) {
    const char c = p[i];
    bool item = true;
    if (c == '%' && i + 1 < p.size()) {
      const char k = p[i + 1];
      if (k == 'b') {
        i += 4;
        item = false;
      } else if (k == 'f') {
        i = (i + 2 < p.size() && p[i + 2] == '[') ? skip_set(i + 2) : i + 2;
        item = false;
      } else {
        i += 2;
      }
    } else if (c == '[') {
      i = skip_set(i);
    } else if (c == '(' || c == ')') {
      ++i;
      item = false;
    } else {
      ++i;
    }
    if (item && i < p.size() && std::strchr("*+-?", p[i]) != nullptr) {
      ++q;
      ++i;
    }
  }
  return q;
}

// Refuses a pattern call whose backtracking could run for a long time in C
// (where the hook cannot interrupt), and charges the subject length.
void check_pattern(lua_State* L, bool plain_allowed) {
  std::size_t n = 0, m = 0;
  luaL_checklstring(L, 1, &n);
  const char* pattern = luaL_checklstring(L, 2, &m);
  if (plain_allowed && lua_toboolean(L, 4)) return;
  std::string_view p(pattern, m);
  const int q = quantifiers(p);
  const double base = static_cast<double>(n) + 1.0;
  const double starts = (!p.empty() && p[0] == '^') ? 1.0 : base;
  const double cost = starts * std::pow(base, q);
  if (cost > kMaxPatternCost) {
    luaL_error(L,
               "pattern too complex for a subject of %d bytes (%d quantifiers); use "
               "sys.RegexMatch",
               static_cast<int>(n), q);
  }
  charge(L, n / 8);
}

int safe_find(lua_State* L) {
  check_pattern(L, true);
  return call_original(L);
}

int safe_pattern(lua_State* L) {
  check_pattern(L, false);
  return call_original(L);
}

void wrap_field(lua_State* L, const char* name, lua_CFunction fn) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

void open_lib(lua_State* L, const char* name, lua_CFunction fn) {
  luaL_requiref(L, name, fn, 1);
  lua_pop(L, 1);
}

void wrap_global(lua_State* L, const char* name, lua_CFunction fn) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, fn, 1);
  lua_setglobal(L, name);
}

}  // namespace

const char* kill_message(Kill kill) {
  switch (kill) {
    case Kill::None: return "";
    case Kill::Budget: return "instruction budget exhausted (endless loop?)";
    case Kill::Memory: return "memory limit reached";
    case Kill::Deadline: return "script ran past its deadline";
    case Kill::Stopped: return "script stopped";
    case Kill::Closing: return "execution closed";
  }
  return "";
}

void* sandbox_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  State* s = static_cast<State*>(ud);
  const std::size_t old = ptr != nullptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    s->mem_used -= old;
    return nullptr;
  }
  if (nsize > old) {
    const std::size_t limit = s->mem_cap + (s->kill != Kill::None ? kKillSlack : 0);
    if (s->mem_used + (nsize - old) > limit) {
      // Lua retries a refused allocation once after an emergency collection;
      // a second refusal of the same size means the heap really is full.
      if (s->last_refused == nsize && s->kill == Kill::None) s->kill = Kill::Memory;
      s->last_refused = nsize;
      return nullptr;
    }
  }
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  s->mem_used = s->mem_used - old + nsize;
  if (nsize > old) s->last_refused = 0;
  return p;
}

void set_kill(lua_State* L, Kill kill) {
  State* s = state_of(L);
  if (s->kill == Kill::None) s->kill = kill;
  lua_sethook(L, hook, kHookMask, 1);
}

void charge(lua_State* L, std::uint64_t units) {
  State* s = state_of(L);
  s->units += units;
  if (s->kill == Kill::None && s->units > s->ctx.limits.instruction_budget) {
    set_kill(L, Kill::Budget);
    luaL_error(L, "%s", kill_message(Kill::Budget));
  }
}

void extend_deadline(State& s, Duration d) {
  TimePoint candidate = s.ctx.clock->now() + d;
  if (candidate > s.absolute) candidate = s.absolute;
  if (candidate > s.deadline) s.deadline = candidate;
}

void open_sandbox(lua_State* L) {
  open_lib(L, LUA_GNAME, luaopen_base);
  open_lib(L, LUA_STRLIBNAME, luaopen_string);
  open_lib(L, LUA_TABLIBNAME, luaopen_table);
  open_lib(L, LUA_MATHLIBNAME, luaopen_math);
  open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
  open_lib(L, LUA_COLIBNAME, luaopen_coroutine);
  for (const char* name : {"dofile", "loadfile", "require", "warn"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, safe_setmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, sandbox_print);
  lua_setglobal(L, "print");
  wrap_global(L, "load", safe_load);
  wrap_global(L, "collectgarbage", safe_collectgarbage);
  wrap_global(L, "xpcall", safe_xpcall);
  lua_getglobal(L, LUA_COLIBNAME);
  lua_pushcfunction(L, safe_wrap);
  lua_setfield(L, -2, "wrap");
  wrap_field(L, "close", safe_coclose);
  lua_pop(L, 1);

  lua_getglobal(L, LUA_STRLIBNAME);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  wrap_field(L, "rep", safe_rep);
  wrap_field(L, "find", safe_find);
  wrap_field(L, "match", safe_pattern);
  wrap_field(L, "gmatch", safe_pattern);
  wrap_field(L, "gsub", safe_pattern);
  lua_pop(L, 1);

  open_os(L);

  lua_setwarnf(L, noop_warn, nullptr);
  lua_sethook(L, hook, kHookMask, kHookInterval);
}

}  // namespace sip::lua
