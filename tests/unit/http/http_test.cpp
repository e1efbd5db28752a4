#include <gtest/gtest.h>

#include <thread>

#include "sip/engine/config.hpp"
#include "sip/http/core_bridge.hpp"
#include "sip/http/options.hpp"
#include "sip/http/sessions.hpp"
#include "sip/http/sipsorcery_json.hpp"
#include "sip/store/cdr_query.hpp"

namespace sip::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(HttpOptions, SplitBind) {
  std::string host;
  int port = 0;
  EXPECT_TRUE(split_bind("127.0.0.1:8080", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  EXPECT_TRUE(split_bind("[::1]:80", &host, &port));
  EXPECT_EQ(host, "::1");
  for (const char* bad : {"", "8080", ":80", "host:", "host:x", "host:99999", "[::1:80"})
    EXPECT_FALSE(split_bind(bad, &host, &port)) << bad;
}

TEST(HttpSipsorceryJson, TimesAndCdrFields) {
  EXPECT_EQ(iso8601_ms(0), "");
  EXPECT_EQ(iso8601_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  json c = {{"id", "abc"},
            {"direction", "out"},
            {"created", 1'700'000'000'000},
            {"answer_status", 486},
            {"talk_duration", 0},
            {"dst_user", "100"},
            {"hangup_reason", "Busy"},
            {"owner", "demo"}};
  json s = sipsorcery_cdr(c);
  EXPECT_EQ(s["ID"], "abc");
  EXPECT_EQ(s["CallDirection"], "Out");
  EXPECT_EQ(s["Created"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(s["AnsweredStatus"], 486);
  EXPECT_EQ(s["AnsweredTime"], "");
  EXPECT_EQ(s["Dst"], "100");
  json a = sipsorcery_account({{"id", 7}, {"username", "alice"}, {"keepalive", "none"}});
  EXPECT_EQ(a["SIPUsername"], "alice");
  EXPECT_EQ(a["ID"], "7");
  EXPECT_EQ(a["SendNATKeepAlives"], false);
  EXPECT_FALSE(a.contains("SIPPassword"));
}

TEST(HttpSessions, CreateFindExpireEnd) {
  Sessions s;
  const SteadyTime t0{};
  const std::string id = s.create({1, "demo", false}, 60s, t0);
  EXPECT_EQ(id.size(), 96u);
  EXPECT_NE(s.create({1, "demo", false}, 60s, t0), id);
  ASSERT_TRUE(s.find(id, t0 + 59s));
  EXPECT_EQ(s.find(id, t0 + 59s)->username, "demo");
  EXPECT_FALSE(s.find(id, t0 + 60s));  // expired, and removed
  const std::string id2 = s.create({2, "other", true}, 60s, t0);
  EXPECT_TRUE(s.end(id2));
  EXPECT_FALSE(s.end(id2));
  EXPECT_FALSE(s.find(id2, t0));
}

TEST(HttpRateLimiter, WindowPerKey) {
  RateLimiter r;
  const SteadyTime t0{};
  EXPECT_TRUE(r.allow("a", 2, 10s, t0));
  EXPECT_TRUE(r.allow("a", 2, 10s, t0 + 1s));
  EXPECT_FALSE(r.allow("a", 2, 10s, t0 + 2s));
  EXPECT_TRUE(r.allow("b", 2, 10s, t0 + 2s));
  EXPECT_TRUE(r.allow("a", 2, 10s, t0 + 10s));  // a new window
}

TEST(HttpCoreBridge, RunsOnThePostedThreadTimesOutAndCloses) {
  // The "core thread": runs posted work when told to.
  std::mutex mu;
  std::vector<std::function<void()>> queue;
  CoreBridge bridge([&](std::function<void()> fn) {
    std::lock_guard lock(mu);
    queue.push_back(std::move(fn));
  });
  auto drain = [&] {
    std::vector<std::function<void()>> q;
    {
      std::lock_guard lock(mu);
      q.swap(queue);
    }
    for (auto& fn : q) fn();
  };
  // Nobody runs the queue: a timeout.
  EXPECT_FALSE(bridge.run<int>([] { return 1; }, 20ms));
  drain();  // the late job runs harmlessly
  std::optional<int> got;
  std::thread worker([&] { got = bridge.run<int>([] { return 42; }, 10s); });
  for (int i = 0; i < 1000; ++i) {  // bounded: until the job is posted
    {
      std::lock_guard lock(mu);
      if (!queue.empty()) break;
    }
    std::this_thread::sleep_for(1ms);
  }
  drain();
  worker.join();
  EXPECT_EQ(got, 42);
  std::optional<int> closed = 0;
  std::thread waiting([&] { closed = bridge.run<int>([] { return 7; }, 10s); });
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(mu);
      if (!queue.empty()) break;
    }
    std::this_thread::sleep_for(1ms);
  }
  bridge.close();  // releases the waiting worker at once
  waiting.join();
  EXPECT_FALSE(closed);
  drain();
  EXPECT_FALSE(bridge.run<int>([] { return 1; }, 10s));  // closed: refused at once
}

TEST(HttpConfig, SectionParsedOffByDefaultAndErrorsNameTheField) {
  std::string message;
  auto off = engine::parse_config(R"({"domains":["a.test"]})", "/tmp", &message);
  ASSERT_TRUE(off) << message;
  EXPECT_TRUE(off->http.bind.empty());
  auto on = engine::parse_config(
      R"({"domains":["a.test"],"http":{"bind":"127.0.0.1:8080","cors_origins":["http://x.test"],
          "session_lifetime":600,"login_attempts":3,"login_window":30,"threads":2}})",
      "/tmp", &message);
  ASSERT_TRUE(on) << message;
  EXPECT_EQ(on->http.bind, "127.0.0.1:8080");
  EXPECT_EQ(on->http.cors_origins, std::vector<std::string>{"http://x.test"});
  EXPECT_EQ(on->http.session_lifetime, 600s);
  EXPECT_EQ(on->http.login_attempts, 3);
  EXPECT_EQ(on->http.login_window, 30s);
  EXPECT_EQ(on->http.threads, 2u);
  EXPECT_FALSE(
      engine::parse_config(R"({"domains":["a.test"],"http":{"bind":"nope"}})", "/tmp", &message));
  EXPECT_NE(message.find("http.bind"), std::string::npos) << message;
  EXPECT_FALSE(
      engine::parse_config(R"({"domains":["a.test"],"http":{"port":1}})", "/tmp", &message));
}

TEST(HttpCdrQuery, OffsetSkipsRowsAfterTheFilters) {
  store::CdrQuery q;
  q.limit = 3;
  q.offset = 5;
  auto sql = store::cdr_query_sql(q);
  EXPECT_NE(sql.tail.find("LIMIT ?1 OFFSET ?2"), std::string::npos) << sql.tail;
  q.limit = 0;
  sql = store::cdr_query_sql(q);
  EXPECT_NE(sql.tail.find("LIMIT -1 OFFSET ?1"), std::string::npos) << sql.tail;
}

}  // namespace
}  // namespace sip::http
