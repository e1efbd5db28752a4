#include "sip/dialplan/dialstring_plan.hpp"

#include <string>
#include <utility>
#include <variant>

#include "sip/dialplan/outcome.hpp"
#include "sip/dialstring/dialstring.hpp"

namespace sip::dialplan {
namespace {

// Line and column (1-based) of byte `offset` in `text`.
Diagnostic diagnostic_at(std::string_view text, std::size_t offset, std::string message) {
  Diagnostic d;
  d.line = 1;
  d.column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++d.line;
      d.column = 1;
    } else {
      ++d.column;
    }
  }
  d.message = std::move(message);
  return d;
}

class DialStringExecution final : public Execution {
 public:
  explicit DialStringExecution(std::string text) : text_(std::move(text)) {}

  Action start(const CallContext& ctx) override {
    Dial d;
    d.dial_string = text_;
    d.ring_seconds = ctx.limits.max_ring_seconds;
    started_ = true;
    return d;
  }

  Action resume(ActionResult result) override {
    if (done_) return final_;
    done_ = true;
    if (std::holds_alternative<CallerCancelled>(result)) {
      final_ = OutcomeTracker::cancelled();
    } else if (const auto* dial = std::get_if<DialResult>(&result)) {
      if (dial->outcome == DialOutcome::Answered) {
        final_ = OutcomeTracker::answered();
      } else if (dial->outcome == DialOutcome::ClientCancelled) {
        final_ = OutcomeTracker::cancelled();
      } else {
        OutcomeTracker tracker;
        tracker.record_dial(*dial);
        final_ = tracker.unanswered();
      }
    } else {
      final_ = OutcomeTracker().unanswered();
    }
    return final_;
  }

  bool done() const noexcept override { return done_; }

 private:
  std::string text_;
  bool started_ = false;
  bool done_ = false;
  Done final_;
};

class DialStringPlan final : public CompiledPlan {
 public:
  DialStringPlan(std::string name, std::string text)
      : name_(std::move(name)), text_(std::move(text)) {}
  PlanType type() const noexcept override { return PlanType::DialString; }
  const std::string& name() const noexcept override { return name_; }
  std::unique_ptr<Execution> new_execution() const override {
    return std::make_unique<DialStringExecution>(text_);
  }

 private:
  std::string name_;
  std::string text_;
};

}  // namespace

CompileResult DialStringCompiler::compile(std::string_view name, std::string_view source) const {
  CompileResult out;
  std::string text(source);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  // Variables (${dst} ...) are substituted per call; check the syntax with
  // them in place (they contain no separators).
  auto parsed = dialstring::parse(text);
  if (!parsed) {
    const Error& e = parsed.error();
    const bool has_detail = e.detail != nullptr && *e.detail != '\0';
    out.error = diagnostic_at(text, e.offset, has_detail ? e.detail : errc_text(e.code));
    return out;
  }
  if (parsed->dial.stages.empty() && !parsed->legacy) {
    out.error = diagnostic_at(text, 0, "empty dial string");
    return out;
  }
  out.plan = std::make_shared<DialStringPlan>(std::string(name), std::move(text));
  return out;
}

}  // namespace sip::dialplan
