// The sys/req API of Lua dial plans and the final-outcome rules.
#include <gtest/gtest.h>

#include "lua_driver.hpp"

namespace sip::lua::test {
namespace {

TEST(LuaOutcome, NoDialGives480) {
  Driver d;
  Done done = d.run("local x = 1");
  EXPECT_EQ(done.kind, DoneKind::Unanswered);
  EXPECT_EQ(done.status, 480);
  EXPECT_EQ(done.reason, "Temporarily Unavailable");
}

TEST(LuaOutcome, LastFailureOfLastDial) {
  Driver d;
  d.dial_outcomes["a@blueface"] = dial_result(DialOutcome::Failed, 486, "Busy Here");
  d.dial_outcomes["b@blueface"] = dial_result(DialOutcome::Failed, 503, "Service Unavailable");
  Done done = d.run(R"(
    local r1 = sys.Dial("a@blueface")
    local r2 = sys.Dial("b@blueface")
    sys.Log(r1 .. "," .. r2 .. "," .. sys.LastFailureStatus .. "," .. sys.LastFailureReason)
  )");
  EXPECT_EQ(done.kind, DoneKind::Unanswered);
  EXPECT_EQ(done.status, 503);
  EXPECT_EQ(done.reason, "Service Unavailable");
  EXPECT_TRUE(d.logged("Failed,Failed,503,Service Unavailable"));
  EXPECT_EQ(d.dials(), (std::vector<std::string>{"a@blueface", "b@blueface"}));
}

TEST(LuaOutcome, FailedWithoutStatusIsAllForwardsFailed) {
  Driver d;
  d.default_dial = dial_result(DialOutcome::Failed);
  Done done = d.run("sys.Dial('x@y')");
  EXPECT_EQ(done.status, 480);
  EXPECT_EQ(done.reason, "All forwards failed");
}

TEST(LuaOutcome, ScriptSetsLastFailure) {
  Driver d;
  Done done = d.run("sys.LastFailureStatus = 403 sys.last_failure_reason = 'Nope'");
  EXPECT_EQ(done.status, 403);
  EXPECT_EQ(done.reason, "Nope");
}

TEST(LuaOutcome, AnsweredEndsTheScript) {
  Driver d;
  d.dial_outcomes["100@blueface"] = dial_result(DialOutcome::Answered);
  Done done = d.run("sys.Log('before') sys.Dial('100@blueface') sys.Log('after')");
  EXPECT_EQ(done.kind, DoneKind::Answered);
  EXPECT_TRUE(d.logged("before"));
  EXPECT_FALSE(d.logged("after"));
}

TEST(LuaOutcome, ClientCancelledEndsTheScript) {
  Driver d;
  d.default_dial = dial_result(DialOutcome::ClientCancelled);
  Done done = d.run("sys.Dial('1@p') sys.Log('after')");
  EXPECT_EQ(done.kind, DoneKind::ClientCancelled);
  EXPECT_FALSE(d.logged("after"));
}

TEST(LuaOutcome, CallerCancelledWhileWaiting) {
  Driver d;
  auto plan = d.compile("sys.Log('a') sys.DBRead('k') sys.Log('never')");
  auto ex = plan->new_execution();
  Action a = ex->start(d.ctx);
  ASSERT_TRUE(std::holds_alternative<Log>(a));
  a = ex->resume(Ack{});
  ASSERT_TRUE(std::holds_alternative<KvRead>(a));
  a = ex->resume(CallerCancelled{});
  ASSERT_TRUE(std::holds_alternative<Done>(a));
  EXPECT_EQ(std::get<Done>(a).kind, DoneKind::ClientCancelled);
  EXPECT_TRUE(ex->done());
  a = ex->resume(Ack{});  // after Done: same Done again
  EXPECT_EQ(std::get<Done>(a).kind, DoneKind::ClientCancelled);
}

TEST(LuaOutcome, DialResultStrings) {
  Driver d;
  d.dial_outcomes["r"] = dial_result(DialOutcome::Redirect, 302, "Moved");
  d.dial_outcomes["t"] = dial_result(DialOutcome::TimedOut);
  d.dial_outcomes["e"] = dial_result(DialOutcome::Error);
  d.dial_outcomes["aa"] = dial_result(DialOutcome::AlreadyAnswered);
  d.run(R"(sys.Log(sys.Dial("r") .. " " .. sys.Dial("t") .. " " .. sys.Dial("e") .. " " ..
                   sys.Dial("aa") .. " " .. sys.Dial("other")))");
  EXPECT_TRUE(d.logged("Redirect TimedOut Error AlreadyAnswered Failed"));
}

TEST(LuaOutcome, WrongResultTypeCountsAsError) {
  Driver d;
  auto plan = d.compile("sys.Log(sys.Dial('x'))");
  auto ex = plan->new_execution();
  Action a = ex->start(d.ctx);
  ASSERT_TRUE(std::holds_alternative<Dial>(a));
  a = ex->resume(Ack{});
  ASSERT_TRUE(std::holds_alternative<Log>(a));
  EXPECT_EQ(std::get<Log>(a).text, "Error");
}

TEST(LuaOutcome, RuntimeErrorIs500WithLine) {
  Driver d;
  d.dial_outcomes["a"] = dial_result(DialOutcome::Failed, 486, "Busy Here");
  Done done = d.run("sys.Dial('a')\nlocal x = 1\nerror('boom')\n");
  EXPECT_EQ(done.kind, DoneKind::ScriptError);
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.reason, "Dial plan exception");
  EXPECT_EQ(done.error, ScriptErrorKind::Runtime);
  EXPECT_EQ(done.error_line, 3);
  EXPECT_EQ(done.error_message, "boom");
}

TEST(LuaOutcome, MissingMethod) {
  Driver d;
  Done done = d.run("local a = 1\nsys.NoSuchThing('x')");
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.reason, "Dial plan missing method");
  EXPECT_EQ(done.error, ScriptErrorKind::MissingMethod);
  EXPECT_EQ(done.error_line, 2);
}

TEST(LuaOutcome, NonStringErrorObjectStillHasLine) {
  Driver d;
  Done done = d.run("\n\nerror(setmetatable({}, {__tostring = function() return 'x' end}))");
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.error_line, 3);
  EXPECT_NE(done.error_message.find("table"), std::string::npos);
}

TEST(LuaCompile, SyntaxErrorHasLine) {
  LuaCompiler compiler;
  auto result = compiler.compile("p", "sys.Log('a')\nif x then\n  sys.Dial('y'\nend\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error.line, 4);
  EXPECT_NE(result.error.message.find("expected"), std::string::npos) << result.error.message;
  Done done = syntax_error_done(result.error);
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.reason, "Dial plan syntax error");
  EXPECT_EQ(done.error_line, 4);
}

TEST(LuaCompile, LimitsAndName) {
  LuaConfig config;
  config.max_source_bytes = 10;
  LuaCompiler compiler(config);
  EXPECT_FALSE(compiler.compile("p", "sys.Log('long enough')").ok());
  EXPECT_FALSE(compiler.compile("", "x = 1").ok());
  auto ok = compiler.compile("p", "x = 1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.plan->name(), "p");
  EXPECT_EQ(ok.plan->type(), PlanType::Lua);
}

TEST(LuaRespond, ProvisionalContinuesFinalEnds) {
  Driver d;
  Done done = d.run(R"(
    sys.Respond(180, "Ringing")
    sys.Log("still here")
    sys.Respond(486, "Busy Here")
    sys.Log("never")
  )");
  auto responds = d.actions<Respond>();
  ASSERT_EQ(responds.size(), 1u);
  EXPECT_EQ(responds[0].status, 180);
  EXPECT_EQ(done.kind, DoneKind::Responded);
  EXPECT_EQ(done.status, 486);
  EXPECT_EQ(done.reason, "Busy Here");
  EXPECT_TRUE(d.logged("still here"));
  EXPECT_FALSE(d.logged("never"));
  // Order: Respond 180 before the Log.
  ASSERT_GE(d.trace.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Respond>(d.trace[0]));
}

TEST(LuaRespond, RedirectWithContactAndHeaders) {
  Driver d;
  Done done = d.run(R"(sys.Respond(302, nil, "sip:bob@example.org|X-Why: moved|Via: bad"))");
  EXPECT_EQ(done.status, 302);
  EXPECT_EQ(done.reason, "Moved Temporarily");
  EXPECT_EQ(done.headers,
            (std::vector<std::string>{"Contact: <sip:bob@example.org>", "X-Why: moved"}));
  EXPECT_TRUE(d.logged("not permitted"));
}

TEST(LuaRespond, TwoHundredRefusedForInviteAllowedForMessage) {
  Driver d;
  Done done = d.run("sys.Respond(200, 'OK') sys.Log('continued')");
  EXPECT_EQ(done.status, 480);
  EXPECT_TRUE(d.logged("not allowed"));
  EXPECT_TRUE(d.logged("continued"));
  d.ctx.request.method = "MESSAGE";
  done = d.run("sys.Respond(200, 'OK') sys.Log('never')");
  EXPECT_EQ(done.kind, DoneKind::Responded);
  EXPECT_EQ(done.status, 200);
  EXPECT_FALSE(d.logged("never"));
}

TEST(LuaRespond, FinalInsideCallbackStillEnds) {
  Driver d;
  // table.sort's comparator cannot yield: Respond unwinds instead, pcall cannot stop it.
  Done done = d.run(R"(
    pcall(table.sort, {3, 2, 1}, function(a, b) sys.Respond(403, "Forbidden") return a < b end)
    sys.Log("never")
  )");
  EXPECT_EQ(done.kind, DoneKind::Responded);
  EXPECT_EQ(done.status, 403);
  EXPECT_FALSE(d.logged("never"));
}

TEST(LuaRespond, BadStatusIsAnError) {
  Driver d;
  EXPECT_EQ(d.run("sys.Respond(99, 'x')").status, 500);
  EXPECT_EQ(d.run("sys.Respond(700, 'x')").status, 500);
}

TEST(LuaDial, RingTimeAndLimitClamped) {
  Driver d;
  d.run("sys.Dial('a') sys.Dial('b', 30, 60) sys.Dial('c', 500) sys.Dial('d', -1, -5)");
  auto dials = d.actions<Dial>();
  ASSERT_EQ(dials.size(), 4u);
  EXPECT_EQ(dials[0].ring_seconds, 180);
  EXPECT_EQ(dials[1].ring_seconds, 30);
  EXPECT_EQ(dials[1].answered_limit_seconds, 60);
  EXPECT_EQ(dials[2].ring_seconds, 180);
  EXPECT_EQ(dials[3].ring_seconds, 180);
  EXPECT_EQ(dials[3].answered_limit_seconds, 0);
}

TEST(LuaDial, LastDialledLegs) {
  Driver d;
  DialResult r = dial_result(DialOutcome::Failed, 486, "Busy Here");
  r.legs = {{"sip:1@a", 486, "Busy Here"}, {"sip:2@b", 404, "Not Found"}};
  d.default_dial = r;
  d.run(R"(
    sys.Dial("1@a&2@b")
    for i, leg in ipairs(sys.LastDialled) do
      sys.Log(leg.URI .. " " .. leg.TransactionFinalResponse.StatusCode .. " " ..
              leg.transactionfinalresponse.reasonphrase)
    end
  )");
  EXPECT_TRUE(d.logged("sip:1@a 486 Busy Here"));
  EXPECT_TRUE(d.logged("sip:2@b 404 Not Found"));
}

TEST(LuaDial, PcallAroundDialStillSuspends) {
  Driver d;
  d.run("local ok, r = pcall(sys.Dial, 'x@y') sys.Log(tostring(ok) .. ' ' .. r)");
  EXPECT_EQ(d.dials().size(), 1u);
  EXPECT_TRUE(d.logged("true Failed"));
}

TEST(LuaMembers, LowerCaseAndSnakeCase) {
  Driver d;
  d.run(R"(
    sys.log(req.uri.user .. " " .. req.header.from.fromuri.user .. " " ..
            req.Header.From.from_uri.Host .. " " .. sys.username .. " " .. tostring(sys.out))
    sys:Log("colon call")
    sys.dial("x@y")
    sys.log(sys.lastfailurestatus .. " " .. sys.last_failure_reason)
  )");
  EXPECT_TRUE(d.logged("1234 alice example.com alice true"));
  EXPECT_TRUE(d.logged("colon call"));
  EXPECT_TRUE(d.logged("404 Not Found"));
  EXPECT_EQ(d.dials().size(), 1u);
}

TEST(LuaMembers, ReadOnlyAndUnknownWritesFail) {
  Driver d;
  EXPECT_EQ(d.run("sys.Username = 'x'").status, 500);
  EXPECT_EQ(d.run("sys.Whatever = 1").status, 500);
  EXPECT_EQ(d.run("setmetatable(sys, {})").status, 500);
  Done ok = d.run("sys.Trace = false sys.Log(tostring(sys.trace))");
  EXPECT_EQ(ok.status, 480);
  EXPECT_TRUE(d.logged("false"));
}

TEST(LuaReq, Fields) {
  Driver d;
  d.run(R"(
    local u = req.URI
    sys.Log(req.Method .. "|" .. u.User .. "|" .. u.Host .. "|" .. u.Port .. "|" ..
            u.Parameters .. "|" .. u:ToString() .. "|" .. u.ToParameterlessString())
    local f = req.Header.From
    sys.Log(f.FromName .. "|" .. f.FromURI.User .. "|" .. f.FromTag .. "|" .. tostring(f))
    sys.Log(req.Header.To.ToURI.User .. "|" .. req.Header.CallId .. "|" .. req.Header.Contact ..
            "|" .. req.Header.UserAgent .. "|" .. #req.Header.UnknownHeaders .. "|" ..
            req.Header.UnknownHeaders[1] .. "|" .. req.Body:sub(1, 3) .. "|" .. tostring(u))
  )");
  EXPECT_TRUE(
      d.logged("INVITE|1234|example.com|5060|;user=phone|sip:1234@example.com:5060;user=phone|"
               "sip:1234@example.com:5060"))
      << testing::PrintToString(d.logs());
  EXPECT_TRUE(
      d.logged("Alice Smith|alice|ftag1|\"Alice Smith\" <sip:alice@example.com>;tag=ftag1"));
  EXPECT_TRUE(
      d.logged("1234|call-1@host|<sip:alice@192.168.1.10:5060>|TestPhone/1.0|2|X-Custom: yes|v=0|"
               "sip:1234@example.com:5060;user=phone"));
}

}  // namespace
}  // namespace sip::lua::test
