#include "sip/dialer/runner.hpp"

#include <utility>
#include <variant>

#include "sip/dialplan/outcome.hpp"
#include "sip/dialstring/substitute.hpp"
#include "sip/message/status.hpp"
#include "sip/uri/uri.hpp"

namespace sip::dialer {

CallerResponse caller_response(const dialplan::Done& done) {
  CallerResponse r;
  if (done.kind == dialplan::DoneKind::Answered || done.kind == dialplan::DoneKind::ClientCancelled)
    return r;
  r.send = true;
  r.status = done.status;
  r.reason = done.reason;
  r.headers = done.headers;
  if (r.status == 401 || r.status == 407) {
    r.status = 480;
    r.reason = std::string(msg::reason_phrase(480));
    r.headers.clear();
  } else if (r.status == 503) {
    r.status = 500;
    r.reason = std::string(msg::reason_phrase(500));
  } else if (done.kind == dialplan::DoneKind::Unanswered && r.status >= 300 && r.status < 400) {
    // A leg's redirect the plan did not act on: no Contact goes to the caller.
    r.status = 480;
    r.reason = std::string(msg::reason_phrase(480));
    r.headers.clear();
  } else if (r.status < 300 || r.status > 699) {
    r.status = 500;
    r.reason = std::string(msg::reason_phrase(500));
    r.headers.clear();
  }
  if (r.reason.empty()) r.reason = std::string(msg::reason_phrase(r.status));
  return r;
}

Runner::Runner(RunnerPort& port, TimerService& timers,
               std::shared_ptr<const dialplan::CompiledPlan> plan, dialplan::CallContext ctx,
               routing::ResolveInput base, RunnerLimits limits)
    : port_(port),
      timers_(timers),
      plan_(std::move(plan)),
      ctx_(std::move(ctx)),
      base_(std::move(base)),
      limits_(limits) {}

Runner::~Runner() {
  if (wait_timer_ != 0) timers_.cancel(wait_timer_);
}

void Runner::start() {
  guarded_ = ctx_.redirect || ctx_.transfer;
  execution_ = plan_->new_execution();
  drive(execution_->start(ctx_));
}

void Runner::resume(dialplan::ActionResult result) {
  if (done_ || !pending_) return;
  pending_ = false;
  drive(execution_->resume(std::move(result)));
}

void Runner::cancel(std::string_view why) {
  if (done_) return;
  done_ = true;
  if (wait_timer_ != 0) timers_.cancel(wait_timer_);
  wait_timer_ = 0;
  std::weak_ptr<char> token = alive_;
  if (forker_) forker_->abort(why);
  if (token.expired()) return;
  if (execution_ && !execution_->done()) (void)execution_->resume(dialplan::CallerCancelled{});
}

void Runner::drive(dialplan::Action action) {
  std::weak_ptr<char> token = alive_;
  while (!done_) {
    if (auto* d = std::get_if<dialplan::Done>(&action)) return finish(*d);
    if (++actions_ > limits_.max_actions) {
      (void)execution_->resume(dialplan::CallerCancelled{});
      return finish(dialplan::OutcomeTracker::script_error(dialplan::ScriptErrorKind::Budget,
                                                           "too many actions", 0));
    }
    if (auto* dial = std::get_if<dialplan::Dial>(&action)) return start_dial(*dial);
    if (auto* respond = std::get_if<dialplan::Respond>(&action)) {
      if (respond->status > 100 && respond->status < 200 && !answered_) port_.provisional(*respond);
      if (token.expired() || done_) return;
      action = execution_->resume(dialplan::Ack{});
      continue;
    }
    if (auto* line = std::get_if<dialplan::Log>(&action)) {
      port_.log(*line);
      if (token.expired() || done_) return;
      action = execution_->resume(dialplan::Ack{});
      continue;
    }
    if (auto* w = std::get_if<dialplan::Wait>(&action)) {
      const int seconds = std::max(0, w->seconds);
      port_.wait_started(seconds);
      if (token.expired() || done_) return;
      wait_timer_ = timers_.start(std::chrono::seconds(seconds), [this, token] {
        if (token.expired() || done_) return;
        wait_timer_ = 0;
        drive(execution_->resume(dialplan::Ack{}));
      });
      return;
    }
    auto result = port_.perform(action);
    if (token.expired() || done_) return;
    if (!result) {
      pending_ = true;
      return;
    }
    action = execution_->resume(std::move(*result));
  }
}

void Runner::start_dial(const dialplan::Dial& dial) {
  ++dials_;
  DialStart info;
  info.dial = dials_;
  std::weak_ptr<char> token = alive_;
  auto error = [&](std::string why) {
    info.error = std::move(why);
    port_.dial_started(dial, info);
    if (token.expired() || done_) return;
    DialReport r;
    r.result.outcome = dialplan::DialOutcome::Error;
    port_.dial_ended(r);
    if (token.expired() || done_) return;
    drive(execution_->resume(std::move(r.result)));
  };
  if (answered_) {
    dialplan::DialResult r;
    r.outcome = dialplan::DialOutcome::AlreadyAnswered;
    return drive(execution_->resume(std::move(r)));
  }
  auto text = dialstring::substitute(dial.dial_string, base_.subst);
  info.substituted = text ? *text : dial.dial_string;
  routing::ResolveInput in = base_;
  in.dial = &dial;
  in.max_legs = limits_.max_legs > legs_used_ ? limits_.max_legs - legs_used_ : 0;
  auto resolved = routing::resolve(in, port_.routes());
  if (!resolved) return error("dial string: " + resolved.error().to_string());
  info.resolution = &*resolved;
  for (const auto& d : resolved->dropped)
    if (d.reason == "leg limit") {
      info.resolution = nullptr;
      return error("leg limit reached (" + std::to_string(limits_.max_legs) + " per execution)");
    }
  std::string refused;
  if (limits_.guard != nullptr && (guarded_ || limits_.guard->config().all_dials)) {
    refused = guard_legs(*resolved);
    if (token.expired() || done_) return;
  }
  if (resolved->legs.empty() && !refused.empty()) {
    // Every leg was refused: the Dial fails as if the destination refused it.
    port_.dial_started(dial, info);
    if (token.expired() || done_) return;
    DialReport r;
    r.result.outcome = dialplan::DialOutcome::Failed;
    r.result.failure_status = 403;
    r.result.failure_reason = "Forbidden destination";
    port_.dial_ended(r);
    if (token.expired() || done_) return;
    return drive(execution_->resume(std::move(r.result)));
  }
  if (resolved->legs.empty()) {
    info.resolution = nullptr;
    return error(dial.dial_string.empty() ? "empty dial string" : "no call legs resulted");
  }
  port_.dial_started(dial, info);
  if (token.expired() || done_) return;
  legs_used_ += resolved->legs.size();
  dial_answered_limit_ = dial.answered_limit_seconds;
  retired_ = std::move(forker_);
  forker_ = std::make_unique<Forker>(timers_, port_, std::move(resolved->legs), dial.ring_seconds,
                                     [this](DialReport r) { dial_done(std::move(r)); });
  forker_->start();
}

std::string Runner::guard_legs(routing::Resolution& resolution) {
  std::string last;
  const std::int64_t now = ctx_.clock != nullptr ? ctx_.clock->unix_millis() : 0;
  auto& legs = resolution.legs;
  for (auto it = legs.begin(); it != legs.end();) {
    // Legs to the owner's own accounts cost nothing: not guarded.
    if (it->kind == routing::LegKind::Binding || it->kind == routing::LegKind::Loopback) {
      ++it;
      continue;
    }
    std::string user;
    if (auto u = uri::parse_uri(it->request_uri)) user = std::string(u->user);
    std::string why = limits_.guard->check(ctx_.owner, user, now, guarded_);
    if (why.empty()) {
      ++it;
      continue;
    }
    const char* what = !guarded_       ? "dialled"
                       : ctx_.transfer ? "transfer target"
                                       : "redirect target";
    port_.log(dialplan::Log{"refused " + it->destination + ": " + why + " (" + what + ")",
                            dialplan::ConsoleLevel::Warn});
    resolution.dropped.push_back(routing::DroppedLeg{it->stage, it->destination, why});
    last = std::move(why);
    it = legs.erase(it);
  }
  return last;
}

void Runner::dial_done(DialReport report) {
  std::weak_ptr<char> token = alive_;
  if (report.result.outcome == dialplan::DialOutcome::Answered && report.winner && forker_) {
    answered_ = true;
    answered_leg_ = forker_->legs()[*report.winner];
    const auto& o = answered_leg_.options;
    answered_limit_ = o.call_duration ? static_cast<int>(*o.call_duration) : dial_answered_limit_;
  }
  if (report.result.outcome == dialplan::DialOutcome::Redirect) guarded_ = true;
  port_.dial_ended(report);
  if (token.expired() || done_) return;
  if (!answered_ && report.redirect_execution) {
    if (!redirected_) {
      redirected_ = true;
      (void)execution_->resume(dialplan::CallerCancelled{});
      port_.redirect_execution(report.redirect_execution_uri);
      if (token.expired() || done_) return;
      // The redirect instance handles the call coming back to the plan: it
      // runs as In with sys.Redirect set, and a fresh leg budget.
      dialplan::CallContext second = ctx_;
      second.direction = dialplan::Direction::In;
      second.redirect = true;
      second.redirect_uri = report.redirect_execution_uri;
      second.redirect_response = report.redirect_execution_response;
      legs_used_ = 0;
      guarded_ = true;  // its Dials reach redirect targets
      execution_ = plan_->new_execution();
      return drive(execution_->start(std::move(second)));
    }
    port_.log(dialplan::Log{"rm=n redirect refused: only one redirect execution per call",
                            dialplan::ConsoleLevel::Warn});
    if (token.expired() || done_) return;
  }
  drive(execution_->resume(std::move(report.result)));
}

void Runner::finish(const dialplan::Done& done) {
  done_ = true;
  if (wait_timer_ != 0) timers_.cancel(wait_timer_);
  wait_timer_ = 0;
  if (forker_) forker_->abort("dial plan ended");
  // Last statement: finished() may destroy this Runner.
  port_.finished(done, caller_response(done));
}

}  // namespace sip::dialer
