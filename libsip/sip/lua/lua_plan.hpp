// Lua 5.4 dial plans: the SIPSorcery `sys`/`req` API in a sandbox.
// LuaCompiler validates a script (syntax errors with their line) and yields a
// CompiledPlan holding its bytecode; each new_execution() gets its own
// lua_State (isolation: no globals, memory or finalizers shared between calls;
// cost: one state per call, see the benchmark in tests/unit/lua).
// Thread-safety: LuaCompiler and compiled plans are immutable and shareable;
// an execution belongs to the thread that drives it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sip/dialplan/execution.hpp"

namespace sip::lua {

// Operator policy for every Lua plan (per-call limits are in CallContext).
struct LuaConfig {
  // Hosts sys.WebGet may ask for: exact names, "*.example.com" for
  // subdomains, or "*" for any (the default: the driver decides, by its own
  // allow-list in sipproxyd (docs/webget.md) or its table in dialplan-test).
  // Empty turns WebGet off here: it logs a refusal and returns nil. URLs
  // with user info or control characters are refused either way.
  std::vector<std::string> web_allowed_hosts = {"*"};
  int web_default_timeout_seconds = 5;
  int web_max_timeout_seconds = 10;
  std::size_t web_max_bytes = 8192;
  std::size_t max_source_bytes = 256 * 1024;
};

class LuaCompiler final : public dialplan::Compiler {
 public:
  explicit LuaCompiler(LuaConfig config = {});
  // Errors: a syntax error (line, message without the "dialplan:N:" prefix),
  // an empty name, or source larger than max_source_bytes.
  dialplan::CompileResult compile(std::string_view name, std::string_view source) const override;

 private:
  LuaConfig config_;
};

// Chunk name scripts run under; error messages read "dialplan:LINE: ...".
inline constexpr const char* kChunkName = "=dialplan";

}  // namespace sip::lua
