// The `os` of the sandbox: only time, date, clock and difftime, backed by the
// execution's clock (simulated in dialplan-test). os.date/os.time without
// '!' use the owner's local time: UTC + CallContext::tz_offset_minutes (a
// fixed offset for the whole call; no DST rules inside the script).
#include <cstring>
#include <ctime>
#include <string_view>

#include "sip/base/civil_time.hpp"
#include "sip/lua/state.hpp"

namespace sip::lua {
namespace {

using Civil = CivilDate;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::int64_t int_field(lua_State* L, const char* key, std::int64_t def, bool required) {
  const int t = lua_getfield(L, 1, key);
  lua_Integer v = def;
  if (t == LUA_TNIL) {
    if (required) luaL_error(L, "field '%s' missing in date table", key);
  } else {
    int isnum = 0;
    v = lua_tointegerx(L, -1, &isnum);
    if (!isnum) luaL_error(L, "field '%s' is not an integer", key);
  }
  lua_pop(L, 1);
  if (v < -100'000'000 || v > 100'000'000) luaL_error(L, "field '%s' is out of bound", key);
  return v;
}

int os_time(lua_State* L) {
  State* s = state_of(L);
  if (lua_isnoneornil(L, 1)) {
    lua_pushinteger(L, s->ctx.clock->unix_seconds());
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  std::int64_t year = int_field(L, "year", 0, true);
  std::int64_t month = int_field(L, "month", 0, true) - 1;
  const std::int64_t day = int_field(L, "day", 0, true);
  const std::int64_t hour = int_field(L, "hour", 12, false);
  const std::int64_t min = int_field(L, "min", 0, false);
  const std::int64_t sec = int_field(L, "sec", 0, false);
  year += floor_div(month, 12);
  month -= floor_div(month, 12) * 12;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month + 1), 1) + day - 1;
  const std::int64_t local = days * 86400 + hour * 3600 + min * 60 + sec;
  lua_pushinteger(L, local - static_cast<std::int64_t>(s->ctx.tz_offset_minutes) * 60);
  return 1;
}

int os_date(lua_State* L) {
  State* s = state_of(L);
  std::size_t flen = 0;
  const char* fmt = luaL_optlstring(L, 1, "%c", &flen);
  const std::int64_t t =
      lua_isnoneornil(L, 2) ? s->ctx.clock->unix_seconds() : luaL_checkinteger(L, 2);
  std::string_view f(fmt, flen);
  const bool utc = !f.empty() && f[0] == '!';
  if (utc) f.remove_prefix(1);
  if (f.size() > 256) return luaL_error(L, "os.date: format too long");
  const std::int64_t offset = utc ? 0 : static_cast<std::int64_t>(s->ctx.tz_offset_minutes) * 60;
  if (t < -(std::int64_t{1} << 50) || t > (std::int64_t{1} << 50)) {
    return luaL_error(L, "os.date: time out of range");
  }
  const std::int64_t local = t + offset;
  const std::int64_t days = floor_div(local, 86400);
  const std::int64_t rem = local - days * 86400;
  const Civil c = civil_from_days(days);
  const int wday = static_cast<int>(((days + 4) % 7 + 7) % 7);  // 0 = Sunday
  const int yday = static_cast<int>(days - days_from_civil(c.year, 1, 1));
  if (f == "*t") {
    lua_createtable(L, 0, 9);
    auto set = [&](const char* k, lua_Integer v) {
      lua_pushinteger(L, v);
      lua_setfield(L, -2, k);
    };
    set("year", c.year);
    set("month", c.month);
    set("day", c.day);
    set("hour", rem / 3600);
    set("min", (rem / 60) % 60);
    set("sec", rem % 60);
    set("wday", wday + 1);
    set("yday", yday + 1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "isdst");
    return 1;
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(c.year - 1900);
  tm.tm_mon = static_cast<int>(c.month) - 1;
  tm.tm_mday = static_cast<int>(c.day);
  tm.tm_hour = static_cast<int>(rem / 3600);
  tm.tm_min = static_cast<int>((rem / 60) % 60);
  tm.tm_sec = static_cast<int>(rem % 60);
  tm.tm_wday = wday;
  tm.tm_yday = yday;
  tm.tm_gmtoff = static_cast<long>(offset);
  tm.tm_zone = utc ? "UTC" : s->ctx.time_zone.c_str();
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      luaL_addchar(&b, f[i]);
      continue;
    }
    if (i + 1 >= f.size() ||
        std::strchr("aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%", f[i + 1]) == nullptr) {
      return luaL_error(L, "os.date: invalid conversion specifier '%%%c'",
                        i + 1 < f.size() ? f[i + 1] : ' ');
    }
    const char spec[3] = {'%', f[++i], '\0'};
    char out[128];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    const std::size_t n = std::strftime(out, sizeof out, spec, &tm);  // spec checked above
#pragma GCC diagnostic pop
    luaL_addlstring(&b, out, n);
  }
  luaL_pushresult(&b);
  return 1;
}

int os_clock(lua_State* L) {
  State* s = state_of(L);
  const auto elapsed = s->ctx.clock->now() - s->started;
  lua_pushnumber(L, std::chrono::duration<double>(elapsed).count());
  return 1;
}

int os_difftime(lua_State* L) {
  lua_pushnumber(L, luaL_checknumber(L, 1) - luaL_optnumber(L, 2, 0));
  return 1;
}

}  // namespace

void open_os(lua_State* L) {
  static const luaL_Reg kOs[] = {{"time", os_time},
                                 {"date", os_date},
                                 {"clock", os_clock},
                                 {"difftime", os_difftime},
                                 {nullptr, nullptr}};
  luaL_newlib(L, kOs);
  lua_setglobal(L, "os");
}

}  // namespace sip::lua
