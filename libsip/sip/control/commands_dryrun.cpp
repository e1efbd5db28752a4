// dialplan.test: a dry run of a stored dial plan through the one dial engine
// with the daemon's real Directory (accounts, providers, domains) and current
// bindings, over a simulated network and clock (dialer::Simulation): legs are
// answered from the outcome table in the request; no call is placed, no SIP
// is sent, no CDR and no key/value change is written. The result is the
// trace dialplan-test prints, one JSON object per event.
// Params: name, to (required); owner, from, direction (in|out), account
// (user@domain, one of the owner's), headers, at (unix seconds or a UTC
// time), id (call id), outcomes (dialplan-test's outcome table) and
// outcome_lines ([default, row 1, ...]: where the client read the rows).
// Bounded on the core thread: one call, the engine's leg limit, 10,000
// actions, 2 s of real time, 500 outcome rules, 5,000 trace events.
#include <chrono>

#include "sip/base/ci.hpp"
#include "sip/control/command_util.hpp"
#include "sip/control/sim_inputs.hpp"
#include "sip/control/trace_json.hpp"
#include "sip/dialer/directory_host.hpp"
#include "sip/dialer/plans.hpp"
#include "sip/dialer/simulation.hpp"
#include "sip/registrar/registrar.hpp"

namespace sip::control::detail {
namespace {

constexpr std::size_t kMaxOutcomes = 500;
constexpr std::size_t kMaxEvents = 5000;
constexpr std::size_t kMaxActions = 10000;
constexpr std::size_t kMaxHeaders = 32;
constexpr std::chrono::milliseconds kWallBudget{2000};

// The plan's owner: --owner, else the owner of --account, else the one
// customer with a plan of that name.
store::Customer plan_owner(Context& ctx, const Fields& f, const std::string& name) {
  if (auto o = f.string("owner"); o && !o->empty()) return find_customer(ctx.store, *o);
  if (auto a = f.string("account"); a && !a->empty()) {
    const auto at = a->rfind('@');
    if (at == std::string::npos) fail(Errc::invalid_argument, "account: expected user@domain");
    const store::SipAccount* acc = ctx.directory.find(a->substr(0, at), a->substr(at + 1));
    if (acc == nullptr) fail(Errc::not_found, "account " + *a + " does not exist");
    return unwrap(ctx.store.customers().get(acc->owner_id), "customer");
  }
  std::vector<store::Id> owners;
  for (const auto& d : unwrap(ctx.store.dialplans().list(0), "dial plans"))
    if (ci_equal(d.name, name)) owners.push_back(d.owner_id);
  if (owners.empty()) fail(Errc::not_found, "no customer has a dial plan '" + name + "'");
  if (owners.size() > 1)
    fail(Errc::invalid_argument,
         "several customers have a dial plan '" + name + "': give owner (sipctl --owner)");
  return unwrap(ctx.store.customers().get(owners.front()), "customer");
}

dialer::SimulatedCall call_of(Context& ctx, const json& params, const Fields& f,
                              const store::Customer& owner) {
  dialer::SimulatedCall call;
  call.id = f.string("id").value_or("call-1");
  check_text(call.id, f.name("id"), 64);
  call.uri = f.required_string("to");
  check_text(call.uri, f.name("to"), 1024);
  call.to = call.uri;
  call.from = f.string("from").value_or("");  // empty: dialer::default_from()
  check_text(call.from, f.name("from"), 1024);
  const std::string dir = f.string("direction").value_or("out");
  if (dir != "in" && dir != "out") fail(Errc::invalid_argument, "direction: expected in or out");
  call.direction = dir == "in" ? dialplan::Direction::In : dialplan::Direction::Out;
  if (auto a = f.string("account"); a && !a->empty()) {
    // As in a real call, the call's account is one of the plan owner's.
    const auto at = a->rfind('@');
    if (at == std::string::npos) fail(Errc::invalid_argument, "account: expected user@domain");
    const store::SipAccount* acc = ctx.directory.find(a->substr(0, at), a->substr(at + 1));
    if (acc == nullptr) fail(Errc::not_found, "account " + *a + " does not exist");
    if (acc->owner_id != owner.id)
      fail(Errc::invalid_argument, "account " + *a + " is not one of " + owner.username + "'s");
    call.account = acc->username + "@" + acc->domain;
  }
  if (auto h = f.string_list("headers")) {
    if (h->size() > kMaxHeaders)
      fail(Errc::invalid_argument, "headers: more than " + std::to_string(kMaxHeaders));
    for (const auto& line : *h) {
      check_text(line, f.name("headers"), 1024);
      if (line.find(':') == std::string::npos)
        fail(Errc::invalid_argument, "headers: '" + line + "' is not 'Name: value'");
    }
    call.headers = *h;
  }
  if (f.has("at")) {
    const json& at = params.at("at");
    if (at.is_number_integer()) {
      call.at = f.integer64("at", 0, std::int64_t{1} << 40);
    } else if (at.is_string() && parse_time(at.get<std::string>())) {
      call.at = parse_time(at.get<std::string>());
    } else {
      fail(Errc::invalid_argument, "at: unix seconds or a time like 2024-07-01T09:30:00Z");
    }
  }
  return call;
}

// "outcome_lines": where the client read the rows ([default, row 1, ...]),
// so the trace's "outcome_line" is what dialplan-test prints for that file.
void set_lines(const json& lines, dialer::OutcomeTable& table) {
  if (!lines.is_array() || lines.size() != table.rules.size() + 1)
    fail(Errc::invalid_argument, "outcome_lines: one line number for the default and each row");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].is_number_integer() || lines[i].get<std::int64_t>() < 0 ||
        lines[i].get<std::int64_t>() > 10'000'000)
      fail(Errc::invalid_argument, "outcome_lines: line numbers are integers from 0");
    (i == 0 ? table.fallback : table.rules[i - 1]).line = lines[i].get<int>();
  }
}

json dialplan_test(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "name", "to", "from", "direction", "account", "headers", "at", "id", "outcomes",
          "outcome_lines"});
  const std::string name = f.required_string("name");
  const store::Customer owner = plan_owner(ctx, f, name);
  // What the daemon runs: the Directory's copy of the plan.
  const store::DialPlan* stored = ctx.directory.find_dialplan(owner.id, name);
  if (stored == nullptr)
    fail(Errc::not_found, "dial plan '" + name + "' of '" + owner.username + "' does not exist");
  const dialplan::CompileResult compiled =
      dialer::compile_plan(stored->type, stored->name, stored->source);
  if (!compiled.ok()) {
    std::string where = "line " + std::to_string(compiled.error.line);
    if (compiled.error.column > 0) where += ":" + std::to_string(compiled.error.column);
    fail(Errc::invalid_argument, "dial plan '" + stored->name + "' does not compile: " + where +
                                     ": " + compiled.error.message);
  }
  dialer::SimulatedCall call = call_of(ctx, params, f, owner);
  dialer::OutcomeTable outcomes;
  if (f.has("outcomes")) {
    try {
      outcomes = outcomes_from_json(params.at("outcomes"), "outcomes", kMaxOutcomes);
    } catch (const InputError& e) {
      std::string message = e.what();
      if (!message.empty() && message.back() == '\n') message.pop_back();
      fail(Errc::invalid_argument, message);
    }
  }
  if (f.has("outcome_lines")) set_lines(params.at("outcome_lines"), outcomes);

  const std::int64_t now = unix_now(ctx);
  dialer::DirectoryHost lookups(ctx.directory.snapshot(), [&ctx, now](store::Id id) {
    if (ctx.registrar != nullptr) return ctx.registrar->bindings(id);
    auto rows = ctx.store.bindings().list_for(id);
    std::vector<store::Binding> out;
    if (rows)
      for (auto& b : *rows)
        if (b.expires > now) out.push_back(std::move(b));
    return out;
  });
  dialer::SimulationSetup setup;
  setup.owner = owner.username;
  setup.owner_id = owner.id;
  setup.dialplan_name = stored->name;
  setup.time_zone = owner.time_zone;
  setup.start_time = now;
  setup.max_legs = ctx.max_legs ? ctx.max_legs() : 20;
  if (ctx.fraud) setup.fraud = ctx.fraud();
  setup.max_actions = kMaxActions;
  setup.providers = lookups.provider_views(owner.id);
  setup.own_accounts_only = true;
  setup.wall_budget = kWallBudget;
  setup.label = "dry run";

  json events = json::array();
  json last;  // past the cap: the latest event (the call's "final" in the end)
  std::size_t dropped = 0;
  dialer::Simulation sim(setup, lookups, outcomes, compiled.plan, [&](dialer::trace::Event e) {
    if (events.size() + 2 < kMaxEvents) {
      events.push_back(trace_event_value(e));
    } else {
      if (!last.is_null()) ++dropped;
      last = trace_event_value(e);
    }
  });
  (void)sim.run(call);
  if (dropped > 0)
    events.push_back(json{{"event", "truncated"}, {"call", call.id}, {"dropped", dropped}});
  if (!last.is_null()) events.push_back(std::move(last));
  return events;
}

}  // namespace

void register_dryrun_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("dialplan.test",
               [&ctx](const json& params) -> CommandResult { return dialplan_test(ctx, params); });
}

}  // namespace sip::control::detail
