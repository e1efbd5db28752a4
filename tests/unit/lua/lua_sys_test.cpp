// sys state for later Dials, lookups, key/value store, WebGet, time, regexes,
// deadlines, and the product brief's dial plan examples.
#include <gtest/gtest.h>

#include "lua_driver.hpp"

namespace sip::lua::test {
namespace {

TEST(LuaHeaders, CustomHeadersAndRefusedNames) {
  Driver d;
  d.run(R"(
    sys.SetCustomSIPHeader("X-Account", "1234")
    sys.SetCustomSIPHeader("x-account", 99)         -- replaces, case-insensitive
    sys.SetCustomSIPHeader("To", "<sip:other@x>")   -- allowed (replaces To)
    sys.SetCustomSIPHeader("User-Agent", "mine")
    for _, h in ipairs({"Via", "From", "Contact", "CSeq", "Call-ID", "Max-Forwards",
                        "Content-Length", "i", "f"}) do
      sys.SetCustomSIPHeader(h, "evil")
    end
    sys.SetCustomSIPHeader("X-Inject", "a\r\nVia: evil")
    sys.SetCustomSIPHeader("Bad Name", "x")
    sys.Dial("a")
    sys.RemoveCustomSIPHeader("TO")
    sys.Dial("b")
    sys.ClearCustomSIPHeaders()
    sys.Dial("c")
  )");
  auto dials = d.actions<Dial>();
  ASSERT_EQ(dials.size(), 3u);
  EXPECT_EQ(dials[0].custom_headers,
            (std::vector<std::string>{"x-account: 99", "To: <sip:other@x>", "User-Agent: mine"}));
  EXPECT_EQ(dials[1].custom_headers,
            (std::vector<std::string>{"x-account: 99", "User-Agent: mine"}));
  EXPECT_TRUE(dials[2].custom_headers.empty());
  int refused = 0;
  for (const auto& l : d.logs()) refused += l.find("is not permitted") != std::string::npos;
  EXPECT_EQ(refused, 9);
  EXPECT_TRUE(d.logged("'X-Inject' is malformed"));
  EXPECT_TRUE(d.logged("'Bad Name' is malformed"));
}

TEST(LuaHeaders, FromAndBody) {
  Driver d;
  d.run(R"(
    sys.SetFromHeader("Support", nil, "sipsorcery.com")
    sys.SetCustomContent("text/plain", "hello")
    sys.Dial("a")
    sys.ClearFromHeader()
    sys.ClearCustomBody()
    sys.SetCustomContent("only body")
    sys.Dial("b")
  )");
  auto dials = d.actions<Dial>();
  ASSERT_EQ(dials.size(), 2u);
  ASSERT_TRUE(dials[0].from.has_value());
  EXPECT_EQ(dials[0].from->display, "Support");
  EXPECT_FALSE(dials[0].from->user.has_value());
  EXPECT_EQ(dials[0].from->host, "sipsorcery.com");
  EXPECT_EQ(dials[0].content_type, "text/plain");
  EXPECT_EQ(dials[0].body, "hello");
  EXPECT_FALSE(dials[1].from.has_value());
  EXPECT_FALSE(dials[1].content_type.has_value());
  EXPECT_EQ(dials[1].body, "only body");
  EXPECT_EQ(d.run("sys.SetFromHeader(nil, 'a b', nil)").status, 500);
}

TEST(LuaKv, WriteReadKeysDelete) {
  Driver d;
  d.kv["old"] = "1";
  d.run(R"(
    sys.Log(tostring(sys.DBWrite("count", 5)))
    sys.Log("read " .. sys.DBRead("count"))
    sys.Log("missing " .. tostring(sys.DBRead("nope")))
    local keys = sys.DBGetKeys()
    table.sort(keys)
    sys.Log("keys " .. table.concat(keys, ","))
    sys.Log("deleted " .. tostring(sys.DBDelete("old")) .. " " .. tostring(sys.DBDelete("old")))
  )");
  EXPECT_TRUE(d.logged("true"));
  EXPECT_TRUE(d.logged("read 5"));
  EXPECT_TRUE(d.logged("missing nil"));
  EXPECT_TRUE(d.logged("keys count,old"));
  EXPECT_TRUE(d.logged("deleted true false"));
  EXPECT_EQ(d.kv.count("old"), 0u);
  EXPECT_EQ(d.actions<KvWrite>().size(), 1u);
  EXPECT_EQ(d.actions<KvRead>().size(), 2u);
  EXPECT_EQ(d.run("sys.DBWrite(string.rep('k', 65), 'v')").status, 500);
}

TEST(LuaCallback, AtMostThreePerExecutionAndTheScriptGoesOn) {
  Driver d;
  d.run(R"(
    for i = 1, 4 do sys.Callback("100" .. i .. "@local", "200@itsp", i == 1 and 30 or nil) end
    sys.Callback("", "200@itsp")
    sys.Log("after")
  )");
  const auto callbacks = d.actions<sip::dialplan::Callback>();
  ASSERT_EQ(callbacks.size(), 3u);
  EXPECT_EQ(callbacks[0].first, "1001@local");
  EXPECT_EQ(callbacks[0].second, "200@itsp");
  EXPECT_EQ(callbacks[0].delay_seconds, 30);
  EXPECT_EQ(callbacks[2].delay_seconds, 0);
  EXPECT_TRUE(d.logged("at most 3 per execution"));
  EXPECT_TRUE(d.logged("after"));
}

TEST(LuaWebGet, RefusedWhenNoHostIsAllowed) {
  Driver d;
  d.config.web_allowed_hosts.clear();
  d.run("sys.Log('got ' .. tostring(sys.WebGet('http://api.example.com/x')))");
  EXPECT_TRUE(d.actions<HttpGet>().empty());
  EXPECT_TRUE(d.logged("disabled"));
  EXPECT_TRUE(d.logged("got nil"));
}

TEST(LuaWebGet, ByDefaultTheDriverDecides) {
  // The script asks; the driver's policy refuses (sipproxyd without an
  // allow-list answers so): the script gets nil and the reason is logged.
  Driver d;
  d.http = [](const HttpGet&) {
    return HttpResult{false, 0, {}, "WebGet is not enabled on this server"};
  };
  d.run(R"(
    sys.Log("a " .. tostring(sys.WebGet("http://api.example.com/x")))
    sys.Log("b " .. tostring(sys.WebGet("http://user@api.example.com/x")))
  )");
  ASSERT_EQ(d.actions<HttpGet>().size(), 1u);  // user info is refused before
  EXPECT_TRUE(d.logged("a nil"));
  EXPECT_TRUE(d.logged("WebGet is not enabled on this server"));
  EXPECT_TRUE(d.logged("b nil"));
}

TEST(LuaWebGet, AllowedHostsOnly) {
  Driver d;
  d.config.web_allowed_hosts = {"*.example.com"};
  d.http = [](const HttpGet& h) { return HttpResult{true, 200, "body of " + h.url, {}}; };
  d.run(R"(
    sys.Log("a " .. tostring(sys.WebGet("http://api.example.com/x", 60)))
    sys.Log("b " .. tostring(sys.WebGet("http://evil.org/x")))
    sys.Log("c " .. tostring(sys.WebGet("http://user@api.example.com/x")))
    sys.Log("d " .. tostring(sys.WebGet("file:///etc/passwd")))
  )");
  auto gets = d.actions<HttpGet>();
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].timeout_seconds, 10);  // capped at web_max_timeout_seconds
  EXPECT_TRUE(d.logged("a body of http://api.example.com/x"));
  EXPECT_TRUE(d.logged("b nil"));
  EXPECT_TRUE(d.logged("c nil"));
  EXPECT_TRUE(d.logged("d nil"));
}

TEST(LuaTime, OsDateUsesSimulatedClockAndZone) {
  Driver d;
  d.ctx.tz_offset_minutes = 60;
  d.ctx.time_zone = "Europe/Paris";
  d.run(R"(
    sys.Log(os.time() .. " " .. os.date("%Y-%m-%d %H:%M:%S") .. " " .. os.date("!%H:%M"))
    local t = os.date("*t")
    sys.Log(t.year .. " " .. t.month .. " " .. t.day .. " " .. t.hour .. " " .. t.wday .. " " .. t.yday)
    sys.Log(os.time({year = 2023, month = 11, day = 14, hour = 23, min = 13, sec = 20}))
    sys.Log(os.date("%A %z", 0) .. " " .. os.difftime(10, 4) .. " " .. sys.GetTimezoneOffsetMinutes() ..
            " " .. sys.GetTimezone())
    local quiet = t.hour >= 23 or t.hour < 7
    sys.Log("quiet " .. tostring(quiet))
  )");
  EXPECT_TRUE(d.logged("1700000000 2023-11-14 23:13:20 22:13")) << testing::PrintToString(d.logs());
  EXPECT_TRUE(d.logged("2023 11 14 23 3 318"));
  EXPECT_TRUE(d.logged("1700000000"));
  EXPECT_TRUE(d.logged("Thursday +0100 6.0 60 Europe/Paris"));
  EXPECT_TRUE(d.logged("quiet true"));
  EXPECT_EQ(d.run("os.date('%Q')").status, 500);
}

TEST(LuaTime, OsClockFollowsExecutionClock) {
  Driver d;
  d.run("local a = os.clock() sys.Wait(5) sys.Log('elapsed ' .. math.floor(os.clock() - a))");
  EXPECT_TRUE(d.logged("elapsed 5"));
}

TEST(LuaLookups, HostCallbacks) {
  Driver d;
  d.run(R"(
    sys.Log(tostring(sys.IsAvailable()) .. " " .. tostring(sys.IsAvailable("bob")) .. " " ..
            tostring(sys.IsMine("alice2")) .. " " .. tostring(sys.IsMine("bob")) .. " " ..
            tostring(sys.DoesSIPAccountExist("bob", "example.com")) .. " " ..
            tostring(sys.DoesSIPAccountExist("carol")))
    local b = sys.GetBindings()
    sys.Log(#b .. " " .. b[1].ContactURI .. " " .. b[1].Expiry .. " " .. tostring(sys.GetBindings("bob")))
    sys.Log(tostring(sys.GetCanonicalDomain("local")) .. " " .. tostring(sys.GetCanonicalDomain("x.org")))
    sys.Log(sys.GetCurrentCallCount() .. " " .. #sys.GetSIPAccounts() .. " " ..
            sys.GetSIPAccounts()[2].SIPUsername)
    sys.Log(sys.FromSIPAccount.SIPUsername .. "@" .. sys.FromSIPAccount.sipdomain .. " " ..
            sys.Providers[1].ProviderName .. " " .. #sys.Providers .. " " .. sys.DialPlanName)
  )");
  EXPECT_TRUE(d.logged("true false true false true false")) << testing::PrintToString(d.logs());
  EXPECT_TRUE(d.logged("1 sip:alice@192.168.1.10:5060 3600 nil"));
  EXPECT_TRUE(d.logged("example.com nil"));
  EXPECT_TRUE(d.logged("2 2 alice2"));
  EXPECT_TRUE(d.logged("alice@example.com blueface 1 default"));
}

TEST(LuaRegex, MatchAndReplace) {
  Driver d;
  d.run(R"(
    local cc, rest = sys.RegexMatch("+35318001234", [[^\+(353)(\d+)$]])
    sys.Log(cc .. " " .. rest)
    sys.Log(tostring(sys.RegexMatch("12", [[^\d{3}$]])) .. " " .. sys.RegexMatch("abc123", [[\d+]]))
    local out, n = sys.RegexReplace("011-353-1", "-", "")
    sys.Log(out .. " " .. n)
    sys.Log(sys.RegexReplace("0035312", [[^00(\d+)]], [[+\1]]))
  )");
  EXPECT_TRUE(d.logged("353 18001234")) << testing::PrintToString(d.logs());
  EXPECT_TRUE(d.logged("nil 123"));
  EXPECT_TRUE(d.logged("0113531 2"));
  EXPECT_TRUE(d.logged("+35312"));
  Done bad = d.run("sys.RegexMatch('x', '(')");
  EXPECT_EQ(bad.status, 500);
  EXPECT_NE(bad.error_message.find("bad regular expression"), std::string::npos);
  EXPECT_EQ(d.run("sys.RegexMatch('x', string.rep('a', 2000))").status, 500);
  // Exponential for a backtracking engine; linear in RE2.
  Done fast = d.run("sys.Log(tostring(sys.RegexMatch(string.rep('a', 5000), '(a+)+b')))");
  EXPECT_EQ(fast.status, 480);
  EXPECT_TRUE(d.logged("nil"));
}

TEST(LuaLog, PrintAndCap) {
  Driver d;
  d.ctx.limits.max_log_lines = 50;
  d.run("print('hello', 1, true) for i = 1, 1000 do sys.Log(i) end");
  EXPECT_EQ(d.logs().front(), "hello\t1\ttrue");
  EXPECT_EQ(d.logs().size(), 51u);
  EXPECT_TRUE(d.logged("dropped"));
}

TEST(LuaDeadline, TenSecondsBeforeFirstDial) {
  Driver d;
  d.ctx.limits.instruction_budget = 1'000'000'000;
  d.host.on_call_count = [&] { d.clock.advance(std::chrono::seconds(11)); };
  Done done = d.run("sys.GetCurrentCallCount()\nwhile true do end");
  EXPECT_EQ(done.error, ScriptErrorKind::Deadline);
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.error_line, 2);
}

TEST(LuaDeadline, ExtendedByExtendScriptTimeoutAndDial) {
  Driver d;
  d.host.on_call_count = [&] { d.clock.advance(std::chrono::seconds(15)); };
  Done done = d.run(R"(
    sys.ExtendScriptTimeout(20)
    sys.GetCurrentCallCount()
    for i = 1, 100000 do end
    sys.Dial("a", 30)
    sys.GetCurrentCallCount()
    sys.GetCurrentCallCount()
    sys.GetCurrentCallCount()
    for i = 1, 100000 do end
    sys.Log("alive")
  )");
  EXPECT_EQ(done.status, 404);
  EXPECT_TRUE(d.logged("alive"));
}

TEST(LuaDeadline, AbsoluteCap) {
  Driver d;
  auto plan = d.compile("sys.Dial('a', 180) sys.Log('never')");
  auto ex = plan->new_execution();
  Action a = ex->start(d.ctx);
  ASSERT_TRUE(std::holds_alternative<Dial>(a));
  d.clock.advance(std::chrono::seconds(301));
  a = ex->resume(dial_result(DialOutcome::Failed, 486, "Busy Here"));
  ASSERT_TRUE(std::holds_alternative<Done>(a));
  EXPECT_EQ(std::get<Done>(a).error, ScriptErrorKind::Deadline);
}

// ---- the product brief's examples ----

TEST(LuaBrief, InlineRedirect) {
  Driver d;
  DialResult redirect = dial_result(DialOutcome::Redirect, 302, "Moved Temporarily");
  redirect.redirect_uri = "sip:300@pstn.example.net";
  redirect.redirect_response =
      "SIP/2.0 302 Moved Temporarily\r\nContact: <sip:300@pstn.example.net>\r\n\r\n";
  d.dial_outcomes["myaccount@sipsorcery"] = redirect;
  d.dial_outcomes["sip:300@pstn.example.net"] = dial_result(DialOutcome::Answered);
  Done done = d.run(R"(
    if sys.Dial("myaccount@sipsorcery") == "Redirect" then
      sys.Log("Redirect was requested to " .. sys.RedirectURI:ToString() .. ".")
      sys.Dial(sys.RedirectURI:ToString())
    end
  )");
  EXPECT_EQ(done.kind, DoneKind::Answered);
  EXPECT_EQ(d.dials(),
            (std::vector<std::string>{"myaccount@sipsorcery", "sip:300@pstn.example.net"}));
  EXPECT_TRUE(d.logged("Redirect was requested to sip:300@pstn.example.net."));
}

constexpr const char* kRedirectPlan = R"(
if sys.Out then
  sys.Log("Out call")
  sys.Dial("myaccount@local[rm=n]")
elseif sys.Redirect then
  sys.Log("Redirect call")
  local user = sys.RedirectURI.User
  if user:match("^300$") then
    sys.Dial(user .. "@someprovider")
  else
    sys.Log("Sorry, redirect destination not permitted")
  end
else
  sys.Log("In call")
  sys.Dial(sys.Username .. "@local")
end
)";

TEST(LuaBrief, SecondInstanceForRmN) {
  Driver d;
  d.run(kRedirectPlan);
  EXPECT_EQ(d.dials(), (std::vector<std::string>{"myaccount@local[rm=n]"}));
  // The driver runs the same plan again for the 3xx, with sys.Redirect set.
  d.ctx.direction = Direction::In;
  d.ctx.redirect = true;
  d.ctx.redirect_uri = "sip:300@192.0.2.1";
  d.ctx.redirect_response = "SIP/2.0 302 Moved\r\n\r\n";
  d.dial_outcomes["300@someprovider"] = dial_result(DialOutcome::Answered);
  Done done = d.run(kRedirectPlan);
  EXPECT_EQ(done.kind, DoneKind::Answered);
  EXPECT_EQ(d.dials(), (std::vector<std::string>{"300@someprovider"}));
  EXPECT_TRUE(d.logged("Redirect call"));
  d.ctx.redirect_uri = "sip:0900123@192.0.2.1";
  done = d.run(kRedirectPlan);
  EXPECT_TRUE(d.dials().empty());
  EXPECT_TRUE(d.logged("not permitted"));
  EXPECT_EQ(done.status, 480);
  d.ctx.redirect = false;
  d.run(kRedirectPlan);
  EXPECT_EQ(d.dials(), (std::vector<std::string>{"alice@local"}));
}

constexpr const char* kTransferPlan = R"(
sys.Log("blind transfer starting...")
local user = req.URI.User
if user:match("^hold$") then
  sys.Dial("")
else
  sys.Dial(user .. "@local")
end
)";

TEST(LuaBrief, TransferPlan) {
  Driver d;
  d.ctx.dialplan_name = "transfer";
  d.ctx.request.uri = split_uri("sip:1234@example.com");
  d.dial_outcomes["1234@local"] = dial_result(DialOutcome::Answered);
  Done done = d.run(kTransferPlan);
  EXPECT_EQ(done.kind, DoneKind::Answered);
  EXPECT_EQ(d.dials(), (std::vector<std::string>{"1234@local"}));
  EXPECT_TRUE(d.logged("blind transfer starting..."));
  d.ctx.request.uri = split_uri("sip:hold@example.com");
  d.dial_outcomes[""] = dial_result(DialOutcome::Error);
  done = d.run(kTransferPlan);
  EXPECT_EQ(d.dials(), (std::vector<std::string>{""}));
  EXPECT_EQ(done.status, 480);
}

}  // namespace
}  // namespace sip::lua::test
