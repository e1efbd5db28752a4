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
#include "sip/dialer/runner.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/dialstring/options.hpp"
#include "sip/message/status.hpp"
#include "sip/wizard/time_zone.hpp"

namespace sip::dialer {
namespace {

namespace dp = sip::dialplan;

// A call whose plan still waits after this much simulated time is stopped.
constexpr auto kMaxSimulated = std::chrono::hours(24);

// "Alice" <sip:1001@x>;tag=1  or  sip:1001@x;tag=1
void parse_from(const std::string& value, dp::RequestView& req) {
  req.from_full = value;
  std::string uri = value;
  std::string params;
  const auto lt = value.find('<');
  if (lt != std::string::npos) {
    std::string display = value.substr(0, lt);
    while (!display.empty() && display.back() == ' ') display.pop_back();
    while (!display.empty() && display.front() == ' ') display.erase(0, 1);
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"')
      display = display.substr(1, display.size() - 2);
    req.from_display = display;
    const auto gt = value.find('>', lt);
    uri = value.substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
    if (gt != std::string::npos) params = value.substr(gt + 1);
  } else if (auto semi = value.find(";tag="); semi != std::string::npos) {
    uri = value.substr(0, semi);
    params = value.substr(semi);
  }
  req.from_uri = dp::split_uri(uri);
  if (auto t = params.find(";tag="); t != std::string::npos) {
    req.from_tag = params.substr(t + 5);
    if (auto e = req.from_tag.find(';'); e != std::string::npos) req.from_tag.resize(e);
  }
}

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

trace::DialLeg trace_leg(std::size_t i, const routing::ResolvedLeg& l, bool body_replaced) {
  trace::DialLeg o;
  o.leg = i;
  o.stage = l.stage;
  o.destination = l.destination;
  o.kind = l.kind;
  o.request_uri = l.request_uri;
  o.from = routing::render_from(l);
  o.to = l.to;
  o.headers = l.headers;
  o.options = sip::dialstring::canonical_options(l.options);
  o.account = l.account_aor;
  o.provider = l.provider;
  if (l.next_hop != l.request_uri) o.next_hop = l.next_hop;
  o.body_replaced = body_replaced;
  return o;
}

}  // namespace

struct Simulation::Impl final : public RunnerPort {
  SimulationSetup setup;
  Lookups& lookups;
  const OutcomeTable& outcomes;
  std::shared_ptr<const dp::CompiledPlan> plan;
  Sink sink;
  std::map<std::string, std::string> kv;  // the owner's store of this Simulation

  // Per call.
  const SimulatedCall* call = nullptr;
  std::unique_ptr<sip::ManualTimerService> timers;
  std::unique_ptr<Runner> runner;
  SimulationReport report;
  bool ended = false;
  dp::Done done;
  CallerResponse caller;
  struct LiveLeg {
    const OutcomeRule* outcome = nullptr;
    double started = 0;
    sip::TimerId timer = 0;
  };
  std::vector<LiveLeg> live;  // of the running Dial, by leg index
  std::vector<routing::ResolvedLeg> dial_legs;

  Impl(SimulationSetup s, Lookups& l, const OutcomeTable& o,
       std::shared_ptr<const dp::CompiledPlan> p, Sink k)
      : setup(std::move(s)), lookups(l), outcomes(o), plan(std::move(p)), sink(std::move(k)) {}

  double now() const {
    return std::chrono::duration<double>(timers->clock().now().time_since_epoch()).count();
  }

  void emit(trace::Body body) {
    if (!sink) return;
    sink(trace::Event{call->id, round_ms(now()), std::move(body)});
  }

  std::optional<dp::AccountView> bound_account(const dp::RequestView& request) {
    std::string aor = call->account;
    if (aor.empty()) {
      const auto& u = call->direction == dp::Direction::In ? request.uri : request.from_uri;
      aor = u.user + "@" + u.host;
    }
    const auto at = aor.rfind('@');
    if (at == std::string::npos) return std::nullopt;
    auto view = lookups.account_view(aor.substr(0, at), aor.substr(at + 1));
    if (view && setup.own_accounts_only && !ci_equal(view->owner, setup.owner)) return std::nullopt;
    return view;
  }

  dp::CallContext make_context(std::int64_t start) {
    dp::CallContext ctx;
    ctx.direction = call->direction;
    ctx.owner = setup.owner;
    ctx.dialplan_name = setup.dialplan_name.empty() ? plan->name() : setup.dialplan_name;
    ctx.request.uri = dp::split_uri(call->uri);
    parse_from(call->from.empty() ? default_from(*call) : call->from, ctx.request);
    ctx.request.to_full = call->to.empty() ? call->uri : call->to;
    ctx.request.to_uri = dp::split_uri(ctx.request.to_full);
    ctx.request.call_id = call->id + "@" + setup.label;
    for (const auto& h : call->headers) {
      const auto colon = h.find(':');
      std::string name = h.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (sip::ci_equal(name, "Contact")) {
        ctx.request.contact = value;
      } else if (sip::ci_equal(name, "User-Agent")) {
        ctx.request.user_agent = value;
      } else {
        ctx.request.unknown_headers.push_back(h);
      }
    }
    ctx.request.content_type = call->content_type;
    ctx.request.body = call->body;
    // The account bound to the server-side leg (called account for In).
    ctx.from_account = bound_account(ctx.request);
    ctx.providers = setup.providers;
    ctx.time_zone = setup.time_zone;
    auto zone = sip::wizard::TimeZoneDb::shared().find(setup.time_zone);
    ctx.tz_offset_minutes = zone ? zone->offset_seconds(start) / 60 : 0;
    ctx.clock = &timers->clock();
    ctx.host = &lookups;
    ctx.limits.max_ring_seconds = setup.max_ring_seconds;
    return ctx;
  }

  routing::ResolveInput resolve_base(const dp::CallContext& ctx) {
    routing::ResolveInput in;
    in.owner = setup.owner_id;
    in.subst.dst = ctx.request.uri.user;
    in.subst.from_name = ctx.request.from_display;
    in.subst.from_user = ctx.request.from_uri.user;
    in.subst.from_aor = ctx.request.from_uri.user + "@" + ctx.request.from_uri.host;
    in.caller_display = ctx.request.from_display;
    in.caller_user = ctx.request.from_uri.user;
    in.caller_host = ctx.request.from_uri.host;
    if (ctx.request.from_uri.port != 0)
      in.caller_host += ":" + std::to_string(ctx.request.from_uri.port);
    if (ctx.from_account) {
      in.account_user = ctx.from_account->username;
      in.account_host = ctx.from_account->domain;
    }
    in.executing_plan = ctx.dialplan_name;
    return in;
  }

  // ---- RunnerPort ----------------------------------------------------------

  routing::RouteSource& routes() override { return lookups; }

  void dial_started(const dp::Dial& dial, const DialStart& start) override {
    report.dialled.push_back(start.substituted);
    trace::Dial e;
    e.dial_string = dial.dial_string;
    e.substituted = start.substituted;
    e.ring_seconds = dial.ring_seconds;
    e.answered_limit_seconds = dial.answered_limit_seconds;
    live.clear();
    dial_legs.clear();
    if (const routing::Resolution* r = start.resolution) {
      e.legs.emplace();
      for (std::size_t i = 0; i < r->legs.size(); ++i)
        e.legs->push_back(trace_leg(i, r->legs[i], dial.body.has_value()));
      e.dropped = r->dropped;
      e.notes = r->notes;
      dial_legs = r->legs;
      live.resize(r->legs.size());
    }
    e.error = start.error;
    emit(std::move(e));
  }

  void place_leg(std::size_t i) override {
    if (i >= dial_legs.size()) return;
    const auto& l = dial_legs[i];
    std::vector<std::string> candidates{l.request_uri, l.destination, l.account_aor};
    LiveLeg& lv = live[i];
    lv.outcome = &outcomes.find(call->id, candidates);
    lv.started = now();
    if (lv.outcome->status == 0) return;  // rings until cancelled
    lv.timer = timers->start(
        std::chrono::duration_cast<sip::Duration>(std::chrono::duration<double>(lv.outcome->delay)),
        [this, i] { respond(i); });
  }

  void respond(std::size_t i) {
    LiveLeg& lv = live[i];
    lv.timer = 0;
    const int status = lv.outcome->status;
    const std::string reason = reason_or_default(status, lv.outcome->reason);
    emit(trace::Response{i, dial_legs[i].request_uri, status, reason, round_ms(lv.started),
                         lv.outcome->line, lv.outcome->contact});
    Forker* f = runner ? runner->forker() : nullptr;
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

  void cancel_leg(std::size_t i, std::string_view why) override {
    if (i >= live.size()) return;
    LiveLeg& lv = live[i];
    if (lv.timer != 0) timers->cancel(lv.timer);
    lv.timer = 0;
    emit(trace::Cancel{i, dial_legs[i].request_uri, round_ms(lv.started), std::string(why)});
  }

  void dial_ended(const DialReport& rep) override {
    const auto& res = rep.result;
    trace::DialResult j;
    j.outcome = res.outcome;
    if (res.outcome == dp::DialOutcome::Answered && rep.winner && *rep.winner < dial_legs.size()) {
      const auto& w = dial_legs[*rep.winner];
      report.answered_uri = w.request_uri;
      report.answered_destination = w.destination;
      j.answered_by = w.request_uri;
      j.destination = w.destination;
      const int limit = w.options.call_duration ? static_cast<int>(*w.options.call_duration)
                                                : runner->dial_answered_limit();
      if (limit > 0) j.answered_limit_seconds = limit;
      if (w.options.transfer != sip::dialstring::TransferMode::None)
        j.transfer = sip::dialstring::transfer_mode_name(w.options.transfer);
    } else {
      j.failure_status = res.failure_status;
      j.failure_reason = res.failure_reason;
      j.redirect_uri = res.redirect_uri;
      if (rep.redirect_execution) j.rm_n_redirect = rep.redirect_execution_uri;
    }
    emit(std::move(j));
    lookups.set_now(timers->clock().unix_seconds());
  }

  void redirect_execution(const std::string& uri) override { emit(trace::RedirectExecution{uri}); }

  void provisional(const dp::Respond& r) override {
    emit(trace::Provisional{r.status, reason_or_default(r.status, r.reason), r.headers});
  }

  void log(const dp::Log& line) override {
    report.logs.push_back(line.text);
    emit(trace::Log{line.level, line.text});
  }

  void wait_started(int seconds) override { emit(trace::Wait{seconds}); }

  std::optional<dp::ActionResult> perform(const dp::Action& a) override {
    if (auto* r = std::get_if<dp::KvRead>(&a)) {
      dp::KvResult kr;
      if (auto it = kv.find(r->key); it != kv.end()) kr.value = it->second;
      emit(trace::KvRead{r->key, kr.value});
      return kr;
    }
    if (auto* w = std::get_if<dp::KvWrite>(&a)) {
      kv[w->key] = w->value;
      emit(trace::KvWrite{w->key, w->value});
      return dp::KvResult{};
    }
    if (auto* d = std::get_if<dp::KvDelete>(&a)) {
      kv.erase(d->key);
      emit(trace::KvDelete{d->key});
      return dp::KvResult{};
    }
    if (std::holds_alternative<dp::KvKeys>(a)) {
      dp::KvResult kr;
      for (const auto& [k, v] : kv) kr.keys.push_back(k);
      emit(trace::KvKeys{kr.keys});
      return kr;
    }
    if (auto* h = std::get_if<dp::HttpGet>(&a)) {
      dp::HttpResult hr;
      hr.error = setup.label + " is offline: no HTTP requests";
      emit(trace::HttpGet{h->url});
      return hr;
    }
    return dp::Ack{};
  }

  void finished(const dp::Done& d, const CallerResponse& c) override {
    ended = true;
    done = d;
    caller = c;
  }

  // ---- one call --------------------------------------------------------------

  SimulationReport run(const SimulatedCall& c) {
    call = &c;
    report = SimulationReport{};
    report.id = c.id;
    ended = false;
    done = dp::Done{};
    caller = CallerResponse{};
    live.clear();
    dial_legs.clear();
    const std::int64_t start = c.at.value_or(setup.start_time);
    timers = std::make_unique<sip::ManualTimerService>(start);
    lookups.set_now(start);
    dp::CallContext ctx = make_context(start);
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
    emit(std::move(cs));
    RunnerLimits limits;
    limits.max_legs = setup.max_legs;
    limits.max_actions = setup.max_actions;
    routing::ResolveInput base = resolve_base(ctx);
    const auto deadline = std::chrono::steady_clock::now() + setup.wall_budget;
    runner =
        std::make_unique<Runner>(*this, *timers, plan, std::move(ctx), std::move(base), limits);
    runner->start();
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
      log(dp::Log{setup.label + why, dp::ConsoleLevel::Error});
      runner->cancel("simulation stopped");
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
    emit(std::move(fin));
    runner.reset();
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
