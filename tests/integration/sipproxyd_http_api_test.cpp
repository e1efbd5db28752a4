// sipproxyd's versioned JSON API (/api/v1) end to end: sessions and API
// keys, tenant isolation on every kind of record, CDR cursor pages, dial
// plan validation errors with line and column, the error shape and the
// OpenAPI document. The real daemon over loopback (support/http_env).
#include <gtest/gtest.h>

#include "support/cdr_fill.hpp"
#include "support/http_env.hpp"

namespace sipsmith::itest {
namespace {

const std::string kV1 = "/api/v1/";

json body(const httplib::Result& r) {
  if (!r) return json("no response");
  return json::parse(r->body, nullptr, false);
}

struct Caller {
  httplib::Client& cl;
  httplib::Headers h;
  httplib::Result get(const std::string& p) { return cl.Get(kV1 + p, h); }
  httplib::Result del(const std::string& p) { return cl.Delete(kV1 + p, h); }
  httplib::Result post(const std::string& p, const json& b) {
    return cl.Post(kV1 + p, h, b.dump(), "application/json");
  }
  httplib::Result patch(const std::string& p, const json& b) {
    return cl.Patch(kV1 + p, h, b.dump(), "application/json");
  }
  httplib::Result put(const std::string& p, const json& b) {
    return cl.Put(kV1 + p, h, b.dump(), "application/json");
  }
};

int status(const httplib::Result& r) {
  return r ? r->status : -1;
}

std::string api_key(HttpEnv& env, const std::string& user) {
  return env.daemon().control().call("customer.get", {{"username", user}})["api_key"];
}

TEST(HttpApiV1, SessionsApiKeysAndTheErrorShape) {
  HttpEnv env;
  auto& cl = env.client();
  auto login =
      cl.Post(kV1 + "sessions", json{{"username", "demo"}, {"password", kDemoPassword}}.dump(),
              "application/json");
  ASSERT_EQ(status(login), 201) << (login ? login->body : "");
  const std::string id = body(login)["authid"];
  Caller s{cl, {{"authid", id}}};
  EXPECT_EQ(body(s.get("me"))["username"], "demo");
  Caller k{cl, {{"apikey", api_key(env, "demo")}}};
  EXPECT_EQ(body(k.get("me"))["username"], "demo");
  Caller b{cl, {{"Authorization", "Bearer " + api_key(env, "other")}}};
  EXPECT_EQ(body(b.get("me"))["username"], "other");

  auto none = cl.Get(kV1 + "accounts");
  EXPECT_EQ(status(none), 401);
  EXPECT_EQ(body(none)["error"]["code"], "unauthorized");
  auto missing = s.get("no/such/thing");
  EXPECT_EQ(status(missing), 404);
  EXPECT_EQ(body(missing)["error"]["code"], "not_found");
  auto bad = cl.Post(kV1 + "accounts", s.h, "[1,2]", "application/json");
  EXPECT_EQ(status(bad), 400);
  EXPECT_EQ(body(bad)["error"]["code"], "invalid_request");
  // A cross-site form post (no preflight) is refused before it is read.
  auto form = cl.Post(kV1 + "accounts", {{"Cookie", "authid=" + id}},
                      R"({"username":"csrf","domain":"sipsmith.test"})", "text/plain");
  EXPECT_EQ(status(form), 400);

  // Validation errors of dial plans carry the line and column.
  auto plan = s.post(
      "dialplans", {{"name", "broken"}, {"type", "lua"}, {"source", "sys.Log('x')\nsys.Dial(\n"}});
  EXPECT_EQ(status(plan), 400);
  json e = body(plan)["error"];
  EXPECT_EQ(e["code"], "invalid_argument");
  EXPECT_EQ(e["field"], "source");
  EXPECT_GE(e["line"].get<int>(), 2) << e;
  auto good =
      s.post("dialplans", {{"name", "ok"}, {"type", "dialstring"}, {"source", "${dst}@local"}});
  EXPECT_EQ(status(good), 201);

  EXPECT_EQ(status(s.del("sessions/current")), 200);
  EXPECT_EQ(status(s.get("me")), 401);

  json doc = body(cl.Get(kV1 + "openapi.json"));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  for (const char* p : {"/api/v1/accounts", "/api/v1/accounts/{account}", "/api/v1/cdrs",
                        "/api/v1/dialplans/{name}", "/api/v1/kv/{key}", "/api/v1/customers"})
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
}

TEST(HttpApiV1, ACustomerCanNeitherReadNorChangeAnotherCustomersRecords) {
  HttpEnv env;
  auto& cl = env.client();
  Caller demo{cl, {{"authid", env.login("demo", kDemoPassword)}}};
  Caller other{cl, {{"apikey", api_key(env, "other")}}};
  ASSERT_EQ(status(demo.post("providers", {{"name", "voip1"}, {"server", "sip:sip.example.net"}})),
            201);
  ASSERT_EQ(status(demo.post("dialplans",
                             {{"name", "dp"}, {"type", "dialstring"}, {"source", "${dst}@voip1"}})),
            201);
  ASSERT_EQ(status(demo.put("kv/secret", {{"value", "demo-only"}})), 200);

  // Reads: lists hold only other's records; demo's records are not found.
  for (const char* kind : {"accounts", "providers", "dialplans", "bindings"}) {
    for (const auto& r : body(other.get(std::string(kind) + "?owner=demo")))
      EXPECT_NE(r.value("owner", ""), "demo") << kind;
  }
  EXPECT_EQ(body(other.get("accounts")).size(), 1u);
  EXPECT_EQ(body(other.get("cdrs/count"))["count"], 10);
  EXPECT_EQ(status(other.get("accounts/alice@sipsmith.test")), 404);
  EXPECT_EQ(status(other.get("providers/voip1?owner=demo")), 404);
  EXPECT_EQ(status(other.get("dialplans/dp")), 404);
  EXPECT_EQ(status(other.get("kv/secret")), 404);
  EXPECT_EQ(body(other.get("kv")).size(), 0u);
  EXPECT_EQ(status(other.get("customers/demo")), 404);
  EXPECT_EQ(status(other.get("customers")), 403);
  // (Bound to a name: a range-for over a member of a temporary reads freed
  // memory before C++23.)
  const json cdr_page = body(other.get("cdrs?limit=1000"));
  for (const auto& c : cdr_page["items"]) EXPECT_EQ(c["owner"], "other");

  // Changes: refused, and nothing changed.
  EXPECT_EQ(status(other.patch("accounts/alice@sipsmith.test", {{"description", "mine"}})), 404);
  EXPECT_EQ(status(other.patch("accounts/alice@sipsmith.test", {{"owner", "other"}})), 404);
  EXPECT_EQ(status(other.del("accounts/bob@sipsmith.test")), 404);
  EXPECT_EQ(
      status(other.patch("providers/voip1", {{"owner", "demo"}, {"server", "sip:evil.example"}})),
      404);
  EXPECT_EQ(status(other.del("dialplans/dp?owner=demo")), 404);
  EXPECT_EQ(status(other.del("kv/secret")), 200);  // removes other's own (absent) key only
  EXPECT_EQ(status(other.patch("customers/demo", {{"max_accounts", 1}})), 403);
  auto added =
      other.post("accounts", {{"owner", "demo"}, {"username", "eve"}, {"domain", "sipsmith.test"}});
  ASSERT_EQ(status(added), 201);
  EXPECT_EQ(body(added)["owner"], "other");  // created as its own, whatever it asked

  auto& ctl = env.daemon().control();
  json alice = ctl.call("account.get", {{"username", "alice"}, {"domain", "sipsmith.test"}});
  EXPECT_EQ(alice["owner"], "demo");
  EXPECT_EQ(alice["description"], "");
  ctl.call("account.get", {{"username", "bob"}, {"domain", "sipsmith.test"}});  // still there
  EXPECT_EQ(ctl.call("provider.get", {{"owner", "demo"}, {"name", "voip1"}})["server"],
            "sip:sip.example.net");
  ctl.call("dialplan.get", {{"owner", "demo"}, {"name", "dp"}});
  EXPECT_EQ(body(demo.get("kv/secret"))["value"], "demo-only");
  EXPECT_EQ(ctl.call("customer.get", {{"username", "demo"}})["max_accounts"], 50);

  // The owner changes its own records.
  EXPECT_EQ(status(demo.patch("accounts/alice@sipsmith.test", {{"description", "desk"}})), 200);
  EXPECT_EQ(status(demo.del("dialplans/dp")), 200);
}

TEST(HttpApiV1, CdrsPageNewestFirstByCursorWithFilters) {
  HttpEnv env;
  Caller demo{env.client(), {{"authid", env.login("demo", kDemoPassword)}}};
  std::vector<std::string> expected;
  for (int i = kFilledCdrs - 1; i >= 0; --i)
    if (filled_cdr(i).owner_id == 1) expected.push_back(filled_cdr(i).id);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    json p = body(demo.get("cdrs?limit=15" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    ASSERT_TRUE(p.contains("items")) << p;
    for (const auto& c : p["items"]) seen.push_back(c["id"]);
    if (p["next_cursor"].is_null()) break;
    cursor = p["next_cursor"];
  }
  EXPECT_EQ(seen, expected);
  json in = body(demo.get("cdrs?direction=in&limit=1000"));
  int expected_in = 0;
  for (int i = 0; i < kFilledCdrs; ++i)
    expected_in += filled_cdr(i).owner_id == 1 && filled_cdr(i).direction == "in";
  EXPECT_EQ(static_cast<int>(in["items"].size()), expected_in);
  EXPECT_EQ(status(demo.get("cdrs?cursor=garbage")), 400);
  EXPECT_EQ(status(demo.get("cdrs?since=yesterday")), 400);
}

TEST(HttpApiV1, DisablingOrRemovingACustomerEndsItsSessionsAndKeysAtOnce) {
  HttpEnv env;
  auto& cl = env.client();
  auto& ctl = env.daemon().control();
  Caller demo_s{cl, {{"authid", env.login("demo", kDemoPassword)}}};
  Caller demo_k{cl, {{"apikey", api_key(env, "demo")}}};
  Caller other_s{cl, {{"authid", env.login("other", kOtherPassword)}}};
  Caller other_k{cl, {{"apikey", api_key(env, "other")}}};
  ASSERT_EQ(status(demo_s.get("me")), 200);
  ASSERT_EQ(status(other_s.get("me")), 200);
  // A changed admin flag applies to an open session.
  EXPECT_EQ(status(demo_s.get("customers")), 403);
  ctl.call("customer.update", {{"username", "demo"}, {"admin", true}});
  EXPECT_EQ(status(demo_s.get("customers")), 200);
  EXPECT_EQ(body(demo_s.get("me"))["admin"], true);

  ctl.call("customer.update", {{"username", "demo"}, {"disabled", true}});
  EXPECT_EQ(status(demo_s.get("me")), 401);
  EXPECT_EQ(status(demo_k.get("me")), 401);
  EXPECT_EQ(status(cl.Get(std::string(kRest) + "getcdrscount", demo_s.h)), 401);
  ctl.call("customer.update", {{"username", "demo"}, {"disabled", false}});
  EXPECT_EQ(status(demo_s.get("me")), 401);  // that session ended
  EXPECT_EQ(status(demo_k.get("me")), 200);  // the key is the customer's again

  ctl.call("customer.remove", {{"username", "other"}});
  EXPECT_EQ(status(other_s.get("me")), 401);
  EXPECT_EQ(status(other_k.get("me")), 401);
  EXPECT_EQ(env.login("other", kOtherPassword), "");
}

TEST(HttpApiV1, ACustomerCreatedOverTheApiLogsInWithItsPassword) {
  HttpEnv env;
  auto& cl = env.client();
  auto& ctl = env.daemon().control();
  ctl.call("customer.update", {{"username", "demo"}, {"admin", true}});
  Caller admin{cl, {{"apikey", api_key(env, "demo")}}};
  auto made = admin.post("customers", {{"username", "carol"}, {"password", "carol-pass-1"}});
  ASSERT_EQ(status(made), 201) << (made ? made->body : "");
  EXPECT_FALSE(body(made).contains("password"));  // given, not generated: never echoed
  EXPECT_EQ(env.login("carol", "carol-pass-1").size(), 96u);
  EXPECT_EQ(env.login("carol", "wrong-pass-1"), "");
  // Without a password one is generated and returned once.
  auto gen = admin.post("customers", {{"username", "dave"}});
  ASSERT_EQ(status(gen), 201) << (gen ? gen->body : "");
  const std::string pw = body(gen).value("password", "");
  ASSERT_EQ(pw.size(), 16u) << body(gen);
  EXPECT_EQ(env.login("dave", pw).size(), 96u);
  // A new password over PATCH; an empty one is refused.
  EXPECT_EQ(status(admin.patch("customers/carol", {{"password", "carol-pass-2"}})), 200);
  EXPECT_EQ(env.login("carol", "carol-pass-2").size(), 96u);
  auto empty = admin.patch("customers/carol", {{"password", ""}});
  EXPECT_EQ(status(empty), 400);
  EXPECT_EQ(body(empty)["error"]["code"], "invalid_argument");
}

}  // namespace
}  // namespace sipsmith::itest
