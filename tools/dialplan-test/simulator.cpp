#include "simulator.hpp"

#include <chrono>
#include <cmath>

#include "env_host.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/timer.hpp"
#include "sip/dialer/runner.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/dialstring/options.hpp"
#include "sip/message/status.hpp"
#include "sip/wizard/time_zone.hpp"

namespace dialplan_test {
namespace {

namespace dp = sip::dialplan;
namespace dialer = sip::dialer;
namespace routing = sip::routing;

// A call whose plan still waits after this much simulated time is stopped.
constexpr auto kMaxSimulated = std::chrono::hours(24);
constexpr std::size_t kMaxActions = 10000;

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

}  // namespace

// The simulated network and clock under one call: legs are answered from
// the outcome table after their delay, in simulated time; the dial engine
// (dialer::Runner/Forker) is the daemon's.
struct Simulator::Impl final : public dialer::RunnerPort {
  const Environment& env;
  const OutcomeTable& outcomes;
  std::shared_ptr<const dp::CompiledPlan> plan;
  Sink sink;
  std::map<std::string, std::string> kv;  // per owner store of this run (one owner)

  // Per call.
  const Call* call = nullptr;
  std::unique_ptr<sip::ManualTimerService> timers;
  std::unique_ptr<EnvHost> host;
  std::unique_ptr<dialer::Runner> runner;
  CallReport report;
  bool ended = false;
  dp::Done done;
  dialer::CallerResponse caller;
  struct LiveLeg {
    const OutcomeRule* outcome = nullptr;
    double started = 0;
    sip::TimerId timer = 0;
  };
  std::vector<LiveLeg> live;  // of the running Dial, by leg index
  std::vector<routing::ResolvedLeg> dial_legs;

  Impl(const Environment& e, const OutcomeTable& o, std::shared_ptr<const dp::CompiledPlan> p,
       Sink s)
      : env(e), outcomes(o), plan(std::move(p)), sink(std::move(s)) {}

  double now() const {
    return std::chrono::duration<double>(timers->clock().now().time_since_epoch()).count();
  }

  void emit(const char* event, Json fields) {
    if (!sink) return;
    Json j;
    j["event"] = event;
    j["call"] = call->id;
    j["t"] = round_ms(now());
    for (auto& [k, v] : fields.items()) j[k] = std::move(v);
    sink(std::move(j));
  }

  dp::CallContext make_context(std::int64_t start) {
    dp::CallContext ctx;
    ctx.direction = call->direction;
    ctx.owner = env.owner;
    ctx.dialplan_name = env.dialplan_name.empty() ? plan->name() : env.dialplan_name;
    ctx.request.uri = dp::split_uri(call->uri);
    parse_from(call->from, ctx.request);
    ctx.request.to_full = call->to;
    ctx.request.to_uri = dp::split_uri(call->to);
    ctx.request.call_id = call->id + "@dialplan-test";
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
    std::string aor = call->account;
    if (aor.empty()) {
      const auto& u = call->direction == dp::Direction::In ? ctx.request.uri : ctx.request.from_uri;
      aor = u.user + "@" + u.host;
    }
    const auto at = aor.rfind('@');
    if (at != std::string::npos)
      if (const EnvAccount* a = host->find_env_account(aor.substr(0, at), aor.substr(at + 1)))
        ctx.from_account = a->view;
    ctx.providers = env.providers;
    ctx.time_zone = env.time_zone;
    auto zone = sip::wizard::TimeZoneDb::shared().find(env.time_zone);
    ctx.tz_offset_minutes = zone ? zone->offset_seconds(start) / 60 : 0;
    ctx.clock = &timers->clock();
    ctx.host = host.get();
    ctx.limits.max_ring_seconds = env.max_ring_seconds;
    return ctx;
  }

  routing::ResolveInput resolve_base(const dp::CallContext& ctx) {
    routing::ResolveInput in;
    in.owner = host->owner_id(env.owner);
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

  routing::RouteSource& routes() override { return *host; }

  void dial_started(const dp::Dial& dial, const dialer::DialStart& start) override {
    report.dialled.push_back(start.substituted);
    Json e{{"dial_string", dial.dial_string},
           {"substituted", start.substituted},
           {"ring_seconds", dial.ring_seconds},
           {"answered_limit_seconds", dial.answered_limit_seconds}};
    live.clear();
    dial_legs.clear();
    if (const routing::Resolution* r = start.resolution) {
      Json legs = Json::array();
      for (std::size_t i = 0; i < r->legs.size(); ++i) {
        const auto& l = r->legs[i];
        Json o{{"leg", i},
               {"stage", l.stage},
               {"destination", l.destination},
               {"kind", routing::leg_kind_name(l.kind)},
               {"request_uri", l.request_uri},
               {"from", routing::render_from(l)},
               {"to", l.to},
               {"headers", l.headers},
               {"options", sip::dialstring::canonical_options(l.options)}};
        if (!l.account_aor.empty()) o["account"] = l.account_aor;
        if (!l.provider.empty()) o["provider"] = l.provider;
        if (!l.next_hop.empty() && l.next_hop != l.request_uri) o["next_hop"] = l.next_hop;
        if (dial.body) o["body_replaced"] = true;
        legs.push_back(std::move(o));
      }
      e["legs"] = std::move(legs);
      if (!r->dropped.empty()) {
        Json jd = Json::array();
        for (const auto& d : r->dropped)
          jd.push_back(
              Json{{"stage", d.stage}, {"destination", d.destination}, {"reason", d.reason}});
        e["dropped"] = std::move(jd);
      }
      for (const auto& n : r->notes) e["notes"].push_back(n);
      dial_legs = r->legs;
      live.resize(r->legs.size());
    }
    if (!start.error.empty()) e["error"] = start.error;
    emit("dial", std::move(e));
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
    Json r{{"leg", i},
           {"request_uri", dial_legs[i].request_uri},
           {"status", status},
           {"reason", reason},
           {"started", round_ms(lv.started)}};
    if (lv.outcome->line) r["outcome_line"] = lv.outcome->line;
    if (!lv.outcome->contact.empty()) r["contact"] = lv.outcome->contact;
    emit("response", std::move(r));
    dialer::Forker* f = runner ? runner->forker() : nullptr;
    if (f == nullptr) return;
    if (status >= 200 && status < 300) {
      f->leg_answered(i, status, reason);
      return;
    }
    dialer::LegEnd end{status, reason, {}, {}};
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
    emit("cancel", Json{{"leg", i},
                        {"request_uri", dial_legs[i].request_uri},
                        {"started", round_ms(lv.started)},
                        {"why", why}});
  }

  void dial_ended(const dialer::DialReport& rep) override {
    const auto& res = rep.result;
    Json j{{"outcome", dp::dial_outcome_name(res.outcome)}};
    if (res.outcome == dp::DialOutcome::Answered && rep.winner && *rep.winner < dial_legs.size()) {
      const auto& w = dial_legs[*rep.winner];
      report.answered_uri = w.request_uri;
      report.answered_destination = w.destination;
      j["answered_by"] = w.request_uri;
      j["destination"] = w.destination;
      const int limit = w.options.call_duration ? static_cast<int>(*w.options.call_duration)
                                                : runner->dial_answered_limit();
      if (limit > 0) j["answered_limit_seconds"] = limit;
      if (w.options.transfer != sip::dialstring::TransferMode::None)
        j["transfer"] = sip::dialstring::transfer_mode_name(w.options.transfer);
    } else {
      if (res.failure_status) {
        j["failure_status"] = res.failure_status;
        j["failure_reason"] = res.failure_reason;
      }
      if (!res.redirect_uri.empty()) j["redirect_uri"] = res.redirect_uri;
      if (rep.redirect_execution) j["rm_n_redirect"] = rep.redirect_execution_uri;
    }
    emit("dial_result", std::move(j));
    host->set_now(timers->clock().unix_seconds());
  }

  void redirect_execution(const std::string& uri) override {
    emit("redirect_execution", Json{{"redirect_uri", uri}});
  }

  void provisional(const dp::Respond& r) override {
    emit("provisional", Json{{"status", r.status},
                             {"reason", reason_or_default(r.status, r.reason)},
                             {"headers", r.headers}});
  }

  void log(const dp::Log& line) override {
    report.logs.push_back(line.text);
    emit("log", Json{{"level", dp::console_level_name(line.level)}, {"text", line.text}});
  }

  void wait_started(int seconds) override { emit("wait", Json{{"seconds", seconds}}); }

  std::optional<dp::ActionResult> perform(const dp::Action& a) override {
    if (auto* r = std::get_if<dp::KvRead>(&a)) {
      dp::KvResult kr;
      if (auto it = kv.find(r->key); it != kv.end()) kr.value = it->second;
      emit("kv_read", Json{{"key", r->key}, {"value", kr.value ? Json(*kr.value) : Json()}});
      return kr;
    }
    if (auto* w = std::get_if<dp::KvWrite>(&a)) {
      kv[w->key] = w->value;
      emit("kv_write", Json{{"key", w->key}, {"value", w->value}});
      return dp::KvResult{};
    }
    if (auto* d = std::get_if<dp::KvDelete>(&a)) {
      kv.erase(d->key);
      emit("kv_delete", Json{{"key", d->key}});
      return dp::KvResult{};
    }
    if (std::holds_alternative<dp::KvKeys>(a)) {
      dp::KvResult kr;
      for (const auto& [k, v] : kv) kr.keys.push_back(k);
      emit("kv_keys", Json{{"keys", kr.keys}});
      return kr;
    }
    if (auto* h = std::get_if<dp::HttpGet>(&a)) {
      dp::HttpResult hr;
      hr.error = "dialplan-test is offline: no HTTP requests";
      emit("http_get", Json{{"url", h->url}, {"result", "refused (offline)"}});
      return hr;
    }
    return dp::Ack{};
  }

  void finished(const dp::Done& d, const dialer::CallerResponse& c) override {
    ended = true;
    done = d;
    caller = c;
  }

  // ---- one call --------------------------------------------------------------

  CallReport run(const Call& c) {
    call = &c;
    report = CallReport{};
    report.id = c.id;
    ended = false;
    done = dp::Done{};
    caller = dialer::CallerResponse{};
    live.clear();
    dial_legs.clear();
    const std::int64_t start = c.at.value_or(env.start_time);
    timers = std::make_unique<sip::ManualTimerService>(start);
    host = std::make_unique<EnvHost>(env, start);
    dp::CallContext ctx = make_context(start);
    emit("call", Json{{"direction", c.direction == dp::Direction::In ? "in" : "out"},
                      {"uri", c.uri},
                      {"from", c.from},
                      {"plan", plan->name()},
                      {"plan_type", dp::plan_type_name(plan->type())},
                      {"start_time", start},
                      {"time_zone", env.time_zone},
                      {"tz_offset_minutes", ctx.tz_offset_minutes},
                      {"account", ctx.from_account ? Json(ctx.from_account->username + "@" +
                                                          ctx.from_account->domain)
                                                   : Json()}});
    dialer::RunnerLimits limits;
    limits.max_legs = static_cast<std::size_t>(std::max(0, env.max_legs));
    limits.max_actions = kMaxActions;
    routing::ResolveInput base = resolve_base(ctx);
    runner = std::make_unique<dialer::Runner>(*this, *timers, plan, std::move(ctx), std::move(base),
                                              limits);
    runner->start();
    // Simulated time: fire the next timer until the execution ends.
    const auto limit = std::chrono::duration_cast<sip::Duration>(kMaxSimulated);
    while (!ended && timers->pending() > 0 && timers->clock().now().time_since_epoch() < limit)
      timers->advance(timers->next_due());
    if (!ended) {
      log(dp::Log{"dialplan-test: the plan still waits after 24 h of simulated time; stopping",
                  dp::ConsoleLevel::Error});
      runner->cancel("simulation stopped");
      done = dp::OutcomeTracker::cancelled();
    }
    return finish_report();
  }

  CallReport finish_report() {
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
    Json fin{{"status", report.status},
             {"reason", report.reason},
             {"kind", report.kind},
             {"dialled", report.dialled}};
    if (done.kind != dp::DoneKind::Answered && done.kind != dp::DoneKind::ClientCancelled &&
        (done.status != caller.status || done.reason != caller.reason)) {
      // What the plan ended with, before the caller-facing rules.
      fin["plan_status"] = done.status;
      fin["plan_reason"] = done.reason;
    }
    if (!report.answered_uri.empty()) {
      fin["answered_by"] = report.answered_uri;
      fin["destination"] = report.answered_destination;
    }
    if (!caller.headers.empty()) fin["headers"] = caller.headers;
    if (done.kind == dp::DoneKind::ScriptError) {
      report.error_message = done.error_message;
      report.error_line = done.error_line;
      fin["error"] = Json{{"kind", dp::script_error_name(done.error)},
                          {"message", done.error_message},
                          {"line", done.error_line}};
    }
    emit("final", std::move(fin));
    runner.reset();
    return report;
  }
};

Simulator::Simulator(const Environment& env, const OutcomeTable& outcomes,
                     std::shared_ptr<const dp::CompiledPlan> plan, Sink sink)
    : impl_(std::make_unique<Impl>(env, outcomes, std::move(plan), std::move(sink))) {}

Simulator::~Simulator() = default;

CallReport Simulator::run(const Call& call) {
  return impl_->run(call);
}

}  // namespace dialplan_test
