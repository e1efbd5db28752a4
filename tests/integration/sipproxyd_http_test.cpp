// sipproxyd's HTTP API end to end (SIPSorcery-compatible provisioning
// endpoints): the real daemon on loopback with its "http" section, CDRs
// written by support/cdr_fill before it starts, a cpp-httplib client.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "../support/tls_fixture.hpp"
#include "support/cdr_fill.hpp"
#include "support/http_env.hpp"

namespace sipsmith::itest {
namespace {

using namespace std::chrono_literals;

std::string rest(const std::string& path) {
  return std::string(kRest) + path;
}

json body(const httplib::Result& r) {
  if (!r) return json("no response");
  return json::parse(r->body, nullptr, false);
}

httplib::Headers authid_header(const std::string& name, const std::string& id) {
  return {{name, id}};
}

// The ids of demo's filled CDRs, newest first.
std::vector<std::string> demo_ids_newest_first() {
  std::vector<std::string> out;
  for (int i = kFilledCdrs - 1; i >= 0; --i) {
    auto c = filled_cdr(i);
    if (c.owner_id == 1) out.push_back(c.id);
  }
  return out;
}

TEST(HttpApi, LoginCountPageCdrsListAccountsAndLogout) {
  HttpEnv env;
  auto& cl = env.client();
  const std::string id = env.login("demo", kDemoPassword);
  ASSERT_EQ(id.size(), 96u);
  const auto h = authid_header("authID", id);

  auto count = cl.Get(rest("getcdrscount"), h);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->status, 200);
  EXPECT_EQ(body(count), 40);

  const auto ids = demo_ids_newest_first();
  auto page = cl.Get(rest("getcdrs?offset=0&count=3"), h);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  json p = body(page);
  ASSERT_EQ(p.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(p[i]["ID"], ids[static_cast<std::size_t>(i)]);
  EXPECT_TRUE(p[0]["CallDirection"] == "In" || p[0]["CallDirection"] == "Out");
  EXPECT_EQ(p[0]["Created"].get<std::string>().back(), 'Z');
  for (const char* field :
       {"Dst", "DstHost", "DstURI", "FromUser", "FromName", "FromHeader", "CallId", "LocalSocket",
        "RemoteSocket", "BridgeId", "InProgressTime", "InProgressStatus", "RingDuration",
        "AnsweredTime", "AnsweredStatus", "Duration", "HungupTime", "HungupReason"})
    EXPECT_TRUE(p[0].contains(field)) << field;

  auto tail = cl.Get(rest("getcdrs?offset=38&count=5"), h);
  ASSERT_TRUE(tail);
  json t = body(tail);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1]["ID"], ids.back());

  auto accounts = cl.Get(rest("sipaccounts?count=3"), h);
  ASSERT_TRUE(accounts);
  json a = body(accounts);
  ASSERT_EQ(a.size(), 2u) << accounts->body;
  EXPECT_EQ(a[0]["SIPUsername"], "alice");
  EXPECT_EQ(a[1]["SIPUsername"], "bob");
  EXPECT_EQ(a[0]["SIPDomain"], "sipsmith.test");
  EXPECT_FALSE(a[0].contains("SIPPassword"));
  EXPECT_EQ(body(cl.Get(rest("sipaccounts/count"), h)), 2);

  auto out = cl.Get(rest("customer/logout"), h);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  auto after = cl.Get(rest("getcdrscount"), h);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
  EXPECT_EQ(body(after)["error"]["code"], "unauthorized");
}

TEST(HttpApi, AuthIdAsHeaderInAnyCaseCookieOrQuery) {
  HttpEnv env;
  auto& cl = env.client();
  const std::string id = env.login("demo", kDemoPassword);
  ASSERT_FALSE(id.empty());
  for (const char* name : {"authid", "AuthID", "AUTHID"}) {
    auto r = cl.Get(rest("getcdrscount"), authid_header(name, id));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << name;
  }
  auto cookie = cl.Get(rest("getcdrscount"), {{"Cookie", "theme=dark; authid=" + id}});
  ASSERT_TRUE(cookie);
  EXPECT_EQ(cookie->status, 200);
  auto query = cl.Get(rest("getcdrscount?authid=" + id));
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 200);
  auto none = cl.Get(rest("getcdrscount"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto forged = cl.Get(rest("getcdrscount"), authid_header("authid", std::string(96, 'a')));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  auto wrong = cl.Get(rest("customer/login?username=demo&password=nope-nope"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  // The password never reaches the log.
  EXPECT_EQ(env.daemon().stderr_text().find(kDemoPassword), std::string::npos);
  EXPECT_EQ(env.daemon().stderr_text().find("nope-nope"), std::string::npos);
}

TEST(HttpApi, CorsPreflightAllowsTheAuthIdHeaderForConfiguredOrigins) {
  HttpEnv env(json{{"cors_origins", {"http://app.example:8000"}}});
  auto& cl = env.client();
  auto pre = cl.Options(rest("sipaccounts"), {{"Origin", "http://app.example:8000"},
                                              {"Access-Control-Request-Method", "GET"},
                                              {"Access-Control-Request-Headers", "authid"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "http://app.example:8000");
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Headers").find("authid"),
            std::string::npos);
  auto other = cl.Options(rest("sipaccounts"), {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Credentials"), "true");
  auto get = cl.Get(rest("isalive"), {{"Origin", "http://app.example:8000"}});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->get_header_value("Access-Control-Allow-Origin"), "http://app.example:8000");

  // SIGHUP applies a new origin list.
  env.daemon().rewrite_config({{"http",
                                {{"bind", "127.0.0.1:" + std::to_string(env.http_port())},
                                 {"cors_origins", {"http://new.example"}}}}});
  env.daemon().signal(SIGHUP);
  ASSERT_TRUE(env.daemon().wait_stderr("configuration reloaded", 10s));
  auto fresh = cl.Options(rest("sipaccounts"), {{"Origin", "http://new.example"}});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->get_header_value("Access-Control-Allow-Origin"), "http://new.example");

  // "*" allows any origin, without credentials (no cookies).
  env.daemon().rewrite_config(
      {{"http",
        {{"bind", "127.0.0.1:" + std::to_string(env.http_port())}, {"cors_origins", {"*"}}}}});
  env.daemon().signal(SIGHUP);
  // The reload is asynchronous: poll (bounded) until the answer changes.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string allowed, credentials;
  for (;;) {
    auto any = cl.Options(rest("sipaccounts"), {{"Origin", "http://any.example"}});
    ASSERT_TRUE(any);
    allowed = any->get_header_value("Access-Control-Allow-Origin");
    credentials = any->get_header_value("Access-Control-Allow-Credentials");
    if (!allowed.empty() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(allowed, "*");
  EXPECT_EQ(credentials, "");
}

TEST(HttpApi, ACustomerSeesOnlyItsOwnRecordsAndAnAdminSeesAll) {
  HttpEnv env;
  auto& cl = env.client();
  const auto demo = authid_header("authid", env.login("demo", kDemoPassword));
  const auto other = authid_header("authid", env.login("other", kOtherPassword));
  EXPECT_EQ(body(cl.Get(rest("getcdrscount"), other)), 10);
  json cdrs = body(cl.Get(rest("getcdrs?count=100"), other));
  ASSERT_EQ(cdrs.size(), 10u);
  for (const auto& c : cdrs) EXPECT_EQ(c["Owner"], "other");
  json accounts = body(cl.Get(rest("sipaccounts"), other));
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0]["SIPUsername"], "mallory");
  for (const auto& a : body(cl.Get(rest("sipaccounts"), demo))) EXPECT_EQ(a["Owner"], "demo");
  // A where expression (SIPSorcery's LINQ filter) cannot widen the view.
  auto where = cl.Get(rest("getcdrs?where=Owner%3D%22demo%22"), other);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->status, 400);

  env.daemon().control().call("customer.update", {{"username", "other"}, {"admin", true}});
  const auto admin = authid_header("authid", env.login("other", kOtherPassword));
  EXPECT_EQ(body(cl.Get(rest("getcdrscount"), admin)), kFilledCdrs);
  EXPECT_EQ(body(cl.Get(rest("sipaccounts/count"), admin)), 3);
}

TEST(HttpApi, LoginsAreRateLimitedAndSessionsExpire) {
  HttpEnv env(json{{"login_attempts", 3}, {"login_window", 600}, {"session_lifetime", 1}});
  auto& cl = env.client();
  const std::string id = env.login("demo", kDemoPassword);
  ASSERT_FALSE(id.empty());
  for (int i = 0; i < 2; ++i) {
    auto r = cl.Get(rest("customer/login?username=demo&password=wrong-wrong"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
  }
  auto limited = cl.Get(rest("customer/login?username=demo&password=") + kDemoPassword);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(body(limited)["error"]["code"], "rate_limited");

  // The 1 s session ends: poll (bounded) until it is refused.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    auto r = cl.Get(rest("getcdrscount"), authid_header("authid", id));
    ASSERT_TRUE(r);
    status = r->status;
    if (status == 200) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 401);
}

TEST(HttpApi, ServesHttpsWithTheConfiguredCertificate) {
  sip::testing::TlsFixture pki;  // a throwaway CA and a certificate for 127.0.0.1
  HttpEnv env(json{{"tls_cert", pki.cert()}, {"tls_key", pki.key()}});
  httplib::SSLClient tls("127.0.0.1", env.http_port());
  tls.set_ca_cert_path(pki.ca().c_str());
  tls.enable_server_certificate_verification(true);
  tls.set_connection_timeout(5);
  tls.set_read_timeout(20);
  auto alive = tls.Get(rest("isalive"));
  ASSERT_TRUE(alive) << httplib::to_string(alive.error());
  EXPECT_EQ(alive->status, 200);
  httplib::Params p{{"username", "demo"}, {"password", kDemoPassword}};
  auto login = tls.Get(rest("customer/login"), p, httplib::Headers{});
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  auto count = tls.Get(rest("getcdrscount"), authid_header("authid", body(login)));
  ASSERT_TRUE(count);
  EXPECT_EQ(body(count), 40);
  // Plain HTTP to the TLS port gets no answer.
  auto plain = env.client().Get(rest("isalive"));
  EXPECT_TRUE(!plain || plain->status != 200);
}

}  // namespace
}  // namespace sipsmith::itest
