// The simulated network and clock under one call: legs are answered from the
// outcome table after their delay, in simulated time (a ManualTimerService);
// the dial engine (Runner/Forker) is the daemon's.
#include "sip/dialer/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "sip/base/ci.hpp"
#include "sip/base/timer.hpp"
#include "sip/dialer/loopback.hpp"
#include "sip/dialer/plans.hpp"
#include "sip/dialer/runner.hpp"
#include "sip/dialer/simulation_context.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/dialstring/options.hpp"
#include "sip/message/status.hpp"
#include "sip/wizard/time_zone.hpp"

namespace sip::dialer {
namespace {

namespace dp = sip::dialplan;

// A call whose plan still waits after this much simulated time is stopped.
constexpr auto kMaxSimulated = std::chrono::hours(24);

std::string reason_or_default(int status, const std::string& reason) {
  return reason.empty() ? std::string(sip::msg::reason_phrase(status)) : reason;
}

double round_ms(double t) {
  return std::round(t * 1000) / 1000;
}

std::string response_text(int status, const std::string& reason, const std::string& contact) {
  return "SIP/2.0 " + std::to_string(status) + " " + reason + "\r\nContact: <" + contact +
         ">\r\nContent-Length: 0\r\n\r\n";
}

}  // namespace

struct Simulation::Impl final {
  SimulationSetup setup;
  Lookups& lookups;
  const OutcomeTable& outcomes;
  std::shared_ptr<const dp::CompiledPlan> plan;
  Sink sink;
  std::map<std::string, std::string> kv;  // the owner's store of this Simulation
  // Loop-back plans compiled once per Simulation, by "owner/name".
  std::map<std::string, std::shared_ptr<const dp::CompiledPlan>> loop_plans;

  struct LiveLeg {
    const OutcomeRule* outcome = nullptr;
    double started = 0;
    sip::TimerId timer = 0;
    std::optional<std::size_t> child;  // a loop-back leg's execution
  };
  class Port;
  // One execution: [0] the call's plan, then one per loop-back leg.
  struct Exec {
    std::unique_ptr<Port> port;
    std::unique_ptr<Runner> runner;
    std::size_t depth = 0;
    std::size_t parent = 0, parent_dial = 0, parent_leg = 0;  // loop-backs
    std::vector<routing::ResolvedLeg> dial_legs;              // of its running Dial
    std::vector<LiveLeg> live;                                // by leg index
    std::string answered_uri, answered_destination;           // the leg that answered it
    bool finished = false;
  };
  // The RunnerPort of one execution.
  class Port final : public RunnerPort {
   public:
    Port(Impl& impl, std::size_t x) : impl_(impl), x_(x) {}
    routing::RouteSource& routes() override { return impl_.lookups; }
    void place_leg(std::size_t i) override { impl_.place_leg(x_, i); }
    void cancel_leg(std::size_t i, std::string_view why) override { impl_.cancel_leg(x_, i, why); }
    void provisional(const dp::Respond& r) override { impl_.provisional(x_, r); }
    void log(const dp::Log& line) override { impl_.log(x_, line); }
    std::optional<dp::ActionResult> perform(const dp::Action& a) override {
      return impl_.perform(x_, a);
    }
    void finished(const dp::Done& d, const CallerResponse& c) override { impl_.finished(x_, d, c); }
    void dial_started(const dp::Dial& d, const DialStart& s) override {
      impl_.dial_started(x_, d, s);
    }
    void dial_ended(const DialReport& r) override { impl_.dial_ended(x_, r); }
    void redirect_execution(const std::string& uri) override {
      impl_.emit(x_, trace::RedirectExecution{uri});
    }
    void wait_started(int seconds) override { impl_.emit(x_, trace::Wait{seconds}); }

   private:
    Impl& impl_;
    std::size_t x_;
  };

  // Per call.
  const SimulatedCall* call = nullptr;
  std::unique_ptr<sip::ManualTimerService> timers;
  std::vector<std::unique_ptr<Exec>> execs;
  SimulationReport report;
  bool ended = false;
  dp::Done done;
  CallerResponse caller;
  FraudGuard guard;  // after `setup`: built from setup.fraud

  Impl(SimulationSetup s, Lookups& l, const OutcomeTable& o,
       std::shared_ptr<const dp::CompiledPlan> p, Sink k)
      : setup(std::move(s)),
        lookups(l),
        outcomes(o),
        plan(std::move(p)),
        sink(std::move(k)),
        guard(setup.fraud) {}

  double now() const {
    return std::chrono::duration<double>(timers->clock().now().time_since_epoch()).count();
  }

  void emit(std::size_t x, trace::Body body) {
    if (!sink) return;
    sink(trace::Event{call->id, round_ms(now()), std::move(body), x});
  }

  RunnerLimits limits() {
    RunnerLimits l;
    l.max_legs = setup.max_legs;
    l.max_actions = setup.max_actions;
    l.guard = &guard;
    return l;
  }

  // Starts execution `x` (already in execs).
  void start_exec(std::size_t x, std::shared_ptr<const dp::CompiledPlan> p, dp::CallContext ctx,
                  routing::ResolveInput base) {
    Exec& e = *execs[x];
    e.port = std::make_unique<Port>(*this, x);
    e.runner = std::make_unique<Runner>(*e.port, *timers, std::move(p), std::move(ctx),
                                        std::move(base), limits());
    e.runner->start();
  }

  // ---- the RunnerPort of execution x ----------------------------------------

  void dial_started(std::size_t x, const dp::Dial& dial, const DialStart& start) {
    Exec& ex = *execs[x];
    if (x == 0) report.dialled.push_back(start.substituted);
    trace::Dial e;
    e.dial_string = dial.dial_string;
    e.substituted = start.substituted;
    e.ring_seconds = dial.ring_seconds;
    e.answered_limit_seconds = dial.answered_limit_seconds;
    ex.live.clear();
    ex.dial_legs.clear();
    if (const routing::Resolution* r = start.resolution) {
      e.legs.emplace();
      for (std::size_t i = 0; i < r->legs.size(); ++i)
        e.legs->push_back(trace_leg(i, r->legs[i], dial.body.has_value()));
      e.dropped = r->dropped;
      e.notes = r->notes;
      ex.dial_legs = r->legs;
      ex.live.resize(r->legs.size());
    }
    e.error = start.error;
    emit(x, std::move(e));
  }

  void place_leg(std::size_t x, std::size_t i) {
    Exec& ex = *execs[x];
    if (i >= ex.dial_legs.size()) return;
    const auto& l = ex.dial_legs[i];
    LiveLeg& lv = ex.live[i];
    lv.started = now();
    if (l.kind == routing::LegKind::Loopback) return start_loopback(x, i);
    std::vector<std::string> candidates{l.request_uri, l.destination, l.account_aor};
    lv.outcome = &outcomes.find(call->id, candidates);
    if (lv.outcome->status == 0) return;  // rings until cancelled
    lv.timer = timers->start(
        std::chrono::duration_cast<sip::Duration>(std::chrono::duration<double>(lv.outcome->delay)),
        [this, x, i] { respond(x, i); });
  }

  // A loop-back leg runs the called account's in dial plan as a child
  // execution; its end is the leg's answer or failure (as in sipproxyd).
  void start_loopback(std::size_t x, std::size_t i) {
    const routing::ResolvedLeg target = execs[x]->dial_legs[i];
    auto fail = [&](int status, std::string reason) { leg_end(x, i, status, std::move(reason)); };
    if (execs[x]->depth + 1 > kMaxLoopDepth) return fail(482, "Loop Detected");
    const auto at = target.account_aor.rfind('@');
    const std::string user = target.account_aor.substr(0, at);
    const std::string host = at == std::string::npos ? "" : target.account_aor.substr(at + 1);
    const store::SipAccount* account = lookups.find_account(user, host);
    const auto view = lookups.account_view(user, host);
    if (account == nullptr || !view) return fail(404, "Not Found");
    const store::DialPlan* stored = lookups.find_dialplan(account->owner_id, account->in_dialplan);
    if (stored == nullptr) return fail(500, "Could not load dialplan " + account->in_dialplan);
    auto& compiled = loop_plans[std::to_string(account->owner_id) + "/" + stored->name];
    if (!compiled) compiled = compile_plan(stored->type, stored->name, stored->source).plan;
    if (!compiled) return fail(500, "Dial plan syntax error");

    LoopbackStart start =
        loopback_start(target, *account, *view, setup, *call, lookups, timers->clock());
    auto child = std::make_unique<Exec>();
    child->depth = execs[x]->depth + 1;
    child->parent = x;
    child->parent_dial = execs[x]->runner->dial_count();
    child->parent_leg = i;
    execs.push_back(std::move(child));
    const std::size_t c = execs.size() - 1;
    execs[x]->live[i].child = c;
    emit(x, trace::Loopback{i, target.account_aor, account->in_dialplan, c});
    start_exec(c, compiled, std::move(start.ctx), std::move(start.base));
  }

  // Leg i of execution x ended without answering (a loop-back's plan
  // failed, or it could not start).
  void leg_end(std::size_t x, std::size_t i, int status, std::string reason) {
    Exec& ex = *execs[x];
    emit(x,
         trace::Response{
             i, ex.dial_legs[i].request_uri, status, reason, round_ms(ex.live[i].started), 0, {}});
    if (Forker* f = ex.runner->forker())
      f->leg_failed(i, LegEnd{status, std::move(reason), {}, {}});
  }

  void respond(std::size_t x, std::size_t i) {
    Exec& ex = *execs[x];
    LiveLeg& lv = ex.live[i];
    lv.timer = 0;
    const int status = lv.outcome->status;
    const std::string reason = reason_or_default(status, lv.outcome->reason);
    emit(x, trace::Response{i, ex.dial_legs[i].request_uri, status, reason, round_ms(lv.started),
                            lv.outcome->line, lv.outcome->contact});
    Forker* f = ex.runner ? ex.runner->forker() : nullptr;
    if (f == nullptr) return;
    if (status >= 200 && status < 300) {
      f->leg_answered(i, status, reason);
      return;
    }
    LegEnd end{status, reason, {}, {}};
    if (status >= 300 && status < 400 && !lv.outcome->contact.empty()) {
      end.contact = lv.outcome->contact;
      end.response = response_text(status, reason, end.contact);
    }
    f->leg_failed(i, std::move(end));
  }

  void cancel_leg(std::size_t x, std::size_t i, std::string_view why) {
    Exec& ex = *execs[x];
    if (i >= ex.live.size()) return;
    LiveLeg& lv = ex.live[i];
    if (lv.timer != 0) timers->cancel(lv.timer);
    lv.timer = 0;
    emit(x, trace::Cancel{i, ex.dial_legs[i].request_uri, round_ms(lv.started), std::string(why)});
    if (lv.child) {
      Exec& child = *execs[*lv.child];
      if (!child.finished && child.runner) {
        child.finished = true;
        child.runner->cancel(why);
      }
    }
  }

  void dial_ended(std::size_t x, const DialReport& rep) {
    Exec& ex = *execs[x];
    const auto& res = rep.result;
    trace::DialResult j;
    j.outcome = res.outcome;
    if (res.outcome == dp::DialOutcome::Answered && rep.winner &&
        *rep.winner < ex.dial_legs.size()) {
      const auto& w = ex.dial_legs[*rep.winner];
      ex.answered_uri = w.request_uri;
      ex.answered_destination = w.destination;
      // A loop-back answered: by the leg its plan's Dial answered with.
      if (const auto& c = ex.live[*rep.winner].child) {
        ex.answered_uri = execs[*c]->answered_uri;
        ex.answered_destination = execs[*c]->answered_destination;
      }
      if (x == 0) {
        report.answered_uri = ex.answered_uri;
        report.answered_destination = ex.answered_destination;
      }
      j.answered_by = w.request_uri;
      j.destination = w.destination;
      const int limit = w.options.call_duration ? static_cast<int>(*w.options.call_duration)
                                                : ex.runner->dial_answered_limit();
      if (limit > 0) j.answered_limit_seconds = limit;
      if (w.options.transfer != sip::dialstring::TransferMode::None)
        j.transfer = sip::dialstring::transfer_mode_name(w.options.transfer);
    } else {
      j.failure_status = res.failure_status;
      j.failure_reason = res.failure_reason;
      j.redirect_uri = res.redirect_uri;
      if (rep.redirect_execution) j.rm_n_redirect = rep.redirect_execution_uri;
    }
    emit(x, std::move(j));
    lookups.set_now(timers->clock().unix_seconds());
  }

  // Only the call's own plan reaches the caller with a provisional response
  // (sipproxyd drops those of loop-backs).
  void provisional(std::size_t x, const dp::Respond& r) {
    if (x != 0) return;
    emit(x, trace::Provisional{r.status, reason_or_default(r.status, r.reason), r.headers});
  }

  void log(std::size_t x, const dp::Log& line) {
    report.logs.push_back(line.text);
    emit(x, trace::Log{line.level, line.text});
  }

  std::optional<dp::ActionResult> perform(std::size_t x, const dp::Action& a) {
    if (auto* r = std::get_if<dp::KvRead>(&a)) {
      dp::KvResult kr;
      if (auto it = kv.find(r->key); it != kv.end()) kr.value = it->second;
      emit(x, trace::KvRead{r->key, kr.value});
      return kr;
    }
    if (auto* w = std::get_if<dp::KvWrite>(&a)) {
      kv[w->key] = w->value;
      emit(x, trace::KvWrite{w->key, w->value});
      return dp::KvResult{};
    }
    if (auto* d = std::get_if<dp::KvDelete>(&a)) {
      kv.erase(d->key);
      emit(x, trace::KvDelete{d->key});
      return dp::KvResult{};
    }
    if (std::holds_alternative<dp::KvKeys>(a)) {
      dp::KvResult kr;
      for (const auto& [k, v] : kv) kr.keys.push_back(k);
      emit(x, trace::KvKeys{kr.keys});
      return kr;
    }
    if (auto* h = std::get_if<dp::HttpGet>(&a)) {
      dp::HttpResult hr;
      trace::HttpGet ev{h->url};
      const auto it = setup.web.find(h->url);
      if (it == setup.web.end()) {
        hr.error = setup.label + " is offline: no answer for this URL in its \"web\" table";
      } else if (!it->second) {
        hr.error = "request failed (as the \"web\" table says)";
        ev.result = "failed";
      } else {
        hr.ok = true;
        hr.status = 200;
        hr.body = it->second->substr(0, h->max_bytes);
        ev.result = "answered";
      }
      emit(x, std::move(ev));
      return hr;
    }
    if (auto* cb = std::get_if<dp::Callback>(&a)) {
      // Not placed: the simulation covers one call; the trace says what the
      // daemon would start.
      emit(x, trace::Callback{cb->first, cb->second, cb->delay_seconds,
                              "not simulated (sipproxyd starts a separate call)"});
      return dp::Ack{};
    }
    return dp::Ack{};
  }

  void finished(std::size_t x, const dp::Done& d, const CallerResponse& c) {
    Exec& ex = *execs[x];
    ex.finished = true;
    if (x == 0) {
      ended = true;
      done = d;
      caller = c;
      return;
    }
    // A loop-back: its end is the parent leg's answer or failure, if the
    // parent's Dial that placed the leg still runs.
    if (d.kind == dp::DoneKind::ClientCancelled) return;
    Exec& up = *execs[ex.parent];
    if (!up.runner || up.runner->dial_count() != ex.parent_dial) return;
    if (d.kind == dp::DoneKind::Answered) {
      emit(ex.parent, trace::Response{ex.parent_leg,
                                      up.dial_legs[ex.parent_leg].request_uri,
                                      200,
                                      "OK",
                                      round_ms(up.live[ex.parent_leg].started),
                                      0,
                                      {}});
      if (Forker* f = up.runner->forker()) f->leg_answered(ex.parent_leg, 200, "OK");
      return;
    }
    leg_end(ex.parent, ex.parent_leg, c.status, c.reason);
  }

  // ---- one call --------------------------------------------------------------

  SimulationReport run(const SimulatedCall& c) {
    call = &c;
    report = SimulationReport{};
    report.id = c.id;
    ended = false;
    done = dp::Done{};
    caller = CallerResponse{};
    execs.clear();
    const std::int64_t start = c.at.value_or(setup.start_time);
    timers = std::make_unique<sip::ManualTimerService>(start);
    lookups.set_now(start);
    dp::CallContext ctx = call_context(setup, c, plan->name(), lookups, timers->clock(), start);
    ctx.transfer = c.transfer;
    trace::CallStart cs;
    cs.direction = c.direction;
    cs.uri = c.uri;
    cs.from = c.from.empty() ? default_from(c) : c.from;
    cs.plan = plan->name();
    cs.plan_type = plan->type();
    cs.start_time = start;
    cs.time_zone = setup.time_zone;
    cs.tz_offset_minutes = ctx.tz_offset_minutes;
    if (ctx.from_account) cs.account = ctx.from_account->username + "@" + ctx.from_account->domain;
    emit(0, std::move(cs));
    routing::ResolveInput base = call_resolve_base(setup, ctx);
    const auto deadline = std::chrono::steady_clock::now() + setup.wall_budget;
    execs.push_back(std::make_unique<Exec>());
    start_exec(0, plan, std::move(ctx), std::move(base));
    // Simulated time: fire the next timer until the execution ends.
    const auto limit = std::chrono::duration_cast<sip::Duration>(kMaxSimulated);
    bool out_of_time = false;
    while (!ended && timers->pending() > 0 && timers->clock().now().time_since_epoch() < limit) {
      if (setup.wall_budget.count() > 0 && std::chrono::steady_clock::now() >= deadline) {
        out_of_time = true;
        break;
      }
      timers->advance(timers->next_due());
    }
    if (!ended) {
      const std::string why =
          out_of_time ? ": the simulation took more than " +
                            std::to_string(setup.wall_budget.count()) + " ms of real time; stopping"
                      : ": the plan still waits after 24 h of simulated time; stopping";
      log(0, dp::Log{setup.label + why, dp::ConsoleLevel::Error});
      execs[0]->runner->cancel("simulation stopped");
      done = dp::OutcomeTracker::cancelled();
    }
    return finish_report();
  }

  SimulationReport finish_report() {
    report.kind = dp::done_kind_name(done.kind);
    switch (done.kind) {
      case dp::DoneKind::Answered:
        report.status = 200;
        report.reason = "OK";
        break;
      case dp::DoneKind::ClientCancelled:
        report.status = 487;
        report.reason = "Request Terminated";
        break;
      default:
        report.status = caller.status;
        report.reason = caller.reason;
        break;
    }
    if (done.kind != dp::DoneKind::Answered) {
      report.answered_uri.clear();
      report.answered_destination.clear();
    }
    trace::Final fin;
    fin.status = report.status;
    fin.reason = report.reason;
    fin.kind = report.kind;
    fin.dialled = report.dialled;
    if (done.kind != dp::DoneKind::Answered && done.kind != dp::DoneKind::ClientCancelled &&
        (done.status != caller.status || done.reason != caller.reason)) {
      // What the plan ended with, before the caller-facing rules.
      fin.plan_status = done.status;
      fin.plan_reason = done.reason;
    }
    fin.answered_by = report.answered_uri;
    fin.destination = report.answered_destination;
    fin.headers = caller.headers;
    if (done.kind == dp::DoneKind::ScriptError) {
      report.error_message = done.error_message;
      report.error_line = done.error_line;
      fin.error = trace::Final::Error{dp::script_error_name(done.error), done.error_message,
                                      done.error_line};
    }
    emit(0, std::move(fin));
    execs.clear();
    return report;
  }
};

Simulation::Simulation(SimulationSetup setup, Lookups& lookups, const OutcomeTable& outcomes,
                       std::shared_ptr<const dp::CompiledPlan> plan, Sink sink)
    : impl_(std::make_unique<Impl>(std::move(setup), lookups, outcomes, std::move(plan),
                                   std::move(sink))) {}

Simulation::~Simulation() = default;

SimulationReport Simulation::run(const SimulatedCall& call) {
  return impl_->run(call);
}

std::string default_from(const SimulatedCall& call) {
  if (call.direction == dialplan::Direction::Out && !call.account.empty())
    return "<sip:" + call.account + ">";
  return "sip:thisis@anonymous.invalid";
}

}  // namespace sip::dialer
