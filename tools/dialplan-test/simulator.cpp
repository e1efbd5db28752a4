#include "simulator.hpp"

#include <cmath>
#include <limits>

#include "resolve.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/clock.hpp"
#include "sip/message/status.hpp"
#include "sip/wizard/time_zone.hpp"

namespace dialplan_test {
namespace {

namespace dp = sip::dialplan;
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr int kMaxActions = 10000;

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

}  // namespace

struct Simulator::Impl {
  const Environment& env;
  const OutcomeTable& outcomes;
  std::shared_ptr<const dp::CompiledPlan> plan;
  Sink sink;
  std::map<std::string, std::string> kv;  // per owner store of this run (one owner)

  // Per call.
  const Call* call = nullptr;
  double t = 0;  // simulated seconds since the call started
  std::unique_ptr<sip::ManualClock> clock;
  std::unique_ptr<EnvHost> host;
  CallReport report;
  int legs_used = 0;

  Impl(const Environment& e, const OutcomeTable& o, std::shared_ptr<const dp::CompiledPlan> p,
       Sink s)
      : env(e), outcomes(o), plan(std::move(p)), sink(std::move(s)) {}

  void emit(const char* event, Json fields) {
    if (!sink) return;
    Json j;
    j["event"] = event;
    j["call"] = call->id;
    j["t"] = round_ms(t);
    for (auto& [k, v] : fields.items()) j[k] = std::move(v);
    sink(std::move(j));
  }

  void advance_to(double when) {
    if (when <= t) return;
    clock->advance(
        std::chrono::duration_cast<sip::Duration>(std::chrono::duration<double>(when - t)));
    t = when;
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
      if (const EnvAccount* a = host->find_account(aor.substr(0, at), aor.substr(at + 1)))
        ctx.from_account = a->view;
    ctx.providers = env.providers;
    ctx.time_zone = env.time_zone;
    auto zone = sip::wizard::TimeZoneDb::shared().find(env.time_zone);
    ctx.tz_offset_minutes = zone ? zone->offset_seconds(start) / 60 : 0;
    ctx.clock = clock.get();
    ctx.host = host.get();
    ctx.limits.max_ring_seconds = env.max_ring_seconds;
    return ctx;
  }

  struct DialSim {
    dp::DialResult result;
    bool rm_n = false;  // a rm=n leg got a 3xx with a Contact
    std::string rm_n_contact;
    std::string rm_n_response;
  };

  static std::string response_text(int status, const std::string& reason,
                                   const std::string& contact) {
    return "SIP/2.0 " + std::to_string(status) + " " + reason + "\r\nContact: <" + contact +
           ">\r\nContent-Length: 0\r\n\r\n";
  }

  DialSim simulate_dial(const dp::Dial& dial, const dp::CallContext& ctx) {
    DialSim sim;
    sip::dialstring::SubstitutionContext subst;
    subst.dst = ctx.request.uri.user;
    subst.from_name = ctx.request.from_display;
    subst.from_user = ctx.request.from_uri.user;
    subst.from_aor = ctx.request.from_uri.user + "@" + ctx.request.from_uri.host;
    auto substituted = sip::dialstring::substitute(dial.dial_string, subst);
    const std::string text = substituted ? *substituted : dial.dial_string;
    report.dialled.push_back(text);
    Json dial_event{{"dial_string", dial.dial_string},
                    {"substituted", text},
                    {"ring_seconds", dial.ring_seconds},
                    {"answered_limit_seconds", dial.answered_limit_seconds}};
    auto error = [&](const std::string& why) {
      dial_event["error"] = why;
      emit("dial", std::move(dial_event));
      sim.result.outcome = dp::DialOutcome::Error;
      emit("dial_result", Json{{"outcome", "Error"}, {"error", why}});
      return sim;
    };
    if (!substituted) return error("substitution: " + substituted.error().to_string());
    auto parsed = sip::dialstring::parse(text);
    if (!parsed) return error("dial string: " + parsed.error().to_string());
    if (parsed->dial.stages.empty() && !parsed->legacy) return error("empty dial string");

    std::vector<ResolvedLeg> legs;
    std::vector<DroppedLeg> dropped;
    resolve_legs(ResolveContext{env, *host, ctx, dial, subst}, *parsed, legs, dropped);
    Json jl = Json::array();
    for (std::size_t i = 0; i < legs.size(); ++i) {
      const auto& l = legs[i];
      Json o{{"leg", i},
             {"stage", l.stage},
             {"destination", l.destination},
             {"kind", l.kind},
             {"request_uri", l.request_uri},
             {"from", l.from},
             {"to", l.to},
             {"headers", l.headers},
             {"options", sip::dialstring::canonical_options(l.options)}};
      if (!l.account.empty()) o["account"] = l.account;
      if (!l.provider.empty()) o["provider"] = l.provider;
      if (dial.body) o["body_replaced"] = true;
      jl.push_back(std::move(o));
    }
    dial_event["legs"] = std::move(jl);
    if (!dropped.empty()) {
      Json jd = Json::array();
      for (const auto& d : dropped)
        jd.push_back(
            Json{{"stage", d.stage}, {"destination", d.destination}, {"reason", d.reason}});
      dial_event["dropped"] = std::move(jd);
    }
    for (const auto& n : parsed->notes) dial_event["notes"].push_back(n.text);
    if (legs.empty()) return error("no call legs resulted");
    legs_used += static_cast<int>(legs.size());
    if (legs_used > env.max_legs)
      return error("leg limit reached (" + std::to_string(env.max_legs) + " per execution)");
    emit("dial", std::move(dial_event));

    // Simulated forking.
    const double deadline = t + dial.ring_seconds;
    struct Live {
      const ResolvedLeg* leg;
      const OutcomeRule* outcome;
      double start = kNever;
      double respond_at = kNever;
      bool started = false, finished = false;
    };
    std::size_t first = 0;
    std::optional<std::size_t> winner;
    bool timed_out = false;
    std::string redirect_contact;
    int redirect_status = 0;
    std::string redirect_reason;
    while (first < legs.size() && !winner && !timed_out) {
      const std::size_t stage = legs[first].stage;
      std::vector<Live> live;
      for (std::size_t i = first; i < legs.size() && legs[i].stage == stage; ++i) {
        const auto& l = legs[i];
        std::vector<std::string> candidates{l.request_uri, l.destination, l.account};
        Live lv{&l, &outcomes.find(call->id, candidates)};
        lv.start = t + (l.options.delay ? *l.options.delay : 0);
        live.push_back(lv);
      }
      const std::size_t base = first;
      first += live.size();
      auto start_leg = [&](Live& lv, double when) {
        lv.started = true;
        lv.start = when;
        lv.respond_at = lv.outcome->status == 0 ? kNever : when + lv.outcome->delay;
      };
      while (true) {
        // A delayed leg starts at once when nothing else of the stage is active.
        bool active = false;
        for (auto& lv : live) active = active || (lv.started && !lv.finished);
        if (!active) {
          Live* soonest = nullptr;
          for (auto& lv : live)
            if (!lv.started && (!soonest || lv.start < soonest->start)) soonest = &lv;
          if (!soonest) break;  // the stage failed
          start_leg(*soonest, std::max(t, std::min(soonest->start, t)));
        }
        double next = kNever;
        for (auto& lv : live) {
          if (!lv.started)
            next = std::min(next, lv.start);
          else if (!lv.finished)
            next = std::min(next, lv.respond_at);
        }
        if (next > deadline) {
          advance_to(deadline);
          timed_out = true;
          break;
        }
        advance_to(next);
        for (auto& lv : live)
          if (!lv.started && lv.start <= t) start_leg(lv, t);
        for (std::size_t i = 0; i < live.size() && !winner; ++i) {
          Live& lv = live[i];
          if (!lv.started || lv.finished || lv.respond_at > t) continue;
          lv.finished = true;
          const int status = lv.outcome->status;
          const std::string reason = reason_or_default(status, lv.outcome->reason);
          Json r{{"leg", base + i},
                 {"request_uri", lv.leg->request_uri},
                 {"status", status},
                 {"reason", reason},
                 {"started", round_ms(lv.start)}};
          if (lv.outcome->line) r["outcome_line"] = lv.outcome->line;
          if (!lv.outcome->contact.empty()) r["contact"] = lv.outcome->contact;
          emit("response", std::move(r));
          sim.result.legs.push_back(dp::LegOutcome{lv.leg->request_uri, status, reason});
          if (status >= 200 && status < 300) {
            winner = base + i;
            break;
          }
          sim.result.failure_status = status;
          sim.result.failure_reason = reason;
          if (status >= 300 && status < 400 && !lv.outcome->contact.empty()) {
            if (lv.leg->options.redirect == sip::dialstring::RedirectMode::NewExecution) {
              sim.rm_n = true;
              sim.rm_n_contact = lv.outcome->contact;
              sim.rm_n_response = response_text(status, reason, lv.outcome->contact);
            } else {
              redirect_contact = lv.outcome->contact;
              redirect_status = status;
              redirect_reason = reason;
            }
          }
        }
        if (winner) break;
      }
      // Cancel what is still ringing (an answer elsewhere or the ring timeout).
      if (winner || timed_out) {
        for (std::size_t i = 0; i < live.size(); ++i) {
          Live& lv = live[i];
          if (lv.started && !lv.finished) {
            emit("cancel", Json{{"leg", base + i},
                                {"request_uri", lv.leg->request_uri},
                                {"started", round_ms(lv.start)},
                                {"why", winner ? "answered elsewhere" : "ring timeout"}});
            sim.result.legs.push_back(
                dp::LegOutcome{lv.leg->request_uri, 487, "Request Terminated"});
          }
        }
      }
    }

    Json res;
    if (winner) {
      sim.result.outcome = dp::DialOutcome::Answered;
      report.answered_uri = legs[*winner].request_uri;
      report.answered_destination = legs[*winner].destination;
      res = Json{{"outcome", "Answered"},
                 {"answered_by", legs[*winner].request_uri},
                 {"destination", legs[*winner].destination}};
      const auto& o = legs[*winner].options;
      const int limit =
          o.call_duration ? static_cast<int>(*o.call_duration) : dial.answered_limit_seconds;
      if (limit > 0) res["answered_limit_seconds"] = limit;
      if (o.transfer != sip::dialstring::TransferMode::None)
        res["transfer"] = sip::dialstring::transfer_mode_name(o.transfer);
    } else {
      if (timed_out) {
        sim.result.outcome = dp::DialOutcome::TimedOut;
      } else if (!redirect_contact.empty()) {
        sim.result.outcome = dp::DialOutcome::Redirect;
        sim.result.redirect_uri = redirect_contact;
        sim.result.redirect_response =
            response_text(redirect_status, redirect_reason, redirect_contact);
      } else {
        sim.result.outcome = dp::DialOutcome::Failed;
      }
      res = Json{{"outcome", dp::dial_outcome_name(sim.result.outcome)}};
      if (sim.result.failure_status) {
        res["failure_status"] = sim.result.failure_status;
        res["failure_reason"] = sim.result.failure_reason;
      }
      if (!sim.result.redirect_uri.empty()) res["redirect_uri"] = sim.result.redirect_uri;
      if (sim.rm_n) res["rm_n_redirect"] = sim.rm_n_contact;
    }
    emit("dial_result", std::move(res));
    return sim;
  }

  // Runs one execution to its Done. `redirect_out` is set when a rm=n
  // redirect asks for a second instance.
  dp::Done drive(dp::Execution& ex, const dp::CallContext& ctx, bool allow_rm_n,
                 std::optional<DialSim>& redirect_out) {
    dp::Action a = ex.start(ctx);
    while (!std::holds_alternative<dp::Done>(a)) {
      if (++report.actions > kMaxActions) {
        emit("log", Json{{"level", "error"},
                         {"text", "dialplan-test: more than 10000 actions; stopping"}});
        a = ex.resume(dp::CallerCancelled{});
        continue;
      }
      if (auto* log = std::get_if<dp::Log>(&a)) {
        report.logs.push_back(log->text);
        emit("log", Json{{"level", dp::console_level_name(log->level)}, {"text", log->text}});
        a = ex.resume(dp::Ack{});
      } else if (auto* dial = std::get_if<dp::Dial>(&a)) {
        DialSim sim = simulate_dial(*dial, ctx);
        host->set_now(clock->unix_seconds());
        if (sim.result.outcome != dp::DialOutcome::Answered && sim.rm_n) {
          if (allow_rm_n) {
            redirect_out = std::move(sim);
            a = ex.resume(dp::CallerCancelled{});
            continue;
          }
          emit("log",
               Json{{"level", "warn"},
                    {"text", "rm=n redirect refused: only one redirect execution per call"}});
        }
        a = ex.resume(std::move(sim.result));
      } else if (auto* resp = std::get_if<dp::Respond>(&a)) {
        emit("provisional", Json{{"status", resp->status},
                                 {"reason", reason_or_default(resp->status, resp->reason)},
                                 {"headers", resp->headers}});
        a = ex.resume(dp::Ack{});
      } else if (auto* wait = std::get_if<dp::Wait>(&a)) {
        emit("wait", Json{{"seconds", wait->seconds}});
        advance_to(t + std::max(0, wait->seconds));
        a = ex.resume(dp::Ack{});
      } else if (auto* r = std::get_if<dp::KvRead>(&a)) {
        dp::KvResult kr;
        if (auto it = kv.find(r->key); it != kv.end()) kr.value = it->second;
        emit("kv_read", Json{{"key", r->key}, {"value", kr.value ? Json(*kr.value) : Json()}});
        a = ex.resume(std::move(kr));
      } else if (auto* w = std::get_if<dp::KvWrite>(&a)) {
        kv[w->key] = w->value;
        emit("kv_write", Json{{"key", w->key}, {"value", w->value}});
        a = ex.resume(dp::KvResult{});
      } else if (auto* d = std::get_if<dp::KvDelete>(&a)) {
        kv.erase(d->key);
        emit("kv_delete", Json{{"key", d->key}});
        a = ex.resume(dp::KvResult{});
      } else if (std::holds_alternative<dp::KvKeys>(a)) {
        dp::KvResult kr;
        for (const auto& [k, v] : kv) kr.keys.push_back(k);
        emit("kv_keys", Json{{"keys", kr.keys}});
        a = ex.resume(std::move(kr));
      } else if (auto* h = std::get_if<dp::HttpGet>(&a)) {
        dp::HttpResult hr;
        hr.error = "dialplan-test is offline: no HTTP requests";
        emit("http_get", Json{{"url", h->url}, {"result", "refused (offline)"}});
        a = ex.resume(std::move(hr));
      } else {
        a = ex.resume(dp::Ack{});
      }
    }
    return std::get<dp::Done>(a);
  }

  CallReport run(const Call& c) {
    call = &c;
    t = 0;
    report = CallReport{};
    report.id = c.id;
    legs_used = 0;
    const std::int64_t start = c.at.value_or(env.start_time);
    clock = std::make_unique<sip::ManualClock>(start);
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
    std::optional<DialSim> redirect;
    auto ex = plan->new_execution();
    dp::Done done = drive(*ex, ctx, true, redirect);
    if (redirect) {
      emit("redirect_execution", Json{{"redirect_uri", redirect->rm_n_contact}});
      legs_used = 0;
      // The brief's example tests sys.Out before sys.Redirect: the redirect
      // instance handles a call coming back in, so it runs as In.
      dp::CallContext second = ctx;
      second.direction = dp::Direction::In;
      second.redirect = true;
      second.redirect_uri = redirect->rm_n_contact;
      second.redirect_response = redirect->rm_n_response;
      auto ex2 = plan->new_execution();
      std::optional<DialSim> ignored;
      done = drive(*ex2, second, false, ignored);
    }
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
        report.status = done.status;
        report.reason = done.reason;
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
    if (!report.answered_uri.empty()) {
      fin["answered_by"] = report.answered_uri;
      fin["destination"] = report.answered_destination;
    }
    if (!done.headers.empty()) fin["headers"] = done.headers;
    if (done.kind == dp::DoneKind::ScriptError) {
      report.error_message = done.error_message;
      report.error_line = done.error_line;
      fin["error"] = Json{{"kind", dp::script_error_name(done.error)},
                          {"message", done.error_message},
                          {"line", done.error_line}};
    }
    emit("final", std::move(fin));
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
