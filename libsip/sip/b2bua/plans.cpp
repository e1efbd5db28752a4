// The dial plan executions of a call: each is a dialer::Runner (the one dial
// engine dialplan-test drives too) talking to a CallPort. Execution [0] is
// the caller's; a loop-back leg (a called account with its own in dial
// plan) runs that plan as a child execution whose legs belong to the same
// call, and whose end becomes the loop-back leg's answer or failure.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/log.hpp"
#include "sip/dialer/loopback.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/message/status.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

// ---- CallPort --------------------------------------------------------------

routing::RouteSource& CallPort::routes() {
  return lookups_;
}
void CallPort::place_leg(std::size_t index) {
  impl_.place_leg(call_, plan_, index);
}
void CallPort::cancel_leg(std::size_t index, std::string_view why) {
  impl_.cancel_leg(call_, plan_, index, why);
}
void CallPort::provisional(const dialplan::Respond& respond) {
  impl_.plan_provisional(call_, plan_, respond);
}
void CallPort::log(const dialplan::Log& line) {
  Call* c = impl_.find_call(call_);
  if (c == nullptr || plan_ >= c->plans.size()) return;
  const PlanRun& p = c->plans[plan_];
  emit_plan_log(impl_.svc.events, *c, p, line);
  // Users read their plans' lines on the console (sip/event); the daemon's
  // log keeps them too, for the operator.
  sip::log(line.level == dialplan::ConsoleLevel::Error ? LogLevel::Warn : LogLevel::Info,
           "dialplan", p.owner_name + "/" + p.dialplan + ": " + line.text);
}
std::optional<dialplan::ActionResult> CallPort::perform(const dialplan::Action& action) {
  return impl_.plan_perform(call_, plan_, action);
}
void CallPort::finished(const dialplan::Done& done, const dialer::CallerResponse& caller) {
  impl_.finish_plan(call_, plan_, done, caller);
}
void CallPort::dial_started(const dialplan::Dial& /*dial*/, const dialer::DialStart& start) {
  // A Dial that failed before any leg, or dropped legs, is worth an info
  // line; every Dial at debug level only (it is on every call's path).
  const bool problems = !start.error.empty() ||
                        (start.resolution != nullptr &&
                         (!start.resolution->notes.empty() || !start.resolution->dropped.empty()));
  if (!problems && !log_enabled(LogLevel::Debug)) return;
  Call* c = impl_.find_call(call_);
  if (c == nullptr || plan_ >= c->plans.size()) return;
  const std::string who = c->plans[plan_].owner_name + "/" + c->plans[plan_].dialplan;
  if (!start.error.empty()) {
    sip::log(LogLevel::Info, kLog, who + ": dial " + start.substituted + " -> " + start.error);
    return;
  }
  if (start.resolution == nullptr) return;
  sip::log(problems ? LogLevel::Info : LogLevel::Debug, kLog, who + ": dial " + start.substituted);
  for (const auto& n : start.resolution->notes) sip::log(LogLevel::Info, kLog, who + ": " + n);
  for (const auto& d : start.resolution->dropped)
    sip::log(LogLevel::Info, kLog, who + ": leg " + d.destination + " dropped: " + d.reason);
}

// ---- executions ------------------------------------------------------------

routing::ResolveInput CallManager::Impl::resolve_base(const msg::Message& m, store::Id owner) {
  routing::ResolveInput in;
  in.owner = owner;
  if (auto ruri = m.request_uri()) in.subst.dst = str(ruri->user);
  if (auto from = m.from()) {
    in.subst.from_name = str(from->display);
    in.subst.from_user = str(from->uri.user);
    in.subst.from_aor = str(from->uri.user) + "@" + str(from->uri.host);
    in.caller_display = str(from->display);
    in.caller_user = str(from->uri.user);
    in.caller_host = str(from->uri.host);
  }
  return in;
}

void CallManager::Impl::start_plan(Call& call, std::size_t index,
                                   std::shared_ptr<const dialplan::CompiledPlan> plan,
                                   dialplan::CallContext ctx, routing::ResolveInput base) {
  PlanRun& p = call.plans[index];
  base.executing_plan = p.dialplan;
  p.port = std::make_unique<CallPort>(*this, call.id, index, *call.lookups);
  dialer::RunnerLimits limits;
  limits.max_legs = config.max_legs;
  limits.guard = &fraud;
  p.runner = std::make_unique<dialer::Runner>(*p.port, *svc.timers, std::move(plan), std::move(ctx),
                                              std::move(base), limits);
  p.runner->start();
}

void CallManager::Impl::start_loopback(Call& call, std::size_t plan, std::size_t index) {
  PlanRun& parent = call.plans[plan];
  dialer::Forker* forker = parent.runner ? parent.runner->forker() : nullptr;
  if (forker == nullptr) return;
  const routing::ResolvedLeg& target = forker->legs()[index];
  const std::size_t dial = parent.runner->dial_count();
  // Reported while the forker places the leg: it takes it in after placing.
  auto fail = [&](int status, std::string reason) {
    forker->leg_failed(index, dialer::LegEnd{status, std::move(reason), {}, {}});
  };
  if (parent.depth + 1 > dialer::kMaxLoopDepth) return fail(482, "Loop Detected");
  const auto at = target.account_aor.rfind('@');
  const directory::Snapshot& dir = call.lookups->snapshot();
  const store::SipAccount* account =
      at == std::string::npos
          ? nullptr
          : dir.find(target.account_aor.substr(0, at), target.account_aor.substr(at + 1));
  if (account == nullptr) return fail(404, "Not Found");
  const store::Customer* customer = dir.customer(account->owner_id);
  if (customer == nullptr || customer->disabled) return fail(604, "Does Not Exist Anywhere");
  const store::DialPlan* stored = dir.find_dialplan(account->owner_id, account->in_dialplan);
  if (stored == nullptr) return fail(500, "Could not load dialplan " + account->in_dialplan);
  dialplan::Diagnostic diag;
  auto compiled = plan_for(*stored, &diag);
  if (!compiled) return fail(500, "Dial plan syntax error");

  // The child sees the call as an In call to the account, from the leg's From.
  dialplan::CallContext ctx;
  if (call.invite && compiled->type() != dialplan::PlanType::DialString)
    ctx = make_context(call, *call.invite, *account);
  ctx.direction = dialplan::Direction::In;
  ctx.owner = customer->username;
  ctx.dialplan_name = account->in_dialplan;
  ctx.clock = svc.wall;
  ctx.host = call.lookups.get();
  dialer::apply_loopback_request(target, ctx.request);
  routing::ResolveInput base = dialer::loopback_base(target, *account);

  PlanRun child;
  child.owner = account->owner_id;
  child.owner_name = customer->username;
  child.dialplan = account->in_dialplan;
  child.depth = parent.depth + 1;
  child.parent = plan;
  child.parent_dial = dial;
  child.parent_leg = index;
  call.plans.push_back(std::move(child));
  start_plan(call, call.plans.size() - 1, std::move(compiled), std::move(ctx), std::move(base));
}

void CallManager::Impl::finish_plan(CallId cid, std::size_t plan, const dialplan::Done& done,
                                    const dialer::CallerResponse& caller) {
  Call* call = find_call(cid);
  if (call == nullptr || plan >= call->plans.size()) return;
  PlanRun& p = call->plans[plan];
  p.finished = true;
  if (done.kind == dialplan::DoneKind::ScriptError) emit_script_error(svc.events, *call, p, done);
  if (done.kind == dialplan::DoneKind::ScriptError)
    sip::log(LogLevel::Warn, "dialplan",
             p.owner_name + "/" + p.dialplan + ": " +
                 (done.error_line > 0 ? "line " + std::to_string(done.error_line) + ": " : "") +
                 done.error_message);
  if (p.transfer_root) return transfer_plan_done(cid, plan, done, caller);
  if (p.callback_second) return callback_second_done(cid, done);
  if (plan != 0) {
    // A loop-back: its end is the parent leg's answer or failure.
    const std::size_t parent = p.parent, dial = p.parent_dial, index = p.parent_leg;
    if (done.kind == dialplan::DoneKind::ClientCancelled) return;
    if (done.kind == dialplan::DoneKind::Answered) return report_answer(cid, parent, dial, index);
    PlanRun& up = call->plans[parent];
    if (!up.runner || up.runner->dial_count() != dial) return;
    if (dialer::Forker* f = up.runner->forker())
      f->leg_failed(index, dialer::LegEnd{caller.status, caller.reason, {}, {}});
    return;
  }
  call->ticket.release();
  if (done.kind == dialplan::DoneKind::Answered ||
      done.kind == dialplan::DoneKind::ClientCancelled || call->state != CallState::Routing)
    return;
  stop_routing(*call, "dial plan ended");
  ++stats.failed;
  respond_caller(*call, caller.status, caller.reason, caller.headers);
  end_call(*call,
           done.kind == dialplan::DoneKind::ScriptError ? "dial plan error" : "not answered");
}

void CallManager::Impl::plan_provisional(CallId cid, std::size_t plan, const dialplan::Respond& r) {
  Call* call = find_call(cid);
  if (call == nullptr || plan != 0 || call->state != CallState::Routing) return;
  respond_caller(*call, r.status, r.reason, r.headers);
  call->provisional_sent = true;
}

std::optional<dialplan::ActionResult> CallManager::Impl::plan_perform(
    CallId cid, std::size_t plan, const dialplan::Action& action) {
  Call* call = find_call(cid);
  if (const auto* cb = std::get_if<dialplan::Callback>(&action)) {
    // sys.Callback: a separate call of the plan's owner, now or after the delay.
    if (call == nullptr || plan >= call->plans.size()) return dialplan::Ack{};
    const store::Id owner = call->plans[plan].owner;
    auto start = [this, owner, first = cb->first, second = cb->second] {
      const std::string error = start_callback(owner, first, second, nullptr);
      if (!error.empty()) log(LogLevel::Info, kLog, "sys.Callback not started: " + error);
    };
    if (cb->delay_seconds <= 0) {
      start();
    } else {
      std::weak_ptr<int> token = alive;
      svc.timers->start(std::chrono::seconds(cb->delay_seconds), [token, start] {
        if (!token.expired()) start();
      });
    }
    return dialplan::Ack{};
  }
  if (const auto* get = std::get_if<dialplan::HttpGet>(&action)) {
    if (svc.web == nullptr || call == nullptr || plan >= call->plans.size()) {
      dialplan::HttpResult r;
      r.error = "WebGet is not enabled on this server";
      return r;
    }
    std::weak_ptr<int> token = alive;
    svc.web->get(call->plans[plan].owner, *get, [this, token, cid, plan](dialplan::HttpResult r) {
      if (token.expired()) return;
      Call* c = find_call(cid);
      if (c == nullptr || plan >= c->plans.size() || !c->plans[plan].runner) return;
      c->plans[plan].runner->resume(std::move(r));
    });
    return std::nullopt;
  }
  if (svc.kv == nullptr || call == nullptr || plan >= call->plans.size()) {
    dialplan::KvResult kv;
    kv.ok = false;
    kv.error = "key/value store not available";
    return kv;
  }
  const store::Id owner = call->plans[plan].owner;
  // Reads answer now; writes when the store writer committed them.
  if (std::holds_alternative<dialplan::KvRead>(action) ||
      std::holds_alternative<dialplan::KvKeys>(action))
    return svc.kv->read(owner, action);
  std::weak_ptr<int> token = alive;
  svc.kv->write(owner, action, [this, token, cid, plan](dialplan::KvResult r) {
    if (token.expired()) return;
    Call* c = find_call(cid);
    if (c == nullptr || plan >= c->plans.size() || !c->plans[plan].runner) return;
    c->plans[plan].runner->resume(std::move(r));
  });
  return std::nullopt;
}

}  // namespace sip::b2bua
