// The sys methods (SIPSorcery's sys API in Lua): call control, header/body state
// for later Dials, lookups through the Host, the key/value store, WebGet.
// Methods that need the driver (Dial, Wait, DB*, WebGet) suspend the script
// through yield_for(); everything else returns at once.
#include <algorithm>
#include <cmath>
#include <string_view>

#include "sip/base/ci.hpp"
#include "sip/lua/state.hpp"

namespace sip::lua {
namespace {

using namespace std::chrono_literals;
using dialplan::ConsoleLevel;

constexpr std::size_t kMaxCustomHeaders = 32;
constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxProvisional = 20;

State& st(lua_State* L) {
  return *state_of(L);
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool is_token(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
  });
}

// Headers a script may not set, as in SIPSorcery (long and compact forms).
bool refused_header(std::string_view name) {
  for (const char* r : {"via", "v", "from", "f", "contact", "m", "cseq", "call-id", "i",
                        "max-forwards", "content-length", "l"}) {
    if (ci_equal(name, r)) return true;
  }
  return false;
}

std::string_view header_name(std::string_view line) {
  return trim(line.substr(0, line.find(':')));
}

// "Name: value" -> checked line, or an empty string (after logging why).
std::string header_line(State& s, std::string_view name, std::string_view value) {
  name = trim(name);
  value = trim(value);
  if (!is_token(name) || !clean_value(value)) {
    queue_log(s, "custom header '" + std::string(name.substr(0, 64)) + "' is malformed, ignored",
              ConsoleLevel::Warn);
    return {};
  }
  if (refused_header(name)) {
    queue_log(s, "custom header '" + std::string(name) + "' is not permitted, ignored",
              ConsoleLevel::Warn);
    return {};
  }
  return std::string(name) + ": " + std::string(value);
}

std::vector<std::string> split_pipe(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto bar = text.find('|');
    const auto part = trim(text.substr(0, bar));
    if (!part.empty()) out.emplace_back(part);
    if (bar == std::string_view::npos) break;
    text.remove_prefix(bar + 1);
  }
  return out;
}

// ---- call control -------------------------------------------------------------

void queue_dial(State& s, std::string_view dial_string, int ring, int limit) {
  auto& dial = std::get<dialplan::Dial>(s.outbox.emplace_back(std::in_place_type<dialplan::Dial>));
  dial.dial_string = std::string(dial_string);
  dial.ring_seconds = ring;
  dial.answered_limit_seconds = limit;
  dial.custom_headers = s.custom_headers;
  dial.from = s.from;
  dial.content_type = s.content_type;
  dial.body = s.body;
  s.dialled = true;
  extend_deadline(s, std::chrono::seconds(ring) + s.ctx.limits.dial_grace);
}

int sys_dial(lua_State* L) {
  strip_self(L);
  require_script_thread(L, "Dial");
  const std::string_view dial_string = arg_view(L, 1);
  const lua_Number ring = luaL_optnumber(L, 2, 0);
  const lua_Number limit = luaL_optnumber(L, 3, 0);
  State& s = st(L);
  const int max_ring = s.ctx.limits.max_ring_seconds;
  queue_dial(s, dial_string,
             (ring <= 0 || ring > max_ring) ? max_ring : static_cast<int>(std::ceil(ring)),
             (limit <= 0 || limit > 86400) ? 0 : static_cast<int>(limit));
  return suspend(L, Pending::Dial);
}

// The C++ half of Respond: true when the response is final (script ends).
bool prepare_respond(State& s, int code, std::string_view reason, std::string_view header_text) {
  std::vector<std::string> parts = split_pipe(header_text);
  std::vector<std::string> headers;
  std::size_t first = 0;
  if (code >= 300 && code < 400 && !parts.empty()) {
    std::string_view uri = parts[0];  // reference: the first "header" is the redirect URI
    if (ci_starts_with(uri, "contact:")) uri = trim(uri.substr(8));
    if (clean_value(uri) && !uri.empty()) headers.push_back("Contact: <" + std::string(uri) + ">");
    first = 1;
  }
  for (std::size_t i = first; i < parts.size(); ++i) {
    const auto colon = parts[i].find(':');
    if (colon == std::string::npos) {
      queue_log(s, "sys.Respond: header '" + parts[i] + "' has no ':', ignored",
                ConsoleLevel::Warn);
      continue;
    }
    auto line = header_line(s, std::string_view(parts[i]).substr(0, colon),
                            std::string_view(parts[i]).substr(colon + 1));
    if (!line.empty()) headers.push_back(std::move(line));
  }
  if (code < 200) {
    if (s.outbox.size() < kMaxProvisional) {
      s.outbox.push_back(dialplan::Respond{code, std::string(reason), std::move(headers)});
    }
    return false;
  }
  if (code < 300 && ci_equal(s.ctx.request.method, "INVITE")) {
    queue_log(s, "sys.Respond: a 2xx response to an INVITE is not allowed, ignored",
              ConsoleLevel::Warn);
    return false;
  }
  // Final: a 3xx..6xx, or a 2xx to a non-INVITE (e.g. MESSAGE).
  s.final_done = dialplan::OutcomeTracker::responded(code, reason, std::move(headers));
  return true;
}

int sys_respond(lua_State* L) {
  strip_self(L);
  const lua_Integer code = luaL_checkinteger(L, 1);
  if (code < 100 || code > 699) {
    return luaL_error(L, "sys.Respond: status %d is not 100..699", static_cast<int>(code));
  }
  const std::string_view reason = opt_view(L, 2, "");
  const std::string_view headers = opt_view(L, 3, "");
  if (!clean_value(reason)) return luaL_error(L, "sys.Respond: bad reason phrase");
  State& s = st(L);
  if (!prepare_respond(s, static_cast<int>(code), reason, headers)) return 0;
  if (L == s.co && lua_isyieldable(L)) return lua_yield(L, 0);
  set_kill(L, Kill::Stopped);  // cannot suspend here (callback): unwind instead
  return luaL_error(L, "%s", kill_message(Kill::Stopped));
}

void log_text(State& s, std::string_view text) {
  queue_log(s, std::string(text), ConsoleLevel::Info);
}

// sys.Callback(dest1, dest2 [, delay]): the driver calls dest1, then dest2,
// and bridges them, independently of this call (docs/transfers.md). At most
// three per execution; the script goes on at once.
constexpr std::size_t kMaxCallbacks = 3;

int sys_callback(lua_State* L) {
  strip_self(L);
  const std::string_view first = arg_view(L, 1);
  const std::string_view second = arg_view(L, 2);
  const int delay = static_cast<int>(std::clamp<lua_Number>(luaL_optnumber(L, 3, 0), 0, 300));
  State& s = st(L);
  if (s.callbacks >= kMaxCallbacks) {
    queue_log(s, "sys.Callback refused: at most 3 per execution", dialplan::ConsoleLevel::Warn);
    return 0;
  }
  if (first.empty() || second.empty() || !clean_value(first) || !clean_value(second)) {
    queue_log(s, "sys.Callback refused: two destinations are needed", dialplan::ConsoleLevel::Warn);
    return 0;
  }
  ++s.callbacks;
  s.outbox.push_back(dialplan::Callback{std::string(first), std::string(second), delay});
  return 0;
}

int sys_log(lua_State* L) {
  strip_self(L);
  std::size_t n = 0;
  const char* text = luaL_tolstring(L, 1, &n);
  log_text(st(L), {text, n});
  return 0;
}

int sys_wait(lua_State* L) {
  strip_self(L);
  require_script_thread(L, "Wait");
  const int n = static_cast<int>(std::clamp<lua_Number>(luaL_checknumber(L, 1), 0, 60));
  State& s = st(L);
  extend_deadline(s, std::chrono::seconds(n) + s.ctx.limits.extend_grace);
  s.outbox.push_back(dialplan::Wait{n});
  return suspend(L, Pending::Wait);
}

int sys_extend_timeout(lua_State* L) {
  strip_self(L);
  const int n = static_cast<int>(std::clamp<lua_Number>(luaL_checknumber(L, 1), 0, 300));
  State& s = st(L);
  extend_deadline(s, std::chrono::seconds(n) + s.ctx.limits.extend_grace);
  return 0;
}

// ---- headers, From, body ------------------------------------------------------------

void set_header(State& s, std::string_view name, std::string_view value) {
  std::string line = header_line(s, name, value);
  if (line.empty()) return;
  std::erase_if(s.custom_headers,
                [&](const std::string& h) { return ci_equal(header_name(h), trim(name)); });
  if (s.custom_headers.size() >= kMaxCustomHeaders) {
    queue_log(s, "too many custom headers, '" + std::string(name) + "' ignored",
              ConsoleLevel::Warn);
    return;
  }
  s.custom_headers.push_back(std::move(line));
}

int sys_set_header(lua_State* L) {
  strip_self(L);
  const std::string_view name = arg_view(L, 1);
  std::size_t n = 0;
  const char* value = luaL_tolstring(L, 2, &n);
  set_header(st(L), name, {value, n});
  return 0;
}

int sys_remove_header(lua_State* L) {
  strip_self(L);
  const std::string_view name = trim(arg_view(L, 1));
  std::erase_if(st(L).custom_headers,
                [&](const std::string& h) { return ci_equal(header_name(h), name); });
  return 0;
}

int sys_clear_headers(lua_State* L) {
  st(L).custom_headers.clear();
  return 0;
}

void print_headers(State& s) {
  std::string text = "custom SIP headers:";
  for (const auto& h : s.custom_headers) text += " " + h + ";";
  queue_log(s, std::move(text), ConsoleLevel::Info);
}

int sys_print_headers(lua_State* L) {
  print_headers(st(L));
  return 0;
}

// Checks one SetFromHeader part; nullopt-like "absent" is reported by `present`.
std::string_view from_part(lua_State* L, int i, const char* bad, bool& present) {
  present = !lua_isnoneornil(L, i);
  if (!present) return {};
  const std::string_view v = arg_view(L, i);
  if (v.size() > 256 || v.find_first_of(bad) != std::string_view::npos) {
    luaL_argerror(L, i, "contains characters not allowed in a From header");
  }
  return v;
}

int sys_set_from(lua_State* L) {
  strip_self(L);
  bool has[3] = {false, false, false};
  const std::string_view display = from_part(L, 1, "\"\r\n", has[0]);
  const std::string_view user = from_part(L, 2, " \t\r\n<>@\";", has[1]);
  const std::string_view host = from_part(L, 3, " \t\r\n<>@\";", has[2]);
  auto& from = st(L).from.emplace();
  if (has[0]) from.display = std::string(display);
  if (has[1]) from.user = std::string(user);
  if (has[2]) from.host = std::string(host);
  return 0;
}

int sys_clear_from(lua_State* L) {
  st(L).from.reset();
  return 0;
}

int sys_set_content(lua_State* L) {
  strip_self(L);
  const bool typed = lua_gettop(L) >= 2;
  const std::string_view body = arg_view(L, typed ? 2 : 1);
  const std::string_view type = typed ? arg_view(L, 1) : std::string_view();
  if (body.size() > kMaxBody) return luaL_error(L, "sys.SetCustomContent: body too large");
  if (!clean_value(type)) return luaL_argerror(L, 1, "bad content type");
  State& s = st(L);
  if (typed) s.content_type = std::string(type);
  s.body = std::string(body);
  return 0;
}

int sys_clear_body(lua_State* L) {
  st(L).body.reset();
  st(L).content_type.reset();
  return 0;
}

}  // namespace

// sys_services.cpp
int sys_is_available(lua_State* L);
int sys_is_mine(lua_State* L);
int sys_account_exists(lua_State* L);
int sys_get_bindings(lua_State* L);
int sys_canonical_domain(lua_State* L);
int sys_call_count(lua_State* L);
int sys_accounts(lua_State* L);
int sys_timezone(lua_State* L);
int sys_tz_offset(lua_State* L);
int sys_db_write(lua_State* L);
int sys_db_read(lua_State* L);
int sys_db_delete(lua_State* L);
int sys_db_keys(lua_State* L);
int sys_web_get(lua_State* L);

const SysMethod kSysMethods[] = {
    {"Dial", sys_dial},
    {"Respond", sys_respond},
    {"Log", sys_log},
    {"Wait", sys_wait},
    {"ExtendScriptTimeout", sys_extend_timeout},
    {"SetCustomSIPHeader", sys_set_header},
    {"RemoveCustomSIPHeader", sys_remove_header},
    {"ClearCustomSIPHeaders", sys_clear_headers},
    {"PrintCustomSIPHeaders", sys_print_headers},
    {"SetFromHeader", sys_set_from},
    {"ClearFromHeader", sys_clear_from},
    {"SetCustomContent", sys_set_content},
    {"ClearCustomBody", sys_clear_body},
    {"IsAvailable", sys_is_available},
    {"IsMine", sys_is_mine},
    {"DoesSIPAccountExist", sys_account_exists},
    {"GetBindings", sys_get_bindings},
    {"GetCanonicalDomain", sys_canonical_domain},
    {"GetCurrentCallCount", sys_call_count},
    {"GetSIPAccounts", sys_accounts},
    {"GetTimezone", sys_timezone},
    {"GetTimezoneOffsetMinutes", sys_tz_offset},
    {"DBWrite", sys_db_write},
    {"DBRead", sys_db_read},
    {"DBReadForUpdate", sys_db_read},
    {"DBDelete", sys_db_delete},
    {"DBGetKeys", sys_db_keys},
    {"WebGet", sys_web_get},
    {"Callback", sys_callback},
    {"RegexMatch", sys_regex_match},
    {"RegexReplace", sys_regex_replace},
};
const std::size_t kSysMethodCount = sizeof(kSysMethods) / sizeof(kSysMethods[0]);

}  // namespace sip::lua
