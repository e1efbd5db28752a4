// A tiny dial plan driver for the Lua tests: answers Dial actions from a
// table (dial string -> result), keeps a key/value map, answers WebGet from
// a callback, advances a ManualClock on Wait and Dial, and records every
// action. Test-only; one thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sip/base/clock.hpp"
#include "sip/dialplan/execution.hpp"
#include "sip/lua/lua_plan.hpp"

namespace sip::lua::test {

using namespace sip::dialplan;

// Host with a few accounts: alice (owner) and bob at example.com ("local").
class FakeHost final : public Host {
 public:
  std::function<void()> on_call_count;  // side effect hook (e.g. advance time)

  static bool local(std::string_view domain) {
    return domain == "local" || domain == "example.com";
  }
  bool is_available(std::string_view user, std::string_view domain) override {
    return local(domain) && user == "alice";
  }
  bool is_mine(std::string_view owner, std::string_view user, std::string_view domain) override {
    return owner == "alice" && local(domain) && (user == "alice" || user == "alice2");
  }
  bool account_exists(std::string_view user, std::string_view domain) override {
    return local(domain) && (user == "alice" || user == "alice2" || user == "bob");
  }
  std::optional<std::vector<BindingView>> bindings(std::string_view owner, std::string_view user,
                                                   std::string_view domain) override {
    if (owner != "alice" || user != "alice" || !local(domain)) return std::nullopt;
    BindingView b;
    b.account = "alice@example.com";
    b.contact_uri = "sip:alice@192.168.1.10:5060";
    b.mangled_uri = "sip:alice@203.0.113.5:40000";
    b.user_agent = "TestPhone/1.0";
    b.expires = 1'700'000'000 + 3600;
    return std::vector<BindingView>{b};
  }
  std::optional<std::string> canonical_domain(std::string_view host) override {
    if (local(host)) return std::string("example.com");
    return std::nullopt;
  }
  std::size_t current_call_count(std::string_view) override {
    if (on_call_count) on_call_count();
    return 2;
  }
  std::vector<AccountView> accounts(std::string_view owner) override {
    if (owner != "alice") return {};
    AccountView a{"alice", "example.com", "alice", "default", "", false, false, ""};
    AccountView b{"alice2", "example.com", "alice", "", "incoming", true, false, "second"};
    return {a, b};
  }
};

inline DialResult dial_result(DialOutcome outcome, int status = 0, std::string reason = {}) {
  DialResult r;
  r.outcome = outcome;
  r.failure_status = status;
  r.failure_reason = std::move(reason);
  return r;
}

class Driver {
 public:
  ManualClock clock{1'700'000'000};  // 2023-11-14 22:13:20 UTC, a Tuesday
  FakeHost host;
  LuaConfig config;
  CallContext ctx;
  std::map<std::string, DialResult> dial_outcomes;
  DialResult default_dial = dial_result(DialOutcome::Failed, 404, "Not Found");
  std::map<std::string, std::string> kv;
  std::function<HttpResult(const HttpGet&)> http;
  std::vector<Action> trace;  // every action including the final Done
  std::size_t max_steps = 10000;

  Driver() {
    ctx.direction = Direction::Out;
    ctx.owner = "alice";
    ctx.dialplan_name = "default";
    auto& r = ctx.request;
    r.method = "INVITE";
    r.uri = split_uri("sip:1234@example.com:5060;user=phone");
    r.from_display = "Alice Smith";
    r.from_uri = split_uri("sip:alice@example.com");
    r.from_tag = "ftag1";
    r.from_full = "\"Alice Smith\" <sip:alice@example.com>;tag=ftag1";
    r.to_uri = split_uri("sip:1234@example.com");
    r.to_full = "<sip:1234@example.com>";
    r.call_id = "call-1@host";
    r.contact = "<sip:alice@192.168.1.10:5060>";
    r.user_agent = "TestPhone/1.0";
    r.unknown_headers = {"X-Custom: yes", "P-Asserted-Identity: <sip:alice@example.com>"};
    r.content_type = "application/sdp";
    r.body = "v=0\r\n";
    ctx.from_account =
        AccountView{"alice", "example.com", "alice", "default", "", false, false, ""};
    ProviderView p;
    p.name = "blueface";
    p.server = "sip:sip.blueface.ie";
    p.username = "alice_bf";
    ctx.providers = {p};
    ctx.clock = &clock;
    ctx.host = &host;
    ctx.limits.instruction_budget = 5'000'000;
  }

  std::shared_ptr<const CompiledPlan> compile(std::string_view script) const {
    LuaCompiler compiler(config);
    auto result = compiler.compile("default", script);
    EXPECT_TRUE(result.ok()) << "line " << result.error.line << ": " << result.error.message;
    return result.plan;
  }

  Done run(std::string_view script) { return run_plan(*compile(script)); }

  Done run_plan(const CompiledPlan& plan) {
    trace.clear();
    auto ex = plan.new_execution();
    Action a = ex->start(ctx);
    for (std::size_t i = 0; i < max_steps && !std::holds_alternative<Done>(a); ++i) {
      trace.push_back(a);
      a = ex->resume(perform(a));
    }
    trace.push_back(a);
    EXPECT_TRUE(std::holds_alternative<Done>(a)) << "execution did not finish";
    EXPECT_TRUE(ex->done());
    return std::holds_alternative<Done>(a) ? std::get<Done>(a) : Done{};
  }

  ActionResult perform(const Action& a) {
    if (const auto* d = std::get_if<Dial>(&a)) {
      clock.advance(std::chrono::seconds(1));
      auto it = dial_outcomes.find(d->dial_string);
      return it != dial_outcomes.end() ? it->second : default_dial;
    }
    if (const auto* w = std::get_if<Wait>(&a)) {
      clock.advance(std::chrono::seconds(w->seconds));
      return Ack{};
    }
    if (const auto* r = std::get_if<KvRead>(&a)) {
      KvResult k;
      if (auto it = kv.find(r->key); it != kv.end()) k.value = it->second;
      return k;
    }
    if (const auto* w = std::get_if<KvWrite>(&a)) {
      kv[w->key] = w->value;
      return KvResult{};
    }
    if (const auto* d = std::get_if<KvDelete>(&a)) {
      KvResult k;
      k.ok = kv.erase(d->key) == 1;
      return k;
    }
    if (std::holds_alternative<KvKeys>(a)) {
      KvResult k;
      for (const auto& [key, value] : kv) k.keys.push_back(key);
      return k;
    }
    if (const auto* h = std::get_if<HttpGet>(&a)) {
      if (http) return http(*h);
      return HttpResult{false, 0, {}, "no network in tests"};
    }
    return Ack{};
  }

  template <class T>
  std::vector<T> actions() const {
    std::vector<T> out;
    for (const auto& a : trace) {
      if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
    }
    return out;
  }
  std::vector<std::string> logs() const {
    std::vector<std::string> out;
    for (const auto& l : actions<Log>()) out.push_back(l.text);
    return out;
  }
  std::vector<std::string> dials() const {
    std::vector<std::string> out;
    for (const auto& d : actions<Dial>()) out.push_back(d.dial_string);
    return out;
  }
  bool logged(std::string_view needle) const {
    for (const auto& l : logs()) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace sip::lua::test
