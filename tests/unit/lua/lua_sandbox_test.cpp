// Sandbox attacks: each must end the execution with a clear error, fast, and
// leave a following execution unaffected.
#include <gtest/gtest.h>

#include <chrono>

#include "lua_driver.hpp"

namespace sip::lua::test {
namespace {

struct Attack {
  const char* name;
  const char* script;
  ScriptErrorKind kind;      // expected kind
  const char* message_part;  // expected in error_message
};

class LuaSandbox : public testing::TestWithParam<Attack> {};

// After an attack, a normal execution on a fresh state works and sees no
// leftovers (globals, hooks, metatables).
void expect_clean_followup(Driver& d) {
  d.dial_outcomes["100@blueface"] = dial_result(DialOutcome::Answered);
  Done ok = d.run(R"(
    assert(LEAK == nil, "global leaked between executions")
    assert(getmetatable("").__index == string)
    local t = {} for i = 1, 1000 do t[i] = i end
    sys.Dial("100@blueface")
  )");
  EXPECT_EQ(ok.kind, DoneKind::Answered) << ok.error_message;
}

TEST_P(LuaSandbox, Contained) {
  const Attack& attack = GetParam();
  Driver d;
  d.ctx.limits.memory_bytes = 4u << 20;
  d.ctx.limits.instruction_budget = 3'000'000;
  const auto started = std::chrono::steady_clock::now();
  Done done = d.run(attack.script);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(done.kind, DoneKind::ScriptError) << attack.name;
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.error, attack.kind)
      << attack.name << ": " << script_error_name(done.error) << " " << done.error_message;
  EXPECT_NE(done.error_message.find(attack.message_part), std::string::npos)
      << attack.name << ": " << done.error_message;
  EXPECT_LT(took, std::chrono::seconds(2)) << attack.name;
  EXPECT_TRUE(d.dials().empty()) << attack.name;
  expect_clean_followup(d);
}

const Attack kAttacks[] = {
    {"endless_loop", "LEAK = 1 while true do end", ScriptErrorKind::Budget, "budget"},
    {"pcall_swallow", "while true do pcall(function() while true do end end) end",
     ScriptErrorKind::Budget, "budget"},
    {"xpcall_handler_loops",
     "while true do xpcall(function() while true do end end, function() while true do end end) end",
     ScriptErrorKind::Budget, "budget"},
    {"error_retry_loop", "while true do local ok = pcall(error, 'x') end", ScriptErrorKind::Budget,
     "budget"},
    {"coroutine_wrap_swallow",
     "while true do pcall(coroutine.wrap(function() while true do end end)) end",
     ScriptErrorKind::Budget, "budget"},
    {"coroutine_resume_swallow",
     "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
     ScriptErrorKind::Budget, "budget"},
    {"close_metamethod_loops",
     "while true do pcall(function() local x <close> = setmetatable({}, {__close = function() "
     "while true do end end}) end) end",
     ScriptErrorKind::Budget, "budget"},
    {"tostring_metamethod_loops",
     "local t = setmetatable({}, {__tostring = function() while true do end end}) "
     "while true do pcall(sys.Log, t) end",
     ScriptErrorKind::Budget, "budget"},
    {"c_calls_only",
     "local t = setmetatable({}, {__index = tostring, __newindex = rawequal}) "
     "table.move(t, 1, 1e15, 2)",
     ScriptErrorKind::Budget, "budget"},
    {"wrap_close_after_kill",
     "coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() "
     "while true do end end}) while true do end end)()",
     ScriptErrorKind::Budget, "budget"},
    {"coroutine_close_after_kill",
     "local co = coroutine.create(function() local x <close> = setmetatable({}, {__close = "
     "function() while true do end end}) while true do end end) "
     "coroutine.resume(co) coroutine.close(co)",
     ScriptErrorKind::Budget, "budget"},
    {"xpcall_nested_in_callback",
     "table.sort({1, 2, 3}, function(a, b) xpcall(function() while true do end end, "
     "function() while true do end end) return a < b end)",
     ScriptErrorKind::Budget, "budget"},
    {"load_chunk_loops", "load('while true do end')()", ScriptErrorKind::Budget, "budget"},
    {"string_doubling", "local s = 'x' while true do s = s .. s end", ScriptErrorKind::Memory,
     "memory"},
    {"table_bomb", "local t = {} while true do t[#t + 1] = {} end", ScriptErrorKind::Memory,
     "memory"},
    {"table_bomb_in_pcall",
     "LEAK = 1 while true do pcall(function() local t = {} while true do t[#t + 1] = {1, 2, 3} end "
     "end) end",
     ScriptErrorKind::Memory, "memory"},
    {"string_rep_bomb", "local s = string.rep('x', 1e10)", ScriptErrorKind::Runtime,
     "over the memory limit"},
    {"string_rep_in_pieces", "local t = {} for i = 1, 1e6 do t[i] = string.rep('y', 1e5) end",
     ScriptErrorKind::Memory, "memory"},
    {"os_execute", "os.execute('touch /tmp/pwned')", ScriptErrorKind::MissingMethod, "execute"},
    {"os_remove", "os.remove('/etc/passwd')", ScriptErrorKind::MissingMethod, "remove"},
    {"os_getenv", "os.getenv('HOME')", ScriptErrorKind::MissingMethod, "getenv"},
    {"io_open", "io.open('/etc/passwd')", ScriptErrorKind::Runtime, "io"},
    {"require", "require('os')", ScriptErrorKind::MissingMethod, "require"},
    {"dofile", "dofile('/etc/passwd')", ScriptErrorKind::MissingMethod, "dofile"},
    {"loadfile", "loadfile('/etc/passwd')", ScriptErrorKind::MissingMethod, "loadfile"},
    {"package", "package.loadlib('libc.so.6', 'system')", ScriptErrorKind::Runtime, "package"},
    {"debug", "debug.sethook()", ScriptErrorKind::Runtime, "debug"},
    {"string_dump", "load(string.dump(function() end), 'x', 'b')", ScriptErrorKind::MissingMethod,
     "dump"},
    {"load_binary_mode", "load('\\27LuaT', 'x', 'b')", ScriptErrorKind::Runtime, "binary"},
    {"load_binary_text_mode", "assert(load('\\27LuaT\\0'))", ScriptErrorKind::Runtime, "binary"},
    {"collectgarbage_stop", "collectgarbage('stop')", ScriptErrorKind::Runtime, "not allowed"},
    {"gc_metamethod", "setmetatable({}, {__gc = function() while true do end end})",
     ScriptErrorKind::Runtime, "__gc"},
    {"gc_placeholder", "local mt = {__gc = true} setmetatable({}, mt)", ScriptErrorKind::Runtime,
     "__gc"},
    {"deep_recursion", "local function f(n) return f(n + 1) + 1 end f(1)", ScriptErrorKind::Memory,
     "memory"},
    {"c_stack_index",
     "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) local x = t.x",
     ScriptErrorKind::Runtime, "stack overflow"},
    {"c_stack_gsub", "local function g(s) return (s:gsub('.', g)) end g('abc')",
     ScriptErrorKind::Runtime, "stack overflow"},
    {"pattern_backtracking", "string.find(string.rep('a', 40), string.rep('a*', 20) .. 'b')",
     ScriptErrorKind::Runtime, "pattern too complex"},
    {"dial_in_coroutine", "coroutine.wrap(function() sys.Dial('1@evil') end)()",
     ScriptErrorKind::Runtime, "suspends the script"},
    {"dial_in_sort_callback",
     "table.sort({2, 1}, function(a, b) sys.Dial('1@evil') return a < b end)",
     ScriptErrorKind::Runtime, "suspends the script"},
    {"top_level_yield", "coroutine.yield()", ScriptErrorKind::Runtime, "coroutine.yield"},
    {"unpack_many", "local n = select('#', table.unpack({}, 1, 1e8))", ScriptErrorKind::Runtime,
     "too many results"},
};

INSTANTIATE_TEST_SUITE_P(Attacks, LuaSandbox, testing::ValuesIn(kAttacks),
                         [](const testing::TestParamInfo<Attack>& p) {
                           return std::string(p.param.name);
                         });

TEST(LuaSandboxMisc, EmptyStringRepIsInstant) {
  Driver d;
  Done done = d.run("local s = string.rep('', 1e15) sys.Log('len ' .. #s)");
  EXPECT_EQ(done.status, 480);
  EXPECT_TRUE(d.logged("len 0"));
}

TEST(LuaSandboxMisc, ResumingTheMainThreadIsHarmless) {
  Driver d;
  Done done = d.run(R"(
    local main = coroutine.running()
    local ok, err = coroutine.wrap(function() return coroutine.resume(main) end)()
    sys.Log(tostring(ok) .. " " .. tostring(err))
  )");
  EXPECT_EQ(done.status, 480);
  EXPECT_TRUE(d.logged("false cannot resume non-suspended coroutine"));
}

TEST(LuaSandboxMisc, AllowedLibrariesWork) {
  Driver d;
  Done done = d.run(R"(
    local s = ("0035318001234"):gsub("^00", "+")
    local n = math.floor(3.7) + #utf8.char(233) + select("#", 1, 2)
    local t = {3, 1, 2} table.sort(t)
    local f = load("return 1 + ...")
    local co = coroutine.wrap(function(a) coroutine.yield(a * 2) end)
    sys.Log(s .. " " .. n .. " " .. table.concat(t, ",") .. " " .. f(41) .. " " .. co(21) .. " " ..
            string.format("%05d", 42) .. " " .. tostring(type(collectgarbage("count")) == "number"))
  )");
  EXPECT_EQ(done.status, 480) << done.error_message;
  EXPECT_TRUE(d.logged("+35318001234 7 1,2,3 42 42 00042 true"))
      << testing::PrintToString(d.logs());
}

TEST(LuaSandboxMisc, GlobalsDoNotLeakBetweenExecutions) {
  Driver d;
  auto plan =
      d.compile("sys.Log(tostring(COUNTER)) COUNTER = (COUNTER or 0) + 1 string.upper = nil");
  d.run_plan(*plan);
  d.run_plan(*plan);
  EXPECT_EQ(d.logs(), (std::vector<std::string>{"nil"}));
}

TEST(LuaSandboxMisc, MemoryCapIsConfigurable) {
  Driver d;
  d.ctx.limits.memory_bytes = 1u << 20;
  Done small = d.run("local t = {} for i = 1, 200000 do t[i] = i end");
  EXPECT_EQ(small.error, ScriptErrorKind::Memory);
  d.ctx.limits.memory_bytes = 16u << 20;
  Done big = d.run("local t = {} for i = 1, 200000 do t[i] = i end");
  EXPECT_EQ(big.status, 480) << big.error_message;
}

TEST(LuaSandboxMisc, ManySequentialAttacksDoNotDegrade) {
  Driver d;
  d.ctx.limits.instruction_budget = 200'000;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(d.run("while true do pcall(function() while true do end end) end").error,
              ScriptErrorKind::Budget);
  }
  expect_clean_followup(d);
}

}  // namespace
}  // namespace sip::lua::test
