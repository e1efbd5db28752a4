// Runner: drives one call's dial plan execution (docs/dialling.md), the same
// way in sipproxyd and in dialplan-test: it answers the execution's actions,
// resolves each Dial with routing::resolve and runs it with a Forker, keeps
// the per-execution leg limit, starts the one rm=n redirect execution, and
// turns the final Done into the response the caller gets. What touches the
// outside (legs, provisional responses, logs, the key/value store, HTTP)
// goes through the RunnerPort the driver implements.
// Thread-safety: one thread (the owner of the TimerService).
// Re-entrancy: RunnerPort::finished() is the last thing a Runner does and
// may destroy it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/timer.hpp"
#include "sip/dialer/forker.hpp"
#include "sip/dialer/fraud_guard.hpp"
#include "sip/dialplan/execution.hpp"
#include "sip/routing/router.hpp"

namespace sip::dialer {

// The final response the caller receives for a Done (Answered and
// ClientCancelled send nothing). A B2BUA does not pass on a challenge
// (401/407 -> 480) nor a 503 (-> 500, RFC 3261 16.7); statuses outside
// 300-699 become 500. The script itself always sees the real status.
struct CallerResponse {
  bool send = false;
  int status = 0;
  std::string reason;
  std::vector<std::string> headers;  // "Name: value" (a 3xx's Contact)
};
CallerResponse caller_response(const dialplan::Done& done);

// What a Dial resolved to, for traces and logs.
struct DialStart {
  std::size_t dial = 0;                             // 1-based count of Dials in this call
  std::string substituted;                          // the dial string after ${...} substitution
  const routing::Resolution* resolution = nullptr;  // null on error
  std::string error;  // set when the Dial returns Error before any leg
};

class RunnerPort : public LegPort {
 public:
  // Routing lookups (served domains, accounts, bindings, providers).
  virtual routing::RouteSource& routes() = 0;
  // A provisional response (Respond 101-199) for the caller.
  virtual void provisional(const dialplan::Respond& respond) = 0;
  virtual void log(const dialplan::Log& line) = 0;
  // KvRead/KvWrite/KvDelete/KvKeys/HttpGet: return the result now, or
  // nullopt and call Runner::resume() with it later.
  virtual std::optional<dialplan::ActionResult> perform(const dialplan::Action& action) = 0;
  // The execution ended; `caller` is what to send the caller. Last call.
  virtual void finished(const dialplan::Done& done, const CallerResponse& caller) = 0;
  // Observers (traces, console); default: nothing.
  virtual void dial_started(const dialplan::Dial& /*dial*/, const DialStart& /*start*/) {}
  virtual void dial_ended(const DialReport& /*report*/) {}
  virtual void redirect_execution(const std::string& /*uri*/) {}
  virtual void wait_started(int /*seconds*/) {}
};

struct RunnerLimits {
  std::size_t max_legs = 20;  // per execution, over all its Dials
  std::size_t max_actions = 100000;
  // Checks guarded destinations (fraud_guard.hpp); null: none are checked.
  // Must outlive the Runner.
  FraudGuard* guard = nullptr;
};

class Runner {
 public:
  // `base` holds the request variables and caller identity of the call;
  // its `dial` and `max_legs` are set per Dial.
  Runner(RunnerPort& port, TimerService& timers, std::shared_ptr<const dialplan::CompiledPlan> plan,
         dialplan::CallContext ctx, routing::ResolveInput base, RunnerLimits limits = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Starts the execution; runs until it waits for something (or finishes).
  void start();
  // The result of an action perform() left pending.
  void resume(dialplan::ActionResult result);
  // The caller went away: live legs are cancelled, the execution ends with
  // CallerCancelled. finished() is not called.
  void cancel(std::string_view why);

  // The running Dial's forker, or null. Legs are reported to it.
  Forker* forker() noexcept { return forker_ && forker_->running() ? forker_.get() : nullptr; }
  // Counts the Dials of this call (1 for the first); port reports carry it
  // so late responses of an earlier Dial are told apart.
  std::size_t dial_count() const noexcept { return dials_; }
  bool done() const noexcept { return done_; }
  bool answered() const noexcept { return answered_; }
  // The leg that answered the call (valid once answered()).
  const routing::ResolvedLeg* answered_leg() const noexcept {
    return answered_ ? &answered_leg_ : nullptr;
  }
  // The Dial's answered-call limit for the winning leg (its cd= wins), 0 = none.
  int answered_limit_seconds() const noexcept { return answered_limit_; }
  // The running (or last) Dial's own answered-call limit, 0 = none.
  int dial_answered_limit() const noexcept { return dial_answered_limit_; }

 private:
  void drive(dialplan::Action action);
  void start_dial(const dialplan::Dial& dial);
  void dial_done(DialReport report);
  void finish(const dialplan::Done& done);
  // Drops the legs of `resolution` the fraud guard refuses (guarded Dials
  // only); returns the last refusal, or empty.
  std::string guard_legs(routing::Resolution& resolution);

  RunnerPort& port_;
  TimerService& timers_;
  std::shared_ptr<const dialplan::CompiledPlan> plan_;
  dialplan::CallContext ctx_;  // kept for the rm=n redirect execution
  routing::ResolveInput base_;
  RunnerLimits limits_;
  std::unique_ptr<dialplan::Execution> execution_;
  std::unique_ptr<Forker> forker_;
  std::unique_ptr<Forker> retired_;  // the previous Dial's (may still be on the stack)
  std::size_t legs_used_ = 0;
  std::size_t actions_ = 0;
  std::size_t dials_ = 0;
  int dial_answered_limit_ = 0;
  int answered_limit_ = 0;
  routing::ResolvedLeg answered_leg_;
  TimerId wait_timer_ = 0;
  bool redirected_ = false;
  // Dials of this execution dial guarded destinations (fraud_guard.hpp):
  // set for rm=n and transfer executions and after a Dial returned Redirect.
  bool guarded_ = false;
  bool answered_ = false;
  bool done_ = false;
  bool pending_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

}  // namespace sip::dialer
