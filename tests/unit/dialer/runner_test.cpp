// The Runner driving real Lua and dial string plans over a recording port:
// Dials become forks, the script sees the real failure of the last failed
// leg while the caller gets the sanitised response, the leg limit counts over
// all Dials of an execution, rm=n starts one redirect execution, provisional
// responses, waits and pending key/value results.
#include "sip/dialer/runner.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sip/base/ci.hpp"
#include "sip/dialer/plans.hpp"

namespace {

using sip::dialer::CallerResponse;
using sip::dialer::LegEnd;
using sip::dialer::Runner;
namespace dp = sip::dialplan;

class Source final : public sip::routing::RouteSource {
 public:
  Source() {
    prov.id = 1;
    prov.owner_id = 1;
    prov.name = "prov";
    prov.server = "sip:sip.prov.example";
    prov.username = "u1";
  }
  std::optional<std::string> canonical_domain(std::string_view h) override {
    if (sip::ci_equal(h, "local") || sip::ci_equal(h, "sipsmith.test"))
      return std::string("sipsmith.test");
    return std::nullopt;
  }
  const sip::store::SipAccount* find_account(std::string_view, std::string_view) override {
    return nullptr;
  }
  std::vector<sip::routing::BindingTarget> bindings(const sip::store::SipAccount&) override {
    return {};
  }
  const sip::store::Provider* find_provider(sip::store::Id owner, std::string_view n) override {
    return owner == 1 && sip::ci_equal(n, "prov") ? &prov : nullptr;
  }
  sip::store::Provider prov;
};

// Answers each placed leg by its request-URI user: "busy" 486, "down" 503,
// "auth" 401, "moved" 302, "ok" 200, anything else rings.
struct Port final : sip::dialer::RunnerPort {
  Source source;
  sip::ManualTimerService* timers = nullptr;
  Runner* runner = nullptr;
  std::vector<std::string> logs, placed;
  std::vector<int> provisionals;
  std::optional<dp::Done> done;
  CallerResponse caller;
  std::vector<sip::TimerId> pending;
  bool hold_kv = false;
  std::optional<dp::Action> held;

  sip::routing::RouteSource& routes() override { return source; }
  void place_leg(std::size_t i) override {
    sip::dialer::Forker* forker = runner->forker();
    ASSERT_NE(forker, nullptr);
    const auto& leg = forker->legs()[i];
    placed.push_back(leg.request_uri);
    const std::string u = leg.request_uri.substr(4, leg.request_uri.find('@') - 4);
    pending.push_back(timers->start(std::chrono::seconds(1), [this, i, u] {
      sip::dialer::Forker* f = runner->forker();
      if (f == nullptr) return;
      if (u == "ok") f->leg_answered(i);
      if (u == "busy") f->leg_failed(i, LegEnd{486, "Busy Here", {}, {}});
      if (u == "down") f->leg_failed(i, LegEnd{503, "Service Unavailable", {}, {}});
      if (u == "auth") f->leg_failed(i, LegEnd{401, "Unauthorized", {}, {}});
      if (u == "moved") f->leg_failed(i, LegEnd{302, "Moved", "sip:300@elsewhere", "SIP/2.0 302"});
    }));
  }
  void cancel_leg(std::size_t, std::string_view) override {}
  void provisional(const dp::Respond& r) override { provisionals.push_back(r.status); }
  void log(const dp::Log& l) override { logs.push_back(l.text); }
  std::optional<dp::ActionResult> perform(const dp::Action& a) override {
    if (hold_kv) {
      held = a;
      return std::nullopt;
    }
    return dp::KvResult{};
  }
  void finished(const dp::Done& d, const CallerResponse& c) override {
    done = d;
    caller = c;
  }
  bool logged(std::string_view s) const {
    for (const auto& l : logs)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }
};

struct PlanRun {
  sip::ManualTimerService timers{1'700'000'000};
  Port port;
  std::unique_ptr<Runner> runner;
  PlanRun(std::string_view type, std::string_view source, std::size_t max_legs = 20,
          sip::dialer::FraudGuard* guard = nullptr) {
    auto compiled = sip::dialer::compile_plan(type, "plan", source);
    EXPECT_TRUE(compiled.ok()) << compiled.error.message;
    dp::CallContext ctx;
    ctx.owner = "demo";
    ctx.dialplan_name = "plan";
    ctx.clock = &timers.clock();
    ctx.request.uri = dp::split_uri("sip:0123@sipsmith.test");
    sip::routing::ResolveInput base;
    base.owner = 1;
    base.subst.dst = "0123";
    base.caller_user = "alice";
    base.caller_host = "sipsmith.test";
    sip::dialer::RunnerLimits limits;
    limits.max_legs = max_legs;
    limits.guard = guard;
    port.timers = &timers;
    runner = std::make_unique<Runner>(port, timers, compiled.plan, ctx, base, limits);
    port.runner = runner.get();
  }
  void go() {
    runner->start();
    timers.run_until_idle(std::chrono::hours(1));
  }
};

TEST(CallerResponse, SanitisesChallengesAnd503Only) {
  dp::Done d;
  d.kind = dp::DoneKind::Unanswered;
  d.status = 407;
  d.reason = "Proxy Authentication Required";
  EXPECT_EQ(sip::dialer::caller_response(d).status, 480);
  d.status = 503;
  EXPECT_EQ(sip::dialer::caller_response(d).status, 500);
  EXPECT_EQ(sip::dialer::caller_response(d).reason, "Server Internal Error");
  d.status = 486;
  d.reason = "Busy Here";
  EXPECT_EQ(sip::dialer::caller_response(d).status, 486);
  EXPECT_EQ(sip::dialer::caller_response(d).reason, "Busy Here");
  d.kind = dp::DoneKind::Answered;
  EXPECT_FALSE(sip::dialer::caller_response(d).send);
}

TEST(Runner, ScriptSeesTheRealFailureCallerGetsItSanitised) {
  PlanRun r("lua", R"(
    local res = sys.Dial("busy@prov|down@prov")
    sys.Log("dial " .. res .. " " .. sys.LastFailureStatus .. " " .. sys.LastFailureReason)
  )");
  r.go();
  EXPECT_TRUE(r.port.logged("dial Failed 503 Service Unavailable"));
  ASSERT_TRUE(r.port.done);
  EXPECT_EQ(r.port.done->status, 503);
  EXPECT_EQ(r.port.caller.status, 500);
  EXPECT_EQ(r.port.placed,
            (std::vector<std::string>{"sip:busy@sip.prov.example", "sip:down@sip.prov.example"}));
}

TEST(Runner, ProviderRejectingOurCredentialsIs401ToTheScriptAnd480ToTheCaller) {
  PlanRun r("lua", R"(
    sys.Dial("auth@prov")
    sys.Log("saw " .. sys.LastFailureStatus .. " " .. sys.LastFailureReason)
  )");
  r.go();
  EXPECT_TRUE(r.port.logged("saw 401 Unauthorized"));
  EXPECT_EQ(r.port.caller.status, 480);
}

TEST(Runner, TheLegLimitCountsOverAllDialsOfAnExecution) {
  PlanRun r("lua", R"(
    sys.Log("first " .. sys.Dial("busy@prov&a1@x.example&a2@x.example", 2))
    sys.Log("second " .. sys.Dial("b1@x.example&b2@x.example", 2))
    sys.Log("third " .. sys.Dial("c1@x.example", 2))
  )",
            4);
  r.go();
  EXPECT_TRUE(r.port.logged("first TimedOut"));
  EXPECT_TRUE(r.port.logged("second Error"));
  EXPECT_TRUE(r.port.logged("third TimedOut"));
  EXPECT_EQ(r.port.placed.size(), 4u);
}

TEST(Runner, RmNRunsTheSamePlanOnceMoreAsARedirectExecution) {
  PlanRun r("lua", R"(
    if sys.Redirect then
      sys.Log("redirected to " .. sys.RedirectURI:ToString())
      sys.Dial("ok@prov")
    else
      sys.Log("first run")
      sys.Dial("moved@prov[rm=n]")
      sys.Log("not reached")
    end
  )");
  r.go();
  EXPECT_TRUE(r.port.logged("first run"));
  EXPECT_TRUE(r.port.logged("redirected to sip:300@elsewhere"));
  EXPECT_FALSE(r.port.logged("not reached"));
  ASSERT_TRUE(r.port.done);
  EXPECT_EQ(r.port.done->kind, dp::DoneKind::Answered);
  EXPECT_TRUE(r.runner->answered());
}

TEST(Runner, OnlyOneRedirectExecutionPerCall) {
  PlanRun r("lua", R"(
    sys.Log((sys.Redirect and "second: " or "first: ") .. sys.Dial("moved@prov[rm=n]"))
  )");
  r.go();
  EXPECT_TRUE(r.port.logged("rm=n redirect refused"));
  EXPECT_TRUE(r.port.logged("second: Failed"));
  EXPECT_FALSE(r.port.logged("first: "));
}

TEST(Runner, ManualRedirectReturnsRedirectWithTheContact) {
  PlanRun r("lua", R"(
    if sys.Dial("moved@prov") == "Redirect" then sys.Respond(403, "no " .. sys.RedirectURI.User) end
  )");
  r.go();
  ASSERT_TRUE(r.port.done);
  EXPECT_EQ(r.port.caller.status, 403);
  EXPECT_EQ(r.port.caller.reason, "no 300");
}

TEST(Runner, ProvisionalsWaitsAndPendingResults) {
  PlanRun r("lua", R"(
    sys.Respond(183, "Session Progress")
    sys.DBWrite("k", "v")
    sys.Log("written")
  )");
  r.port.hold_kv = true;
  r.go();
  EXPECT_EQ(r.port.provisionals, (std::vector<int>{183}));
  EXPECT_FALSE(r.port.logged("written"));
  ASSERT_TRUE(r.port.held);
  r.runner->resume(dp::KvResult{});
  EXPECT_TRUE(r.port.logged("written"));
  ASSERT_TRUE(r.port.done);
}

TEST(Runner, DialStringPlanWithNoLegsIsAnErrorAnd480) {
  PlanRun r("dialstring", "nobody@local");
  r.go();
  ASSERT_TRUE(r.port.done);
  EXPECT_EQ(r.port.caller.status, 480);
  EXPECT_TRUE(r.port.placed.empty());
}

TEST(Runner, CancelEndsTheExecutionWithoutFinished) {
  PlanRun r("lua", R"(sys.Dial("ring@prov") sys.Log("after"))");
  r.runner->start();
  ASSERT_NE(r.runner->forker(), nullptr);
  r.runner->cancel("caller cancelled");
  r.timers.run_until_idle(std::chrono::hours(1));
  EXPECT_FALSE(r.port.done);
  EXPECT_FALSE(r.port.logged("after"));
  EXPECT_TRUE(r.runner->done());
}

// ---- the fraud guard of redirect targets ------------------------------------

TEST(Runner, ADeniedPrefixIsRefusedForEveryDialByDefault) {
  sip::dialer::FraudGuard guard;
  PlanRun r("lua", R"(
    sys.Log("direct " .. sys.Dial("+19005550000@prov", 1) .. " " .. sys.LastFailureStatus)
    sys.Dial("ok@prov")
  )",
            20, &guard);
  r.go();
  EXPECT_TRUE(r.port.logged("denied prefix (+1900) (dialled)"));
  EXPECT_TRUE(r.port.logged("direct Failed 403"));
  EXPECT_EQ(r.port.placed, (std::vector<std::string>{"sip:ok@sip.prov.example"}));
}

TEST(Runner, ADeniedRedirectTargetIsRefusedAndNeverPlaced) {
  sip::dialer::FraudConfig config;
  config.all_dials = false;  // only guarded destinations are checked
  sip::dialer::FraudGuard guard(config);
  PlanRun r("lua", R"(
    sys.Log("direct " .. sys.Dial("+19005550000@prov", 1))
    if sys.Dial("moved@prov") == "Redirect" then
      local res = sys.Dial("+19005551234@prov")
      sys.Log("redirect " .. res .. " " .. sys.LastFailureStatus)
      sys.Dial("ok@prov")
    end
  )",
            20, &guard);
  r.go();
  // A destination the caller dialled is not a guarded one; after a Redirect
  // the denied prefix is refused before any leg, then a plain one is placed
  // (and answers).
  EXPECT_TRUE(r.port.logged("direct TimedOut"));
  EXPECT_TRUE(r.port.logged("denied prefix (+1900) (redirect target)"));
  EXPECT_TRUE(r.port.logged("redirect Failed 403"));
  EXPECT_TRUE(r.runner->answered());
  EXPECT_EQ(r.port.placed,
            (std::vector<std::string>{"sip:+19005550000@sip.prov.example",
                                      "sip:moved@sip.prov.example", "sip:ok@sip.prov.example"}));
}

TEST(Runner, TheRedirectExecutionIsGuardedAndRateLimitedPerCustomer) {
  sip::dialer::FraudConfig config;
  config.per_minute = 2;
  sip::dialer::FraudGuard guard(config);
  PlanRun r("lua", R"(
    if sys.Redirect then
      sys.Log("a " .. sys.Dial("0019005550000@prov", 1))
      sys.Log("b " .. sys.Dial("b1@prov", 1))
      sys.Log("c " .. sys.Dial("c1@prov", 1))
      sys.Log("d " .. sys.Dial("d1@prov", 1))
    else
      sys.Dial("moved@prov[rm=n]")
    end
  )",
            20, &guard);
  r.go();
  EXPECT_TRUE(r.port.logged("a Failed"));
  EXPECT_TRUE(r.port.logged("b TimedOut"));
  EXPECT_TRUE(r.port.logged("c TimedOut"));
  EXPECT_TRUE(r.port.logged("more than 2 redirect, transfer or callback targets per minute"));
  EXPECT_TRUE(r.port.logged("d Failed"));
  EXPECT_EQ(r.port.placed,
            (std::vector<std::string>{"sip:moved@sip.prov.example", "sip:b1@sip.prov.example",
                                      "sip:c1@sip.prov.example"}));
}

TEST(FraudGuard, PrefixesMatchInternationalFormsAndSeparators) {
  sip::dialer::FraudGuard g;
  EXPECT_EQ(g.denied_prefix("+1 (900) 555-1234"), "+1900");
  EXPECT_EQ(g.denied_prefix("0019005551234"), "+1900");
  EXPECT_EQ(g.denied_prefix("01144909879"), "+449");
  EXPECT_EQ(g.denied_prefix("+8816"), "+881");
  EXPECT_EQ(g.denied_prefix("+14155550100"), "");
  EXPECT_EQ(g.denied_prefix("1900"), "");  // national form: not the +1 900 range
  sip::dialer::FraudConfig c;
  c.denied_prefixes = {"0900"};
  sip::dialer::FraudGuard national(c);
  EXPECT_EQ(national.denied_prefix("0900123"), "0900");
  c.enabled = false;
  sip::dialer::FraudGuard off(c);
  EXPECT_EQ(off.denied_prefix("0900123"), "");
  EXPECT_EQ(off.check("demo", "0900123", 0), "");
}

TEST(FraudGuard, TheRateLimitRefillsOverAMinutePerCustomer) {
  sip::dialer::FraudConfig c;
  c.per_minute = 2;
  sip::dialer::FraudGuard g(c);
  EXPECT_EQ(g.check("a", "1", 0), "");
  EXPECT_EQ(g.check("a", "2", 0), "");
  EXPECT_NE(g.check("a", "3", 1000), "");
  EXPECT_EQ(g.check("b", "1", 1000), "");   // another customer has its own budget
  EXPECT_EQ(g.check("a", "4", 31000), "");  // half a minute: one back
  EXPECT_NE(g.check("a", "5", 31000), "");
}

}  // namespace
