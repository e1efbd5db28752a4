// Calls in progress and provider registrations over the HTTP API, per
// tenant: the SIPSorcery-compatible getcalls/getsipproviderbindings pairs
// and /api/v1's calls (call.* commands of the registry, reached through one
// generic route) and provider bindings. The real daemon with a live SIPp
// call through it and a provider whose registration is running.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>

#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;

constexpr Millis kCall{20000};
const std::string kRestPath = "/provisioning.svc/rest/";
const std::string kV1 = "/api/v1/";

json body(const httplib::Result& r) {
  if (!r) return json("no response");
  return json::parse(r->body, nullptr, false);
}

int status(const httplib::Result& r) {
  return r ? r->status : -1;
}

struct Http {
  httplib::Client& cl;
  httplib::Headers h;
  httplib::Result get(const std::string& p) { return cl.Get(p, h); }
  httplib::Result del(const std::string& p) { return cl.Delete(p, h); }
  httplib::Result post(const std::string& p, const json& b = json::object()) {
    return cl.Post(p, h, b.dump(), "application/json");
  }
};

TEST(HttpCalls, CallsAndProviderBindingsAreListedAndControlledPerTenant) {
  const std::uint16_t http_port = free_port("127.0.0.1");
  CallEnv env(json{{"http", {{"bind", "127.0.0.1:" + std::to_string(http_port)}}}});
  env.provision(json::array({account_record("bob", true)}));
  ControlClient& control = env.daemon.control();
  const json other =
      control.call("customer.add", {{"username", "other"}, {"password", "other-pw-12"}}, kCall);
  const json root = control.call(
      "customer.add", {{"username", "root"}, {"password", "root-pw-123"}, {"admin", true}}, kCall);
  // A registration nobody answers: its binding exists (registering or failed).
  const std::uint16_t silent = free_port("127.0.0.1");
  control.call("provider.add", {{"owner", "demo"},
                                {"name", "voip1"},
                                {"server", "sip:127.0.0.1:" + std::to_string(silent)},
                                {"username", "u1"},
                                {"password", "p1-secret"},
                                {"register_enabled", true}});

  httplib::Client cl("127.0.0.1", http_port);
  cl.set_read_timeout(20);
  Http demo{cl, {{"apikey", control.call("customer.get", {{"username", "demo"}})["api_key"]}}};
  Http oth{cl, {{"apikey", other["api_key"].get<std::string>()}}};
  Http adm{cl, {{"apikey", root["api_key"].get<std::string>()}}};

  auto phone = env.phone("bob", "call_uas_answer.xml");
  auto caller = env.caller("call_uac_recv_bye.xml", "bob");  // waits for our BYE
  json calls;
  const auto deadline = Clock::now() + Millis(8000);
  do {
    calls = body(demo.get(kV1 + "calls"));
  } while ((!calls.is_array() || calls.empty() || calls[0].value("state", "") != "confirmed") &&
           Clock::now() < deadline);
  ASSERT_TRUE(calls.is_array() && calls.size() == 1u) << calls << env.daemon.stderr_text();
  const std::int64_t id = calls[0].value("id", std::int64_t{0});
  const std::string ids = std::to_string(id);

  // SIPSorcery-compatible pairs: the owner sees its call, another customer
  // none, an admin every call.
  EXPECT_EQ(body(demo.get(kRestPath + "getcallscount")), 1);
  json sc = body(demo.get(kRestPath + "getcalls?offset=0&count=10"));
  ASSERT_EQ(sc.size(), 1u) << sc;
  EXPECT_EQ(sc[0]["ID"], ids);
  EXPECT_EQ(sc[0]["CallId"], caller->first_call_id());
  EXPECT_EQ(sc[0]["Direction"], "In");
  EXPECT_EQ(sc[0]["Owner"], "demo");
  EXPECT_EQ(sc[0]["Account"], "bob@sipsmith.test");
  EXPECT_EQ(sc[0]["State"], "confirmed");
  EXPECT_NE(sc[0]["RemoteTarget"].get<std::string>().find("sip:bob@127.0.0.1:"), std::string::npos)
      << sc;
  EXPECT_EQ(body(oth.get(kRestPath + "getcallscount")), 0);
  EXPECT_EQ(body(oth.get(kRestPath + "getcalls")).size(), 0u);
  EXPECT_EQ(body(adm.get(kRestPath + "calls/count")), 1);
  EXPECT_EQ(body(oth.get(kV1 + "calls")).size(), 0u);
  EXPECT_EQ(body(adm.get(kV1 + "calls")).size(), 1u);

  // Provider bindings: demo's registration, nobody else's.
  EXPECT_EQ(body(demo.get(kRestPath + "getsipproviderbindingscount")), 1);
  json pb = body(demo.get(kRestPath + "getsipproviderbindings"));
  ASSERT_EQ(pb.size(), 1u) << pb;
  EXPECT_EQ(pb[0]["ProviderName"], "voip1");
  EXPECT_EQ(pb[0]["Owner"], "demo");
  EXPECT_EQ(pb[0]["IsRegistered"], false);
  EXPECT_NE(pb[0]["BindingURI"].get<std::string>().find("voip1.u1@"), std::string::npos) << pb;
  EXPECT_EQ(body(oth.get(kRestPath + "getsipproviderbindingscount")), 0);
  EXPECT_EQ(body(oth.get(kV1 + "provider_bindings")).size(), 0u);
  EXPECT_EQ(body(demo.get(kV1 + "provider_bindings")).size(), 1u);
  EXPECT_EQ(body(adm.get(kV1 + "provider_bindings")).size(), 1u);
  auto one = demo.get(kV1 + "providers/voip1/status");
  EXPECT_EQ(status(one), 200);
  EXPECT_EQ(body(one).value("name", ""), "voip1");
  EXPECT_EQ(status(oth.get(kV1 + "providers/voip1/status?owner=demo")), 404);

  // Call control through the generic route: another customer cannot touch
  // the call (404, as if it did not exist), an unknown action is 404.
  EXPECT_EQ(status(oth.del(kV1 + "calls/" + ids)), 404);
  auto forged = oth.post(kV1 + "calls/" + ids + "/hangup", {{"owner", "demo"}});
  EXPECT_EQ(status(forged), 404) << (forged ? forged->body : "");
  EXPECT_EQ(body(demo.post(kV1 + "calls/" + ids + "/no_such_action"))["error"]["code"],
            "not_found");
  EXPECT_EQ(status(demo.post(kV1 + "calls/x1/hangup")), 400);
  EXPECT_EQ(body(demo.post(kV1 + "calls/actions/no_such_action"))["error"]["code"], "not_found");
  json doc = body(cl.Get(kV1 + "openapi.json"));
  const json& action =
      doc["paths"]["/api/v1/calls/{id}/{action}"]["post"]["parameters"][1]["schema"]["enum"];
  EXPECT_NE(std::find(action.begin(), action.end(), "hangup"), action.end()) << action;
  EXPECT_TRUE(doc["paths"].contains("/api/v1/calls/actions/{action}"));
  EXPECT_EQ(body(demo.get(kV1 + "calls")).size(), 1u);

  auto hung = demo.post(kV1 + "calls/" + ids + "/hangup");
  ASSERT_EQ(status(hung), 200) << (hung ? hung->body : "");
  EXPECT_EQ(body(hung).value("hung_up", false), true);
  EXPECT_EQ(caller->finish(kCall), 0) << caller->diagnostics() << env.daemon.stderr_text();
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics();
  EXPECT_EQ(body(demo.get(kRestPath + "getcallscount")), 0);
  EXPECT_EQ(status(demo.del(kV1 + "calls/" + ids)), 404);
}

}  // namespace
}  // namespace sipsmith::itest
