// Dial plan executions (docs/dialling.md): one resumable state machine
// per call, driven the same way by the daemon's call manager and by
// dialplan-test. A CompiledPlan is the validated, immutable form of a stored
// plan; it creates Executions. Thread-safety: a CompiledPlan is immutable and
// may be shared (shared_ptr<const>); an Execution belongs to one thread.
//
// Driving protocol:
//   auto ex = plan->new_execution();
//   Action a = ex->start(ctx);
//   while (!std::holds_alternative<Done>(a)) {
//     ActionResult r = perform(a);   // Dial -> DialResult, KvRead -> KvResult,
//     a = ex->resume(std::move(r));  // HttpGet -> HttpResult, others -> Ack
//   }                                // CallerCancelled{} any time ends it
//   send(std::get<Done>(a));         // per DoneKind
// Actions come out in script order; every action is answered exactly once.
// After Done, resume() keeps returning the same Done.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "sip/dialplan/action.hpp"
#include "sip/dialplan/call_context.hpp"
#include "sip/dialplan/host.hpp"

namespace sip::dialplan {

enum class PlanType : std::uint8_t { Lua, Wizard, DialString };

const char* plan_type_name(PlanType type) noexcept;  // "lua", "wizard", "dialstring"

class Execution {
 public:
  virtual ~Execution() = default;
  Execution() = default;
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // Runs until the first action. `ctx.clock` must be set. Call once.
  // The context is the caller's: an execution copies what it keeps.
  virtual Action start(const CallContext& ctx) = 0;
  // Delivers the result of the last action; runs until the next one. A result
  // of the wrong type counts as a failure (Dial -> "Error", reads -> nil).
  virtual Action resume(ActionResult result) = 0;
  // True once Done was returned.
  virtual bool done() const noexcept = 0;
};

// A compile or validation problem, for "file:line:col: message" output.
struct Diagnostic {
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown (Lua reports lines only)
  std::string message;  // without any "file:line:" prefix
};

class CompiledPlan {
 public:
  virtual ~CompiledPlan() = default;
  virtual PlanType type() const noexcept = 0;
  virtual const std::string& name() const noexcept = 0;
  // A fresh execution; cheap enough to call per call. Never null.
  virtual std::unique_ptr<Execution> new_execution() const = 0;
};

// Either a compiled plan or the first problem found (validate on save).
struct CompileResult {
  std::shared_ptr<const CompiledPlan> plan;  // null on error
  Diagnostic error;
  bool ok() const noexcept { return plan != nullptr; }
};

class Compiler {
 public:
  virtual ~Compiler() = default;
  // `source` is the stored text (Lua script, wizard JSON, ...); `name` the
  // dial plan name (sys.DialPlanName defaults to it).
  virtual CompileResult compile(std::string_view name, std::string_view source) const = 0;
};

// The Done for a plan that cannot run (stored text no longer compiles):
// 500 "Dial plan syntax error" with the diagnostic as the console message.
Done syntax_error_done(const Diagnostic& diag);

}  // namespace sip::dialplan
