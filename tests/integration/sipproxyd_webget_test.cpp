// sys.WebGet through sipproxyd (docs/webget.md): a Lua plan asks a
// cpp-httplib server of the test on loopback; only URLs under the
// operator's allowed prefixes are fetched, redirects are not followed, the
// body is cut at the configured cap, and without any allowed prefix (the
// default) the script gets nil and the server sees nothing.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};
constexpr Millis kLog{5000};

// A web service on 127.0.0.1: /lookup/100 -> "bob", /redirect -> 302 to
// /lookup/100, /big -> 100000 bytes. Records every path asked for.
class WebService {
 public:
  WebService() {
    server_.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        paths_.insert(req.path);
      }
      if (req.path == "/lookup/100") return res.set_content("bob", "text/plain");
      if (req.path == "/redirect") return res.set_redirect(url("/lookup/100"));
      if (req.path == "/big") return res.set_content(std::string(100000, 'x'), "text/plain");
      res.status = 404;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Bound and listening already: connections wait in the backlog until
    // the accept loop runs.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Running (so stop() in the destructor ends it): a readiness flag.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  }
  ~WebService() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::set<std::string> paths() {
    std::lock_guard<std::mutex> lock(mutex_);
    return paths_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::set<std::string> paths_;
};

std::string plan_source(const WebService& web) {
  return "local who = sys.WebGet(\"" + web.url("/lookup/") + "\" .. req.URI.User)\n" +
         "sys.Log(\"lookup \" .. tostring(who))\n" +
         "sys.Log(\"redirect \" .. tostring(sys.WebGet(\"" + web.url("/redirect") + "\")))\n" +
         "sys.Log(\"denied \" .. tostring(sys.WebGet(\"" + web.url("/secret") + "\")))\n" +
         "local big = sys.WebGet(\"" + web.url("/big") + "\")\n" +
         "sys.Log(\"big \" .. tostring(big and #big))\n" +
         "if who then sys.Dial(who .. \"@local\") else sys.Respond(404, \"nobody\") end\n";
}

void provision(CallEnv& env, const std::string& source) {
  env.provision(
      json::array({account_record("alice", true, "", "alice-out"), account_record("bob", true)}),
      json::array(),
      json::array({json{{"owner", "demo"},
                        {"name", "alice-out"},
                        {"type", "lua"},
                        {"source", source},
                        {"description", "sipproxyd_webget_test"}}}));
}

TEST(SipproxydWebGet, AllowedUrlsAreFetchedOthersNever) {
  WebService web;
  const json config = {
      {"b2bua",
       {{"webget",
         {{"allow", json::array({web.url("/lookup/"), web.url("/redirect"), web.url("/big")})},
          {"max_bytes", 1000}}}}}};
  CallEnv env(config);
  provision(env, plan_source(web));
  auto phone = env.phone("bob", "plan_uas_answer.xml");
  auto caller = env.caller("plan_uac_answer.xml", "100",
                           {{"from_user", "alice"}, {"from_host", kCallDomain}});
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  const std::string who = "[dialplan] demo/alice-out: ";
  EXPECT_TRUE(env.daemon.wait_stderr(who + "lookup bob", kLog)) << env.daemon.stderr_text();
  EXPECT_TRUE(env.daemon.wait_stderr(who + "redirect nil", kLog));
  EXPECT_TRUE(env.daemon.wait_stderr(who + "denied nil", kLog));
  EXPECT_TRUE(env.daemon.wait_stderr(who + "big 1000", kLog));
  EXPECT_TRUE(env.daemon.wait_stderr("URL not allowed by b2bua.webget.allow", kLog));
  // The redirect was not followed; the refused URL never left the daemon.
  EXPECT_EQ(web.paths(), (std::set<std::string>{"/lookup/100", "/redirect", "/big"}));
}

TEST(SipproxydWebGet, OffByDefault) {
  WebService web;
  CallEnv env;
  provision(env, plan_source(web));
  auto caller = env.caller("plan_uac_reject.xml", "100",
                           {{"from_user", "alice"}, {"from_host", kCallDomain}});
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(sip_start_line(caller->logged("FINAL")), "SIP/2.0 404 nobody");
  EXPECT_TRUE(env.daemon.wait_stderr("WebGet is not enabled on this server", kLog))
      << env.daemon.stderr_text();
  EXPECT_TRUE(web.paths().empty());
}

}  // namespace
}  // namespace sipsmith::itest
