// Wizard plans: pattern matching (exact, prefix X/Z/N/., regex), priorities,
// incoming account/provider/caller/time-window matching, the execution flow
// and its outcomes.
#include "sip/wizard/wizard_plan.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace sip::wizard {
namespace {

using dialplan::DialOutcome;
using dialplan::DialResult;

class TestHost final : public dialplan::Host {
 public:
  bool is_available(std::string_view, std::string_view) override { return false; }
  bool is_mine(std::string_view, std::string_view, std::string_view) override { return false; }
  bool account_exists(std::string_view, std::string_view) override { return false; }
  std::optional<std::vector<dialplan::BindingView>> bindings(std::string_view, std::string_view,
                                                             std::string_view) override {
    return std::nullopt;
  }
  std::size_t current_call_count(std::string_view) override { return 0; }
  std::vector<dialplan::AccountView> accounts(std::string_view) override { return {}; }
  std::optional<std::string> canonical_domain(std::string_view host) override {
    if (host == "local" || host == "sipsmith.test" || host == "SIPSMITH.TEST")
      return std::string("sipsmith.test");
    return std::nullopt;
  }
};

std::shared_ptr<const dialplan::CompiledPlan> compile(const std::string& json) {
  auto result = WizardCompiler().compile("wiz", json);
  EXPECT_TRUE(result.ok()) << result.error.line << ":" << result.error.column << ": "
                           << result.error.message;
  return result.plan;
}

struct RunResult {
  std::vector<std::string> dials;
  std::vector<int> rings;
  std::vector<std::string> logs;
  dialplan::Done done;
};

using Responder = std::function<DialResult(const std::string&)>;

DialResult fail(int status, std::string reason = {}) {
  DialResult r;
  r.outcome = DialOutcome::Failed;
  r.failure_status = status;
  r.failure_reason = std::move(reason);
  return r;
}

DialResult answer() {
  DialResult r;
  r.outcome = DialOutcome::Answered;
  return r;
}

class WizardTest : public ::testing::Test {
 protected:
  dialplan::CallContext out_call(const std::string& number) {
    dialplan::CallContext ctx;
    ctx.direction = dialplan::Direction::Out;
    ctx.owner = "demo";
    ctx.request.uri = dialplan::split_uri("sip:" + number + "@sipsmith.test");
    ctx.request.from_uri = dialplan::split_uri("sip:1001@sipsmith.test");
    ctx.clock = &clock_;
    ctx.host = &host_;
    return ctx;
  }
  dialplan::CallContext in_call(const std::string& to, const std::string& from,
                                const std::string& display = {}) {
    auto ctx = out_call("x");
    ctx.direction = dialplan::Direction::In;
    ctx.request.uri = dialplan::split_uri(to);
    ctx.request.from_uri = dialplan::split_uri(from);
    ctx.request.from_display = display;
    return ctx;
  }

  RunResult run(const dialplan::CompiledPlan& plan, dialplan::CallContext ctx,
                const Responder& respond) {
    RunResult r;
    auto ex = plan.new_execution();
    dialplan::Action a = ex->start(std::move(ctx));
    for (int guard = 0; guard < 100 && !std::holds_alternative<dialplan::Done>(a); ++guard) {
      if (auto* d = std::get_if<dialplan::Dial>(&a)) {
        r.dials.push_back(d->dial_string);
        r.rings.push_back(d->ring_seconds);
        a = ex->resume(respond(d->dial_string));
      } else if (auto* l = std::get_if<dialplan::Log>(&a)) {
        r.logs.push_back(l->text);
        a = ex->resume(dialplan::Ack{});
      } else {
        ADD_FAILURE() << "unexpected action " << dialplan::action_name(a);
        a = ex->resume(dialplan::Ack{});
      }
    }
    EXPECT_TRUE(ex->done());
    r.done = std::get<dialplan::Done>(a);
    return r;
  }

  std::vector<std::string> dials_for(const dialplan::CompiledPlan& plan,
                                     dialplan::CallContext ctx) {
    return run(plan, std::move(ctx), [](const std::string&) { return fail(486); }).dials;
  }

  ManualClock clock_{1719835200};  // 2024-07-01T12:00:00Z, a Monday
  TestHost host_;
};

std::string out_rule(const std::string& type, const std::string& pattern,
                     const std::string& provider, double priority = 1) {
  return R"({"direction":"out","pattern_type":")" + type + R"(","pattern":")" + pattern +
         R"(","command":"dial","provider":")" + provider + R"(","priority":)" +
         std::to_string(priority) + "}";
}

TEST_F(WizardTest, PrefixToRegex) {
  EXPECT_EQ(prefix_to_regex("_011353X."), "^011353[0-9].");
  EXPECT_EQ(prefix_to_regex("*10Z"), "^\\*10[1-9]");
  EXPECT_EQ(prefix_to_regex("+N"), "^\\+[2-9]");
  EXPECT_EQ(prefix_to_regex("1[2-4]"), "^1[2-4]");
}

TEST_F(WizardTest, ExactPrefixAndRegexMatching) {
  auto plan = compile(R"({"rules":[)" + out_rule("exact", "*100", "exact") + "," +
                      out_rule("prefix", "011353", "ie") + "," + out_rule("prefix", "1Z", "z") +
                      "," + out_rule("prefix", "2N", "n") + "," + out_rule("prefix", "3X.", "x") +
                      "," + out_rule("regex", "^4[0-9]{3}$", "re") + "]}");
  ASSERT_TRUE(plan);
  EXPECT_EQ(dials_for(*plan, out_call("*100")), std::vector<std::string>{"${EXTEN}@exact"});
  EXPECT_TRUE(dials_for(*plan, out_call("*1000")).empty());  // exact is exact
  EXPECT_TRUE(dials_for(*plan, out_call("x*100")).empty());
  EXPECT_EQ(dials_for(*plan, out_call("0113531234")), std::vector<std::string>{"${EXTEN}@ie"});
  EXPECT_TRUE(dials_for(*plan, out_call("9011353")).empty());  // start-anchored
  EXPECT_EQ(dials_for(*plan, out_call("11")), std::vector<std::string>{"${EXTEN}@z"});
  EXPECT_TRUE(dials_for(*plan, out_call("10")).empty());  // Z = 1-9
  EXPECT_EQ(dials_for(*plan, out_call("22")), std::vector<std::string>{"${EXTEN}@n"});
  EXPECT_TRUE(dials_for(*plan, out_call("21")).empty());  // N = 2-9
  EXPECT_EQ(dials_for(*plan, out_call("30a")), std::vector<std::string>{"${EXTEN}@x"});
  EXPECT_TRUE(dials_for(*plan, out_call("30")).empty());  // '.' needs one more character
  EXPECT_EQ(dials_for(*plan, out_call("4123")), std::vector<std::string>{"${EXTEN}@re"});
  EXPECT_TRUE(dials_for(*plan, out_call("41234")).empty());
  // The dialled number is matched unescaped.
  EXPECT_EQ(dials_for(*plan, out_call("%2A100")), std::vector<std::string>{"${EXTEN}@exact"});
}

TEST_F(WizardTest, AllMatchingRulesRunInPriorityOrderUntilAnswered) {
  auto plan = compile(R"({"rules":[)" + out_rule("prefix", "0", "callcentric", 30) + "," +
                      out_rule("prefix", "011353", "blueface", 10) + "," +
                      out_rule("prefix", "011", "voipms", 20) + "," +
                      out_rule("prefix", "0113", "tie_second", 20) + "]}");
  ASSERT_TRUE(plan);
  auto all =
      run(*plan, out_call("0113531234"), [](const std::string&) { return fail(486, "Busy"); });
  EXPECT_EQ(all.dials, (std::vector<std::string>{"${EXTEN}@blueface", "${EXTEN}@voipms",
                                                 "${EXTEN}@tie_second", "${EXTEN}@callcentric"}));
  EXPECT_EQ(all.done.kind, dialplan::DoneKind::Unanswered);
  EXPECT_EQ(all.done.status, 486);
  EXPECT_EQ(all.done.reason, "Busy");
  EXPECT_EQ(all.rings, (std::vector<int>{180, 180, 180, 180}));

  auto second = run(*plan, out_call("0113531234"), [](const std::string& d) {
    return d == "${EXTEN}@voipms" ? answer() : fail(503);
  });
  EXPECT_EQ(second.dials.size(), 2u);
  EXPECT_EQ(second.done.kind, dialplan::DoneKind::Answered);
}

TEST_F(WizardTest, RejectStopsAndDisabledRulesAreSkipped) {
  auto plan = compile(R"({"rules":[
    {"direction":"out","pattern_type":"prefix","pattern":"0900","command":"reject","status":403,"reason":"No premium","priority":1},
    {"direction":"out","pattern_type":"prefix","pattern":"0","command":"dial","provider":"p","priority":2},
    {"direction":"out","pattern_type":"prefix","pattern":"0","command":"dial","provider":"off","priority":0,"enabled":false}
  ]})");
  ASSERT_TRUE(plan);
  auto r = run(*plan, out_call("0900123"), [](const std::string&) { return answer(); });
  EXPECT_TRUE(r.dials.empty());
  EXPECT_EQ(r.done.kind, dialplan::DoneKind::Responded);
  EXPECT_EQ(r.done.status, 403);
  EXPECT_EQ(r.done.reason, "No premium");
  EXPECT_EQ(dials_for(*plan, out_call("0123")), std::vector<std::string>{"${EXTEN}@p"});
}

TEST_F(WizardTest, NoMatchGives480AndDialAdvancedCarriesItsParameters) {
  auto plan = compile(R"({"rules":[
    {"direction":"out","pattern_type":"regex","pattern":"^1800","command":"dial_advanced",
     "dial_string":"${dst}@a|${dst}@b[dt=5]","ring_seconds":30,"answered_limit_seconds":600},
    {"direction":"out","pattern_type":"exact","pattern":"big","command":"dial_advanced",
     "dial_string":"x@y","ring_seconds":999}
  ]})");
  ASSERT_TRUE(plan);
  auto none = run(*plan, out_call("555"), [](const std::string&) { return answer(); });
  EXPECT_TRUE(none.dials.empty());
  EXPECT_EQ(none.done.status, 480);
  EXPECT_EQ(none.done.reason, "Temporarily Unavailable");
  ASSERT_FALSE(none.logs.empty());
  EXPECT_NE(none.logs[0].find("0 of 2"), std::string::npos);

  auto ex = plan->new_execution();
  auto a = ex->start(out_call("18001234"));
  while (std::holds_alternative<dialplan::Log>(a)) a = ex->resume(dialplan::Ack{});
  auto* dial = std::get_if<dialplan::Dial>(&a);
  ASSERT_NE(dial, nullptr);
  EXPECT_EQ(dial->dial_string, "${dst}@a|${dst}@b[dt=5]");
  EXPECT_EQ(dial->ring_seconds, 30);
  EXPECT_EQ(dial->answered_limit_seconds, 600);
  // A failed dial with no status: 480 "All forwards failed".
  DialResult no_status;
  no_status.outcome = DialOutcome::Failed;
  a = ex->resume(no_status);
  while (std::holds_alternative<dialplan::Log>(a)) a = ex->resume(dialplan::Ack{});
  ASSERT_TRUE(std::holds_alternative<dialplan::Done>(a));
  EXPECT_EQ(std::get<dialplan::Done>(a).status, 480);
  EXPECT_EQ(std::get<dialplan::Done>(a).reason, "All forwards failed");
  EXPECT_TRUE(ex->done());
  // Done repeats.
  EXPECT_EQ(std::get<dialplan::Done>(ex->resume(dialplan::Ack{})).status, 480);

  auto clamped = run(*plan, out_call("big"), [](const std::string&) { return answer(); });
  EXPECT_EQ(clamped.rings, std::vector<int>{180});
}

TEST_F(WizardTest, CallerCancelledAndWrongResultType) {
  auto plan = compile(R"({"rules":[)" + out_rule("prefix", "1", "a", 1) + "," +
                      out_rule("prefix", "1", "b", 2) + "]}");
  ASSERT_TRUE(plan);
  auto ex = plan->new_execution();
  auto a = ex->start(out_call("123"));
  while (std::holds_alternative<dialplan::Log>(a)) a = ex->resume(dialplan::Ack{});
  ASSERT_TRUE(std::holds_alternative<dialplan::Dial>(a));
  a = ex->resume(dialplan::CallerCancelled{});
  ASSERT_TRUE(std::holds_alternative<dialplan::Done>(a));
  EXPECT_EQ(std::get<dialplan::Done>(a).kind, dialplan::DoneKind::ClientCancelled);

  // A result of the wrong type counts as an Error dial: the next rule runs.
  auto ex2 = plan->new_execution();
  a = ex2->start(out_call("123"));
  while (std::holds_alternative<dialplan::Log>(a)) a = ex2->resume(dialplan::Ack{});
  a = ex2->resume(dialplan::Ack{});
  while (std::holds_alternative<dialplan::Log>(a)) a = ex2->resume(dialplan::Ack{});
  ASSERT_TRUE(std::holds_alternative<dialplan::Dial>(a));
  EXPECT_EQ(std::get<dialplan::Dial>(a).dial_string, "${EXTEN}@b");
}

TEST_F(WizardTest, IncomingToMatchAccountProviderRegexAndAny) {
  auto plan = compile(R"({"rules":[
    {"direction":"in","to_match":"account","to":"provider1@local","command":"dial",
     "destination":"0447623322","provider":"someprovider","priority":1},
    {"direction":"in","to_match":"account","to":"provider3","command":"dial_advanced",
     "dial_string":"mine1@local&mine2@local","priority":2},
    {"direction":"in","to_match":"provider","to":"gizmo","command":"dial","provider":"local",
     "destination":"tagged","priority":3},
    {"direction":"in","to_match":"regex","to":"^vm[0-9]+@sipsmith\\.test$","command":"dial",
     "destination":"re","provider":"local","priority":4},
    {"direction":"in","command":"dial","destination":"17770000000","provider":"callcentric",
     "priority":100}
  ]})");
  ASSERT_TRUE(plan);
  EXPECT_EQ(dials_for(*plan, in_call("sip:provider1@sipsmith.test", "sip:555@x.com")),
            (std::vector<std::string>{"0447623322@someprovider", "17770000000@callcentric"}));
  EXPECT_EQ(dials_for(*plan, in_call("sip:provider3@SIPSMITH.TEST", "sip:555@x.com")),
            (std::vector<std::string>{"mine1@local&mine2@local", "17770000000@callcentric"}));
  EXPECT_EQ(dials_for(*plan, in_call("sip:gizmo.joe@sipsmith.test", "sip:555@x.com")),
            (std::vector<std::string>{"tagged@local", "17770000000@callcentric"}));
  EXPECT_EQ(dials_for(*plan, in_call("sip:vm12@sipsmith.test", "sip:555@x.com")),
            (std::vector<std::string>{"re@local", "17770000000@callcentric"}));
  // provider1 at another domain is a different account.
  EXPECT_EQ(dials_for(*plan, in_call("sip:provider1@other.test", "sip:555@x.com")),
            (std::vector<std::string>{"17770000000@callcentric"}));
  // Outgoing calls never see incoming rules.
  EXPECT_TRUE(dials_for(*plan, out_call("provider1")).empty());
}

TEST_F(WizardTest, IncomingCallerPatternOnDisplayNameOrUri) {
  auto plan = compile(R"({"rules":[
    {"direction":"in","pattern":"^Mum$","command":"dial","destination":"mum","provider":"local"},
    {"direction":"in","pattern":"^sip:0035312@","command":"dial","destination":"uri","provider":"local"},
    {"direction":"in","pattern_type":"exact","pattern":"sip:1@a.com:5070","command":"dial",
     "destination":"exact","provider":"local"}
  ]})");
  ASSERT_TRUE(plan);
  EXPECT_EQ(dials_for(*plan, in_call("sip:me@local", "sip:1@a.com", "Mum")),
            std::vector<std::string>{"mum@local"});
  EXPECT_EQ(dials_for(*plan, in_call("sip:me@local", "sip:0035312@pstn.example;user=phone")),
            std::vector<std::string>{"uri@local"});
  EXPECT_EQ(dials_for(*plan, in_call("sip:me@local", "sip:1@a.com:5070;transport=tcp")),
            std::vector<std::string>{"exact@local"});
  EXPECT_TRUE(dials_for(*plan, in_call("sip:me@local", "sip:2@a.com", "Dad")).empty());
}

TEST_F(WizardTest, TimeWindowsInTheOwnersZoneWithDst) {
  auto plan = compile(R"({"rules":[
    {"direction":"in","time":"MTuWThF;09:00-17:00","command":"dial","destination":"office","provider":"local"},
    {"direction":"in","time":{"days":"MTuWThFSaSu","start":"22:00","end":"07:00"},"command":"reject",
     "status":480,"reason":"asleep"},
    {"direction":"in","command":"dial","destination":"home","provider":"local","priority":5}
  ]})");
  ASSERT_TRUE(plan);
  auto call = [&](std::int64_t unix, const std::string& zone) {
    ManualClock clock(unix);
    auto ctx = in_call("sip:me@local", "sip:1@a.com");
    ctx.clock = &clock;
    ctx.time_zone = zone;
    return run(*plan, ctx, [](const std::string&) { return fail(486); });
  };
  // Monday 2024-07-01 16:30Z: 17:30 in Dublin (IST): after office hours.
  EXPECT_EQ(call(1719851400, "Europe/Dublin").dials, std::vector<std::string>{"home@local"});
  // Monday 2024-01-15 16:30Z: 16:30 in Dublin (GMT): office hours.
  EXPECT_EQ(call(1705336200, "Europe/Dublin").dials,
            (std::vector<std::string>{"office@local", "home@local"}));
  // 2024-07-01 16:30Z in UTC is 16:30: office.
  EXPECT_EQ(call(1719851400, "UTC").dials.front(), "office@local");
  // Monday 2024-07-01 21:30Z: 22:30 in Dublin: asleep (the reject stops before home).
  auto night = call(1719869400, "Europe/Dublin");
  EXPECT_TRUE(night.dials.empty());
  EXPECT_EQ(night.done.status, 480);
  EXPECT_EQ(night.done.reason, "asleep");
  // Same instant in New York (17:30 EDT): home only.
  EXPECT_EQ(call(1719869400, "America/New_York").dials, std::vector<std::string>{"home@local"});
  // Tuesday 05:59 in Dublin (04:59Z): still the overnight window.
  EXPECT_EQ(call(1719896340, "Europe/Dublin").done.reason, "asleep");
  // Saturday 2024-07-06 10:00 Dublin (09:00Z): weekend, no office.
  EXPECT_EQ(call(1720256400, "Europe/Dublin").dials, std::vector<std::string>{"home@local"});
  // Unknown zone: logged, falls back to tz_offset_minutes (0): 16:30 -> office.
  auto unknown = call(1719851400, "Nowhere/Land");
  EXPECT_EQ(unknown.dials.front(), "office@local");
  bool warned = false;
  for (const auto& l : unknown.logs) warned = warned || l.find("Nowhere/Land") != std::string::npos;
  EXPECT_TRUE(warned) << ::testing::PrintToString(unknown.logs);
}

TEST_F(WizardTest, TiesKeepDocumentOrder) {
  auto plan = compile(R"({"rules":[)" + out_rule("prefix", "1", "first", 5) + "," +
                      out_rule("prefix", "1", "second", 5) + "," +
                      out_rule("prefix", "1", "zero", 0.5) + "]}");
  ASSERT_TRUE(plan);
  EXPECT_EQ(dials_for(*plan, out_call("1")),
            (std::vector<std::string>{"${EXTEN}@zero", "${EXTEN}@first", "${EXTEN}@second"}));
}

}  // namespace
}  // namespace sip::wizard
