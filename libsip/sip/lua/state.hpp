// Internal to the lua module (included only by its .cpp files): the state of
// one Lua execution shared by the resume loop (execution.cpp), the sandbox
// (sandbox.cpp) and the sys/req API (sys_api.cpp, req_api.cpp, regex.cpp).
// The State lives in the lua_State's extra space pointer, so every thread of
// the execution (coroutines inherit the extra space) finds it.
// Thread-safety: one thread, the driver's.
#pragma once

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/dialplan/execution.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/lua/lua_plan.hpp"

namespace sip::lua {

struct PlanData {
  std::string name;
  std::string bytecode;  // lua_dump of the validated chunk (with line info)
  LuaConfig config;
};

// Why the script is being stopped. Once set it never clears: the hook raises
// an error on every instruction of every thread, so no pcall can swallow it.
enum class Kill : std::uint8_t { None, Budget, Memory, Deadline, Stopped, Closing };

// What the script is suspended on (continuation context of the yield).
enum class Pending : std::uint8_t { None, Dial, Wait, KvRead, KvWrite, KvDelete, KvKeys, Http };

class RegexCache;  // regex.cpp

struct State {
  std::shared_ptr<const PlanData> plan;
  dialplan::CallContext ctx;
  dialplan::Host* host = nullptr;
  dialplan::NullHost null_host;

  lua_State* L = nullptr;   // main thread (owns everything)
  lua_State* co = nullptr;  // the script coroutine (anchored in the registry)
  int sys_ref = LUA_NOREF;  // the sys proxy table

  // Sandbox accounting.
  std::size_t mem_used = 0;
  std::size_t mem_cap = 0;
  std::size_t last_refused = 0;  // size of the last refused growth (0 = none)
  std::uint64_t units = 0;       // instructions + calls + charged C work
  TimePoint started{};
  TimePoint deadline{};
  TimePoint absolute{};
  Kill kill = Kill::None;

  // Actions in script order not yet handed to the driver. The last element is
  // either the action the coroutine is suspended on or Done.
  std::deque<dialplan::Action> outbox;
  Pending pending = Pending::None;
  dialplan::ActionResult result;             // delivered to the continuation
  std::optional<dialplan::Done> final_done;  // Respond >= 200: ends the script
  std::size_t log_lines = 0;
  std::size_t callbacks = 0;  // sys.Callback calls so far (at most kMaxCallbacks)

  // sys state consumed by Dial.
  dialplan::OutcomeTracker tracker;
  std::vector<std::string> custom_headers;  // "Name: value"
  std::optional<dialplan::FromOverride> from;
  std::optional<std::string> content_type;
  std::optional<std::string> body;
  bool trace = true;
  bool dialled = false;
  std::vector<dialplan::LegOutcome> last_legs;
  std::string redirect_uri;
  std::string redirect_response;

  std::unique_ptr<RegexCache> regex;

  // Values a C function builds before pushing them: kept here, not in
  // locals, because a failing push (memory) leaves the function by longjmp.
  std::string scratch;
  dialplan::UriParts scratch_uri;
  std::vector<dialplan::BindingView> scratch_bindings;
  std::vector<dialplan::AccountView> scratch_accounts;

  State();
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

inline State* state_of(lua_State* L) {
  return *static_cast<State**>(lua_getextraspace(L));
}

// ---- execution.cpp ----
std::unique_ptr<dialplan::Execution> make_execution(std::shared_ptr<const PlanData> plan);
// "dialplan:12: msg" -> 12 and "msg"; 0 and the whole text when no prefix.
int split_error_line(std::string_view message, std::string& rest);

// ---- sandbox.cpp ----
// The allocator to give lua_newstate (ud = State*).
void* sandbox_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept;
// Opens the allowed libraries and installs the safe wrappers and the hook.
// Runs inside a protected call.
void open_sandbox(lua_State* L);
// Marks the execution killed and makes the current thread error on every
// instruction from now on. Does not raise by itself.
void set_kill(lua_State* L, Kill kill);
const char* kill_message(Kill kill);
// Adds C-side work to the instruction budget (raises when exhausted).
void charge(lua_State* L, std::uint64_t units);
// The wall-clock deadline: max(current, now + d), capped by the absolute one.
void extend_deadline(State& s, Duration d);

// ---- os_time.cpp ----
void open_os(lua_State* L);  // sets the global `os`

// ---- req_api.cpp ----
// All push_* functions create no C++ temporaries (see suspend()).
// Pushes a table whose metatable answers missing keys case-insensitively
// ("fromuri", "from_uri" find "FromURI").
void new_ci_table(lua_State* L, int narr, int nrec);
void push_uri(lua_State* L, const dialplan::UriParts& uri);
void push_account(lua_State* L, const dialplan::AccountView& account);
void push_provider(lua_State* L, const dialplan::ProviderView& provider);
void push_binding(lua_State* L, const dialplan::BindingView& binding, std::int64_t now);
void push_request(lua_State* L, const dialplan::RequestView& request);
void set_field(lua_State* L, const char* name, const std::string& value);
void set_closure_string(lua_State* L, const char* name, const char* data, std::size_t len);
void set_field(lua_State* L, const char* name, lua_Integer value);
void set_bool(lua_State* L, const char* name, bool value);
// Normalised member name: ASCII lower case without '_' ("From_URI" ->
// "fromuri"). Trivially destructible (safe across longjmp); names longer than
// the buffer are not members (ok == false).
struct MemberKey {
  char buf[48];
  std::size_t len = 0;
  bool ok = false;
  std::string_view view() const noexcept { return {buf, len}; }
};
MemberKey member_key(const char* name, std::size_t len) noexcept;
void open_ci_metatables(lua_State* L);

// ---- sys_calls.cpp (the sys methods) ----
struct SysMethod {
  const char* name;
  lua_CFunction fn;
};
extern const SysMethod kSysMethods[];
extern const std::size_t kSysMethodCount;

// ---- argument helpers (sys_*.cpp) ----
// Argument views point into strings on the Lua stack (valid during the call).
// Every function checks all its arguments before it builds any C++ object,
// and pushes only after those objects are gone or owned by the State: Lua
// leaves a C function by longjmp on errors and yields (see suspend()).
inline std::string_view arg_view(lua_State* L, int i) {
  std::size_t n = 0;
  const char* s = luaL_checklstring(L, i, &n);
  return {s, n};
}

inline std::string_view opt_view(lua_State* L, int i, std::string_view def) {
  if (lua_isnoneornil(L, i)) return def;
  return arg_view(L, i);
}

// No CR, LF or NUL, and at most 1024 bytes (header values, reasons, URLs).
inline bool clean_value(std::string_view v) {
  return v.size() <= 1024 && v.find_first_of("\r\n") == std::string_view::npos &&
         v.find('\0') == std::string_view::npos;
}

// ---- sys_api.cpp ----
void open_sys(lua_State* L);
// Drops a leading `sys` argument so sys:Foo(x) works like sys.Foo(x).
void strip_self(lua_State* L);
// Raises unless the caller may suspend the script: the script's own thread,
// not inside a coroutine it created or a callback that cannot yield.
void require_script_thread(lua_State* L, const char* what);
// Suspends the script until resume(); the caller has already put the action
// at the end of the outbox. No C++ object with a destructor may be alive in
// the calling frames: Lua leaves C functions by longjmp (errors and yields).
int suspend(lua_State* L, Pending pending);
// Queues a console line (never yields). Long lines are cut, lines past the
// execution's cap are dropped after one notice.
void queue_log(State& s, std::string text, dialplan::ConsoleLevel level);

// ---- regex.cpp ----
int sys_regex_match(lua_State* L);
int sys_regex_replace(lua_State* L);

}  // namespace sip::lua
