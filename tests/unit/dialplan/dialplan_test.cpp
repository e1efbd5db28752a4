// The dialplan interface pieces without Lua: outcome rules, the limiter,
// names, URI splitting.
#include <gtest/gtest.h>

#include "sip/base/clock.hpp"
#include "sip/dialplan/dialstring_plan.hpp"
#include "sip/dialplan/execution.hpp"
#include "sip/dialplan/limiter.hpp"
#include "sip/dialplan/outcome.hpp"

namespace sip::dialplan {
namespace {

DialResult failed(DialOutcome outcome, int status, std::string reason) {
  DialResult r;
  r.outcome = outcome;
  r.failure_status = status;
  r.failure_reason = std::move(reason);
  return r;
}

TEST(OutcomeTracker, DefaultIs480) {
  OutcomeTracker t;
  EXPECT_FALSE(t.has_failure());
  Done d = t.unanswered();
  EXPECT_EQ(d.kind, DoneKind::Unanswered);
  EXPECT_EQ(d.status, 480);
  EXPECT_EQ(d.reason, "Temporarily Unavailable");
}

TEST(OutcomeTracker, LastFailureWins) {
  OutcomeTracker t;
  t.record_dial(failed(DialOutcome::Failed, 486, "Busy Here"));
  t.record_dial(failed(DialOutcome::TimedOut, 487, ""));
  EXPECT_EQ(t.unanswered().status, 487);
  EXPECT_EQ(t.unanswered().reason, "Request Terminated");
  t.record_dial(failed(DialOutcome::Failed, 0, ""));
  EXPECT_EQ(t.unanswered().status, 480);
  EXPECT_EQ(t.unanswered().reason, "All forwards failed");
  t.record_dial(failed(DialOutcome::Answered, 0, ""));  // no change
  EXPECT_EQ(t.failure_status(), 480);
  t.set_failure_status(603);
  t.set_failure_reason("Decline");
  EXPECT_EQ(t.unanswered().status, 603);
  EXPECT_EQ(t.unanswered().reason, "Decline");
  t.set_failure_status(42);  // not a failure status: falls back to 480
  EXPECT_EQ(t.unanswered().status, 480);
}

TEST(OutcomeTracker, FixedOutcomes) {
  EXPECT_EQ(OutcomeTracker::answered().kind, DoneKind::Answered);
  EXPECT_EQ(OutcomeTracker::cancelled().kind, DoneKind::ClientCancelled);
  Done r = OutcomeTracker::responded(404, "", {"X-A: 1"});
  EXPECT_EQ(r.kind, DoneKind::Responded);
  EXPECT_EQ(r.reason, "Not Found");
  EXPECT_EQ(r.headers.size(), 1u);
  Done e = OutcomeTracker::script_error(ScriptErrorKind::Budget, "loop", 7);
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(e.reason, "Dial plan exception");
  EXPECT_EQ(e.error_line, 7);
  Done s = syntax_error_done(Diagnostic{3, 0, "unexpected symbol"});
  EXPECT_EQ(s.reason, "Dial plan syntax error");
  EXPECT_EQ(s.error, ScriptErrorKind::Syntax);
  EXPECT_EQ(s.error_line, 3);
}

TEST(ExecutionLimiter, PerOwnerAndGlobalCaps) {
  ExecutionLimiter limiter(3);
  std::vector<ExecutionLimiter::Ticket> held;
  for (int i = 0; i < 2; ++i) {
    auto r = limiter.acquire("Alice", 2);
    ASSERT_TRUE(std::holds_alternative<ExecutionLimiter::Ticket>(r));
    held.push_back(std::move(std::get<ExecutionLimiter::Ticket>(r)));
  }
  auto refused = limiter.acquire("alice", 2);
  ASSERT_TRUE(std::holds_alternative<Done>(refused));
  EXPECT_EQ(std::get<Done>(refused).status, 480);
  EXPECT_EQ(std::get<Done>(refused).reason, "Dial plan execution exceeded maximum allowed");
  auto bob = limiter.acquire("bob", 5);
  ASSERT_TRUE(std::holds_alternative<ExecutionLimiter::Ticket>(bob));
  auto carol = limiter.acquire("carol", 5);
  ASSERT_TRUE(std::holds_alternative<Done>(carol));
  EXPECT_EQ(std::get<Done>(carol).status, 500);
  EXPECT_EQ(std::get<Done>(carol).reason, "Dial plan script engine was overloaded");
  EXPECT_EQ(limiter.running(), 3u);
  EXPECT_EQ(limiter.running("ALICE"), 2u);
  held.pop_back();  // releases one of alice's
  EXPECT_EQ(limiter.running("alice"), 1u);
  EXPECT_TRUE(std::holds_alternative<ExecutionLimiter::Ticket>(limiter.acquire("carol", 5)));
  // The temporary ticket above was released at the end of the statement.
  EXPECT_EQ(limiter.running(), 2u);
  ExecutionLimiter::Ticket moved = std::move(std::get<ExecutionLimiter::Ticket>(bob));
  EXPECT_TRUE(moved.valid());
  moved.release();
  EXPECT_EQ(limiter.running("bob"), 0u);
}

TEST(DialplanNames, FromOneTable) {
  EXPECT_STREQ(dial_outcome_name(DialOutcome::ClientCancelled), "ClientCancelled");
  EXPECT_STREQ(dial_outcome_name(DialOutcome::AlreadyAnswered), "AlreadyAnswered");
  EXPECT_STREQ(action_name(Action{KvKeys{}}), "kv_keys");
  EXPECT_STREQ(action_name(Action{Done{}}), "done");
  EXPECT_TRUE(action_awaits_value(Action{Dial{}}));
  EXPECT_FALSE(action_awaits_value(Action{Log{}}));
  EXPECT_STREQ(plan_type_name(PlanType::Wizard), "wizard");
  EXPECT_STREQ(done_kind_name(DoneKind::ScriptError), "script_error");
}

TEST(SplitUri, SipTelAndRelaxed) {
  UriParts p = split_uri("<sip:300@pstn.example.net:5070;user=phone>");
  EXPECT_EQ(p.scheme, "sip");
  EXPECT_EQ(p.user, "300");
  EXPECT_EQ(p.host, "pstn.example.net");
  EXPECT_EQ(p.port, 5070);
  EXPECT_EQ(p.params, ";user=phone");
  EXPECT_EQ(p.full, "sip:300@pstn.example.net:5070;user=phone");
  UriParts t = split_uri("tel:+3531234");
  EXPECT_EQ(t.scheme, "tel");
  EXPECT_EQ(t.user, "+3531234");
  UriParts r = split_uri("bob@10.0.0.1:5062");
  EXPECT_EQ(r.user, "bob");
  EXPECT_EQ(r.host, "10.0.0.1");
  EXPECT_EQ(r.port, 5062);
}

}  // namespace
}  // namespace sip::dialplan

// ---- dial plans of type "dialstring"

namespace {

TEST(DialStringPlan, DialsItsTextThenReportsTheFailure) {
  sip::dialplan::DialStringCompiler c;
  auto r = c.compile("out", "${dst}@prov1|${dst}@prov2\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.plan->type(), sip::dialplan::PlanType::DialString);
  auto ex = r.plan->new_execution();
  sip::ManualClock clock;
  sip::dialplan::CallContext ctx;
  ctx.clock = &clock;
  auto a = ex->start(ctx);
  auto* dial = std::get_if<sip::dialplan::Dial>(&a);
  ASSERT_NE(dial, nullptr);
  EXPECT_EQ(dial->dial_string, "${dst}@prov1|${dst}@prov2");
  sip::dialplan::DialResult res;
  res.outcome = sip::dialplan::DialOutcome::Failed;
  res.failure_status = 486;
  auto d = ex->resume(res);
  auto* done = std::get_if<sip::dialplan::Done>(&d);
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(done->kind, sip::dialplan::DoneKind::Unanswered);
  EXPECT_EQ(done->status, 486);
  EXPECT_TRUE(ex->done());
}

TEST(DialStringPlan, AnsweredAndCancelledEndQuietly) {
  sip::dialplan::DialStringCompiler c;
  auto r = c.compile("in", "bob@local");
  ASSERT_TRUE(r.ok());
  sip::ManualClock clock;
  sip::dialplan::CallContext ctx;
  ctx.clock = &clock;
  auto ex = r.plan->new_execution();
  (void)ex->start(ctx);
  sip::dialplan::DialResult ok;
  ok.outcome = sip::dialplan::DialOutcome::Answered;
  auto d = ex->resume(ok);
  EXPECT_EQ(std::get<sip::dialplan::Done>(d).kind, sip::dialplan::DoneKind::Answered);
  auto ex2 = r.plan->new_execution();
  (void)ex2->start(ctx);
  auto d2 = ex2->resume(sip::dialplan::CallerCancelled{});
  EXPECT_EQ(std::get<sip::dialplan::Done>(d2).kind, sip::dialplan::DoneKind::ClientCancelled);
}

TEST(DialStringPlan, SyntaxErrorsPointAtLineAndColumn) {
  sip::dialplan::DialStringCompiler c;
  auto r = c.compile("bad", "a@b[dt=x]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.line, 1);
  EXPECT_GT(r.error.column, 1);
  EXPECT_FALSE(r.error.message.empty());
  EXPECT_FALSE(c.compile("empty", "  \n").ok());
}

}  // namespace
