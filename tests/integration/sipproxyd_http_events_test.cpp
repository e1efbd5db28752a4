// GET /api/v1/events: the live console as Server-Sent Events with the
// HTTP API's credentials (docs/console.md). A customer's stream carries
// its own events only; bad filters and missing credentials are refused
// before any stream starts. Registrations come from SIPp.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "support/http_env.hpp"
#include "support/sipp_call.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kWait{10000};

void register_once(HttpEnv& env, const std::string& user) {
  SippCallSpec reg;
  reg.scenario = "call_register.xml";
  reg.remote = env.daemon().address();
  reg.service = user;
  reg.keys = {{"domain", "sipsmith.test"}};
  SippCall sipp(env.dir(), reg);
  ASSERT_EQ(sipp.finish(Millis(20000)), 0) << sipp.diagnostics();
}

void wait_subscribers(HttpEnv& env, int n) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  UdpPeer pacer;
  while (env.daemon().control().call("stats").at("console").value("subscribers", 0) < n &&
         std::chrono::steady_clock::now() < deadline)
    (void)pacer.receive(Millis(20));
}

// The data of each "data:" line of an SSE body, and the first event name.
std::vector<json> data_lines(const std::string& body, std::string* first_event) {
  std::vector<json> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string::npos) break;
    const std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("event: ", 0) == 0 && first_event->empty()) *first_event = line.substr(7);
    if (line.rfind("data: ", 0) == 0) out.push_back(json::parse(line.substr(6)));
  }
  return out;
}

TEST(HttpEvents, RefusedWithoutCredentialsOrWithABadFilter) {
  HttpEnv env;
  auto res = env.client().Get("/api/v1/events");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  const std::string authid = env.login("demo", kDemoPassword);
  res = env.client().Get("/api/v1/events?filter=event%20call%20and%20colour%20red",
                         {{"authid", authid}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("filter key 'colour' is not recognised"), std::string::npos)
      << res->body;
  res = env.client().Get("/api/v1/events?queue=0", {{"authid", authid}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(env.daemon().control().call("stats").at("console").value("subscribers", -1), 0);
}

TEST(HttpEvents, CustomerStreamCarriesItsOwnEventsOnly) {
  HttpEnv env;
  auto& c = env.daemon().control();
  for (const char* u : {"alice", "mallory"})
    c.call("account.update", {{"username", u},
                              {"domain", "sipsmith.test"},
                              {"ip_acl", "127.0.0.0/8"},
                              {"keepalive", "none"}});
  const std::string authid = env.login("demo", kDemoPassword);
  ASSERT_FALSE(authid.empty());

  // The stream runs on its own client and thread until alice's
  // registration arrives (bounded by the client's read timeout). The
  // customer asks for another owner's events: the owner is ignored.
  std::mutex mu;
  std::string body;
  std::thread stream([&] {
    httplib::Client client("127.0.0.1", env.http_port());
    client.set_read_timeout(20);
    (void)client.Get("/api/v1/events?owner=other", {{"authid", authid}},
                     [&](const char* data, std::size_t n) {
                       std::lock_guard lock(mu);
                       body.append(data, n);
                       return body.find("register alice@sipsmith.test") == std::string::npos;
                     });
  });
  wait_subscribers(env, 1);
  register_once(env, "mallory");  // customer other's
  register_once(env, "alice");    // demo's
  stream.join();

  std::lock_guard lock(mu);
  std::string first;
  const auto events = data_lines(body, &first);
  SCOPED_TRACE(body);
  EXPECT_EQ(first, "subscribed");
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].value("owner", ""), "demo");  // the subscription's answer
  EXPECT_EQ(events[0].value("filter", ""), "event *");
  std::vector<std::string> kinds;
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].value("owner", ""), "demo") << events[i].dump();
    EXPECT_EQ(events[i].value("account", ""), "alice@sipsmith.test") << events[i].dump();
    kinds.push_back(events[i].value("type", "") + " " + events[i].value("what", ""));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"binding added", "registration ok"}));
  EXPECT_EQ(body.find("mallory"), std::string::npos);
}

}  // namespace
}  // namespace sipsmith::itest
