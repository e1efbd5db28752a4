#include "sip/dialplan/action.hpp"

#include "sip/dialplan/execution.hpp"

namespace sip::dialplan {
namespace {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

}  // namespace

const char* action_name(const Action& action) noexcept {
  return std::visit(
      Overload{[](const Dial&) { return "dial"; }, [](const Respond&) { return "respond"; },
               [](const Log&) { return "log"; }, [](const Wait&) { return "wait"; },
               [](const KvRead&) { return "kv_read"; }, [](const KvWrite&) { return "kv_write"; },
               [](const KvDelete&) { return "kv_delete"; }, [](const KvKeys&) { return "kv_keys"; },
               [](const HttpGet&) { return "http_get"; },
               [](const Callback&) { return "callback"; }, [](const Done&) { return "done"; }},
      action);
}

bool action_awaits_value(const Action& action) noexcept {
  return std::holds_alternative<Dial>(action) || std::holds_alternative<KvRead>(action) ||
         std::holds_alternative<KvWrite>(action) || std::holds_alternative<KvDelete>(action) ||
         std::holds_alternative<KvKeys>(action) || std::holds_alternative<HttpGet>(action);
}

const char* dial_outcome_name(DialOutcome outcome) noexcept {
  switch (outcome) {
    case DialOutcome::Answered: return "Answered";
    case DialOutcome::Failed: return "Failed";
    case DialOutcome::Redirect: return "Redirect";
    case DialOutcome::TimedOut: return "TimedOut";
    case DialOutcome::ClientCancelled: return "ClientCancelled";
    case DialOutcome::Error: return "Error";
    case DialOutcome::AlreadyAnswered: return "AlreadyAnswered";
  }
  return "Error";
}

const char* done_kind_name(DoneKind kind) noexcept {
  switch (kind) {
    case DoneKind::Answered: return "answered";
    case DoneKind::Responded: return "responded";
    case DoneKind::Unanswered: return "unanswered";
    case DoneKind::ScriptError: return "script_error";
    case DoneKind::ClientCancelled: return "client_cancelled";
  }
  return "unanswered";
}

const char* script_error_name(ScriptErrorKind kind) noexcept {
  switch (kind) {
    case ScriptErrorKind::None: return "none";
    case ScriptErrorKind::Syntax: return "syntax";
    case ScriptErrorKind::Runtime: return "runtime";
    case ScriptErrorKind::MissingMethod: return "missing_method";
    case ScriptErrorKind::Memory: return "memory";
    case ScriptErrorKind::Budget: return "budget";
    case ScriptErrorKind::Deadline: return "deadline";
  }
  return "runtime";
}

const char* console_level_name(ConsoleLevel level) noexcept {
  switch (level) {
    case ConsoleLevel::Info: return "info";
    case ConsoleLevel::Warn: return "warn";
    case ConsoleLevel::Error: return "error";
  }
  return "info";
}

const char* plan_type_name(PlanType type) noexcept {
  switch (type) {
    case PlanType::Lua: return "lua";
    case PlanType::Wizard: return "wizard";
    case PlanType::DialString: return "dialstring";
  }
  return "lua";
}

}  // namespace sip::dialplan
