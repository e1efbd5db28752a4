// The `sys` object: a proxy table whose __index resolves methods (sys_calls.cpp)
// and live properties (LastFailureStatus changes after each Dial) by a
// normalised name, so sys.LastFailureStatus, sys.lastfailurestatus and
// sys.last_failure_status are the same member. Plus the yield/continuation
// machinery the suspending methods share.
#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "sip/lua/state.hpp"

namespace sip::lua {
namespace {

using dialplan::DialOutcome;
using dialplan::DialResult;
using dialplan::HttpResult;
using dialplan::KvResult;

// Read-only members; writing one is an error.
constexpr const char* kReadOnly[] = {
    "in",       "out",          "redirect",       "redirecturi", "redirectresponse",
    "username", "dialplanname", "fromsipaccount", "providers",   "lastdialled"};

bool push_property(lua_State* L, State& s, std::string_view key) {
  const auto& ctx = s.ctx;
  if (key == "in") {
    lua_pushboolean(L, ctx.direction == dialplan::Direction::In);
  } else if (key == "out") {
    lua_pushboolean(L, ctx.direction == dialplan::Direction::Out);
  } else if (key == "redirect") {
    lua_pushboolean(L, ctx.redirect);
  } else if (key == "redirecturi") {
    if (s.redirect_uri.empty()) return lua_pushnil(L), true;
    s.scratch_uri = dialplan::split_uri(s.redirect_uri);
    push_uri(L, s.scratch_uri);
  } else if (key == "redirectresponse") {
    if (s.redirect_response.empty()) return lua_pushnil(L), true;
    lua_pushlstring(L, s.redirect_response.data(), s.redirect_response.size());
  } else if (key == "username") {
    lua_pushlstring(L, ctx.owner.data(), ctx.owner.size());
  } else if (key == "dialplanname") {
    lua_pushlstring(L, ctx.dialplan_name.data(), ctx.dialplan_name.size());
  } else if (key == "fromsipaccount") {
    if (!ctx.from_account) return lua_pushnil(L), true;
    push_account(L, *ctx.from_account);
  } else if (key == "providers") {
    new_ci_table(L, static_cast<int>(ctx.providers.size()), 0);
    lua_Integer i = 0;
    for (const auto& p : ctx.providers) {
      push_provider(L, p);
      lua_rawseti(L, -2, ++i);
    }
  } else if (key == "lastdialled") {
    new_ci_table(L, static_cast<int>(s.last_legs.size()), 0);
    lua_Integer i = 0;
    for (const auto& leg : s.last_legs) {
      new_ci_table(L, 0, 4);
      set_field(L, "URI", leg.uri);
      set_field(L, "StatusCode", static_cast<lua_Integer>(leg.status));
      set_field(L, "ReasonPhrase", leg.reason);
      new_ci_table(L, 0, 2);  // SIPSorcery: TransactionFinalResponse.StatusCode
      set_field(L, "StatusCode", static_cast<lua_Integer>(leg.status));
      set_field(L, "ReasonPhrase", leg.reason);
      lua_setfield(L, -2, "TransactionFinalResponse");
      lua_rawseti(L, -2, ++i);
    }
  } else if (key == "lastfailurestatus") {
    lua_pushinteger(L, s.tracker.failure_status());
  } else if (key == "lastfailurereason" || key == "lastfailuremessage") {
    const auto& r = s.tracker.failure_reason();
    lua_pushlstring(L, r.data(), r.size());
  } else if (key == "trace") {
    lua_pushboolean(L, s.trace);
  } else {
    return false;
  }
  return true;
}

int sys_index(lua_State* L) {
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  std::size_t len = 0;
  const char* name = lua_tolstring(L, 2, &len);
  const MemberKey key = member_key(name, len);
  if (!key.ok) return 0;
  lua_pushlstring(L, key.buf, key.len);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  if (push_property(L, *state_of(L), key.view())) return 1;
  return 0;  // unknown member: nil (calling it reports "missing method")
}

int sys_newindex(lua_State* L) {
  State& s = *state_of(L);
  std::size_t len = 0;
  const char* name = luaL_checklstring(L, 2, &len);
  const MemberKey member = member_key(name, len);
  const std::string_view key = member.view();
  if (key == "trace") {
    s.trace = lua_toboolean(L, 3) != 0;
  } else if (key == "lastfailurestatus") {
    s.tracker.set_failure_status(static_cast<int>(luaL_checkinteger(L, 3)));
  } else if (key == "lastfailurereason" || key == "lastfailuremessage") {
    std::size_t n = 0;
    const char* v = luaL_checklstring(L, 3, &n);
    s.tracker.set_failure_reason(std::string(v, n > 256 ? 256 : n));
  } else {
    for (const char* ro : kReadOnly) {
      if (key == ro) return luaL_error(L, "sys.%s is read-only", name);
    }
    return luaL_error(L, "sys has no member '%s'", name);
  }
  return 0;
}

// Continuation of every suspending sys method: turns the driver's result
// into the method's return values, inside the script (so an allocation
// failure is an ordinary script error, never a host-side panic).
int resume_k(lua_State* L, int /*status*/, lua_KContext /*ctx*/) {
  State& s = *state_of(L);
  const Pending pending = std::exchange(s.pending, Pending::None);
  const auto* kv = std::get_if<KvResult>(&s.result);
  switch (pending) {
    case Pending::None:
    case Pending::Wait: return 0;
    case Pending::Dial: {
      static const DialResult kNoResult{DialOutcome::Error, 0, {}, {}, {}, {}};
      const auto* r = std::get_if<DialResult>(&s.result);
      const DialResult& d = r != nullptr ? *r : kNoResult;
      s.tracker.record_dial(d);
      s.last_legs = d.legs;
      if (d.outcome == DialOutcome::Redirect) {
        s.redirect_uri = d.redirect_uri;
        s.redirect_response = d.redirect_response;
      }
      lua_pushstring(L, dialplan::dial_outcome_name(d.outcome));
      return 1;
    }
    case Pending::KvRead:
      if (kv != nullptr && kv->ok && kv->value) {
        lua_pushlstring(L, kv->value->data(), kv->value->size());
      } else {
        lua_pushnil(L);
      }
      return 1;
    case Pending::KvWrite:
    case Pending::KvDelete: lua_pushboolean(L, kv != nullptr && kv->ok); return 1;
    case Pending::KvKeys:
      if (kv == nullptr || !kv->ok) {
        lua_pushnil(L);
        return 1;
      }
      lua_createtable(L, static_cast<int>(kv->keys.size()), 0);
      for (std::size_t i = 0; i < kv->keys.size(); ++i) {
        lua_pushlstring(L, kv->keys[i].data(), kv->keys[i].size());
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
      }
      return 1;
    case Pending::Http: {
      const auto* h = std::get_if<HttpResult>(&s.result);
      if (h != nullptr && h->ok) {
        const std::size_t n = std::min(h->body.size(), s.plan->config.web_max_bytes);
        lua_pushlstring(L, h->body.data(), n);
      } else {
        queue_log(s, "sys.WebGet failed: " + (h != nullptr ? h->error : std::string("no result")),
                  dialplan::ConsoleLevel::Warn);
        lua_pushnil(L);
      }
      return 1;
    }
  }
  return 0;
}

}  // namespace

void strip_self(lua_State* L) {
  if (lua_type(L, 1) != LUA_TTABLE) return;
  lua_rawgeti(L, LUA_REGISTRYINDEX, state_of(L)->sys_ref);
  const bool self = lua_rawequal(L, 1, -1) != 0;
  lua_pop(L, 1);
  if (self) lua_remove(L, 1);
}

void require_script_thread(lua_State* L, const char* what) {
  State& s = *state_of(L);
  if (L != s.co || !lua_isyieldable(L)) {
    luaL_error(L,
               "sys.%s suspends the script: call it from the script itself, not inside a "
               "coroutine, metamethod or library callback",
               what);
  }
}

int suspend(lua_State* L, Pending pending) {
  State& s = *state_of(L);
  s.pending = pending;
  return lua_yieldk(L, 0, 0, resume_k);
}

void queue_log(State& s, std::string text, dialplan::ConsoleLevel level) {
  const auto& limits = s.ctx.limits;
  if (s.log_lines >= limits.max_log_lines) {
    if (s.log_lines++ == limits.max_log_lines) {
      s.outbox.push_back(dialplan::Log{"further log lines of this execution are dropped",
                                       dialplan::ConsoleLevel::Warn});
    }
    return;
  }
  ++s.log_lines;
  if (text.size() > limits.max_log_bytes) {
    text.resize(limits.max_log_bytes);
    text += "...";
  }
  s.outbox.push_back(dialplan::Log{std::move(text), level});
}

void open_sys(lua_State* L) {
  State& s = *state_of(L);
  lua_newtable(L);                                           // the proxy (stays empty)
  lua_createtable(L, 0, 4);                                  // its metatable
  lua_createtable(L, 0, static_cast<int>(kSysMethodCount));  // methods by normalised name
  for (std::size_t i = 0; i < kSysMethodCount; ++i) {
    const MemberKey key = member_key(kSysMethods[i].name, std::strlen(kSysMethods[i].name));
    lua_pushlstring(L, key.buf, key.len);
    lua_pushcfunction(L, kSysMethods[i].fn);
    lua_rawset(L, -3);
  }
  lua_pushcclosure(L, sys_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, sys_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushliteral(L, "sys");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  s.sys_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_setglobal(L, "sys");

  push_request(L, s.ctx.request);
  lua_setglobal(L, "req");
}

}  // namespace sip::lua
