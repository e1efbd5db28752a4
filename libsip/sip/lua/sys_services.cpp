// sys methods served by the host or the driver: synchronous lookups through
// dialplan::Host, the per-owner key/value store and WebGet (both suspend the
// script), with SIPSorcery's argument bounds.
#include <algorithm>
#include <string_view>

#include "sip/base/ci.hpp"
#include "sip/lua/state.hpp"

namespace sip::lua {
namespace {

using dialplan::ConsoleLevel;

constexpr std::size_t kMaxKey = 64;
constexpr std::size_t kMaxValue = 10000;

State& st(lua_State* L) {
  return *state_of(L);
}

bool load_bindings(State& s, std::string_view user, std::string_view domain) {
  auto bindings = s.host->bindings(s.ctx.owner, user, domain);
  if (!bindings) return false;
  s.scratch_bindings = std::move(*bindings);
  return true;
}

bool load_canonical(State& s, std::string_view host) {
  auto domain = s.host->canonical_domain(host);
  if (!domain) return false;
  s.scratch = std::move(*domain);
  return true;
}

std::string_view db_key(lua_State* L, int i) {
  const std::string_view key = arg_view(L, i);
  if (key.empty() || key.size() > kMaxKey) luaL_argerror(L, i, "key must be 1..64 bytes");
  return key;
}

// Host part of an http(s) URL, lower case; empty when the URL is refused.
std::string url_host(std::string_view url) {
  std::string_view rest;
  if (ci_starts_with(url, "http://")) {
    rest = url.substr(7);
  } else if (ci_starts_with(url, "https://")) {
    rest = url.substr(8);
  } else {
    return {};
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string_view::npos || rest.empty()) return {};
  if (rest.front() == '[') return to_lower(rest.substr(0, rest.find(']') + 1));
  return to_lower(rest.substr(0, rest.find(':')));
}

bool host_allowed(const std::vector<std::string>& allowed, std::string_view host) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) {
    if (a == "*") return true;
    if (a.size() > 2 && a[0] == '*' && a[1] == '.') {
      const std::string_view suffix = std::string_view(a).substr(1);
      return host.size() > suffix.size() &&
             ci_equal(host.substr(host.size() - suffix.size()), suffix);
    }
    return ci_equal(a, host);
  });
}

// True when the request was queued; false after logging the refusal.
bool queue_web_get(State& s, std::string_view url, lua_Number timeout_arg) {
  const auto& cfg = s.plan->config;
  const std::string host = url_host(url);
  if (cfg.web_allowed_hosts.empty()) {
    queue_log(s, "sys.WebGet is disabled on this server", ConsoleLevel::Warn);
    return false;
  }
  if (host.empty() || !clean_value(url) || !host_allowed(cfg.web_allowed_hosts, host)) {
    queue_log(s, "sys.WebGet refused: host '" + host + "' is not allowed", ConsoleLevel::Warn);
    return false;
  }
  const int timeout = std::clamp(static_cast<int>(timeout_arg), 1, cfg.web_max_timeout_seconds);
  extend_deadline(s, std::chrono::seconds(timeout) + s.ctx.limits.extend_grace);
  s.outbox.push_back(dialplan::HttpGet{std::string(url), timeout, cfg.web_max_bytes});
  return true;
}

}  // namespace

int sys_is_available(lua_State* L) {
  strip_self(L);
  State& s = st(L);
  const std::string_view user = opt_view(L, 1, s.ctx.owner);
  const std::string_view domain = opt_view(L, 2, "local");
  lua_pushboolean(L, s.host->is_available(user, domain));
  return 1;
}

int sys_is_mine(lua_State* L) {
  strip_self(L);
  State& s = st(L);
  const std::string_view user = arg_view(L, 1);
  const std::string_view domain = opt_view(L, 2, "local");
  lua_pushboolean(L, s.host->is_mine(s.ctx.owner, user, domain));
  return 1;
}

int sys_account_exists(lua_State* L) {
  strip_self(L);
  const std::string_view user = arg_view(L, 1);
  const std::string_view domain = opt_view(L, 2, "local");
  lua_pushboolean(L, st(L).host->account_exists(user, domain));
  return 1;
}

int sys_get_bindings(lua_State* L) {
  strip_self(L);
  State& s = st(L);
  const std::string_view user = opt_view(L, 1, s.ctx.owner);
  const std::string_view domain = opt_view(L, 2, "local");
  if (!load_bindings(s, user, domain)) return lua_pushnil(L), 1;
  new_ci_table(L, static_cast<int>(s.scratch_bindings.size()), 0);
  const std::int64_t now = s.ctx.clock->unix_seconds();
  for (std::size_t i = 0; i < s.scratch_bindings.size(); ++i) {
    push_binding(L, s.scratch_bindings[i], now);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}

int sys_canonical_domain(lua_State* L) {
  strip_self(L);
  const std::string_view host = arg_view(L, 1);
  State& s = st(L);
  if (!load_canonical(s, host)) return lua_pushnil(L), 1;
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return 1;
}

int sys_call_count(lua_State* L) {
  State& s = st(L);
  lua_pushinteger(L, static_cast<lua_Integer>(s.host->current_call_count(s.ctx.owner)));
  return 1;
}

int sys_accounts(lua_State* L) {
  State& s = st(L);
  s.scratch_accounts = s.host->accounts(s.ctx.owner);
  new_ci_table(L, static_cast<int>(s.scratch_accounts.size()), 0);
  for (std::size_t i = 0; i < s.scratch_accounts.size(); ++i) {
    push_account(L, s.scratch_accounts[i]);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}

int sys_timezone(lua_State* L) {
  lua_pushstring(L, st(L).ctx.time_zone.c_str());
  return 1;
}

int sys_tz_offset(lua_State* L) {
  lua_pushinteger(L, st(L).ctx.tz_offset_minutes);
  return 1;
}

int sys_db_write(lua_State* L) {
  strip_self(L);
  require_script_thread(L, "DBWrite");
  const std::string_view key = db_key(L, 1);
  const std::string_view value = arg_view(L, 2);
  if (value.size() > kMaxValue) return luaL_argerror(L, 2, "value over 10000 bytes");
  st(L).outbox.push_back(dialplan::KvWrite{std::string(key), std::string(value)});
  return suspend(L, Pending::KvWrite);
}

int sys_db_read(lua_State* L) {
  strip_self(L);
  require_script_thread(L, "DBRead");
  const std::string_view key = db_key(L, 1);
  st(L).outbox.push_back(dialplan::KvRead{std::string(key)});
  return suspend(L, Pending::KvRead);
}

int sys_db_delete(lua_State* L) {
  strip_self(L);
  require_script_thread(L, "DBDelete");
  const std::string_view key = db_key(L, 1);
  st(L).outbox.push_back(dialplan::KvDelete{std::string(key)});
  return suspend(L, Pending::KvDelete);
}

int sys_db_keys(lua_State* L) {
  require_script_thread(L, "DBGetKeys");
  st(L).outbox.push_back(dialplan::KvKeys{});
  return suspend(L, Pending::KvKeys);
}

int sys_web_get(lua_State* L) {
  strip_self(L);
  const std::string_view url = arg_view(L, 1);
  State& s = st(L);
  const lua_Number timeout = luaL_optnumber(L, 2, s.plan->config.web_default_timeout_seconds);
  if (!s.plan->config.web_allowed_hosts.empty()) require_script_thread(L, "WebGet");
  if (!queue_web_get(s, url, timeout)) return lua_pushnil(L), 1;
  return suspend(L, Pending::Http);
}

}  // namespace sip::lua
