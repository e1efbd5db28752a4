// dialplan-test: runs a dial plan (Lua script or simple wizard JSON) offline
// against simulated calls and a simulated outcome table, printing every
// decision as NDJSON (or a human summary) and checking expectations.
// Exit status: 0 all calls simulated and expectations met, 1 an expectation
// failed or the plan has a script error, 2 usage or input error.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>

#include "checks.hpp"
#include "common/cli.hpp"
#include "common/trace_print.hpp"
#include "env_world.hpp"
#include "inputs.hpp"
#include "sip/control/event_json.hpp"
#include "sip/control/trace_json.hpp"
#include "sip/dialer/plans.hpp"
#include "sip/dialer/simulation.hpp"
#include "sip/dialer/trace_console.hpp"
#include "sip/event/format.hpp"
#include "sip/wizard/source_pos.hpp"
#include "store_env.hpp"

namespace {

using namespace dialplan_test;
using Json = nlohmann::ordered_json;
namespace dialer = sip::dialer;

constexpr const char* kExamples = R"(Examples:
  dialplan-test plan.json --env env.json --calls calls.ndjson --outcomes outcomes.json
  dialplan-test plan.lua -e env.json -o outcomes.json --direction out --to sip:*100@sipsmith.test
  dialplan-test plan.json -e env.json -c calls.ndjson -o outcomes.json --expect expect.json --human
  dialplan-test plan.lua -e env.json -c calls.ndjson --bench 1000
  dialplan-test plan.lua -e env.json -o outcomes.json --to sip:100@sipsmith.test --console
  dialplan-test --store /var/lib/sipsmith/store.db --owner demo --plan alice-out \
      --to sip:0871000100@sipsmith.test --account alice@sipsmith.test -o outcomes.json --human
Formats of the input files: man dialplan-test.)";

struct Options {
  std::string plan, type, env, calls, outcomes, expect;
  std::string store, owner, plan_name, default_domain;
  std::string direction = "out", to, from, account;
  std::vector<std::string> headers;
  bool human = false, json = false, console = false;
  int bench = 0;
  int verbosity = 0;
};

std::string stem(const std::string& path) {
  std::string s =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return s.substr(0, s.find('.'));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The plan, where its source came from (for diagnostics), and the world it
// runs in: an environment file (EnvWorld) or a store (StoreEnvironment).
// Either way the daemon's DirectoryHost answers the plan's lookups.
struct Prepared {
  std::string source, source_name;
  std::unique_ptr<Environment> env;
  std::unique_ptr<EnvWorld> env_world;
  std::unique_ptr<StoreEnvironment> stored;
  dialer::Lookups* lookups = nullptr;
  dialer::SimulationSetup setup;
  sip::dialplan::CompileResult compiled;
};

Prepared from_store(const Options& o) {
  if (!o.env.empty())
    throw InputError("--store and --env exclude each other: the store is the environment\n");
  if (!o.plan.empty())
    throw InputError(
        "--store and a plan file exclude each other: name the stored plan with --plan\n");
  if (!o.type.empty())
    throw InputError("--store: the plan's type comes from the store, not --type\n");
  if (o.owner.empty() || o.plan_name.empty())
    throw InputError("--store needs --owner NAME and --plan NAME\n");
  Prepared p;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  p.stored = load_store_environment(o.store, o.owner, o.plan_name, o.default_domain, now);
  const auto& plan = p.stored->plan;
  p.source = plan.source;
  p.source_name = o.store + ":" + p.stored->owner.username + "/" + plan.name;
  p.lookups = p.stored->lookups.get();
  p.setup.owner = p.stored->owner.username;
  p.setup.owner_id = p.stored->owner.id;
  p.setup.dialplan_name = plan.name;
  p.setup.time_zone = p.stored->owner.time_zone;
  p.setup.start_time = now;
  p.setup.providers = p.stored->lookups->provider_views(p.stored->owner.id);
  p.compiled = sip::dialer::compile_plan(plan.type, plan.name, plan.source);
  return p;
}

Prepared from_files(const Options& o) {
  if (!o.owner.empty() || !o.plan_name.empty() || !o.default_domain.empty())
    throw InputError("--owner, --plan and --default-domain go with --store\n");
  if (o.plan.empty()) throw InputError("no dial plan given (a .lua or .json file, or --store)\n");
  Prepared p;
  p.source = read_text_file(o.plan);
  p.source_name = o.plan;
  std::string type = o.type;
  if (type.empty())
    type = ends_with(o.plan, ".lua") ? "lua" : ends_with(o.plan, ".json") ? "wizard" : "";
  if (type.empty())
    throw InputError(o.plan + ": cannot tell the plan type; use --type lua|wizard|dialstring\n");
  p.env = std::make_unique<Environment>();
  if (!o.env.empty()) *p.env = load_environment(o.env, read_text_file(o.env));
  const Environment& env = *p.env;
  const std::string name = !env.dialplan_name.empty() ? env.dialplan_name
                           : o.plan == "-"            ? std::string("stdin")
                                                      : stem(o.plan);
  p.compiled = sip::dialer::compile_plan(type, name.empty() ? "plan" : name, p.source);
  p.env_world = make_env_world(env);
  p.lookups = p.env_world->lookups.get();
  p.setup.owner = env.owner;
  p.setup.owner_id = p.env_world->owner_id;
  p.setup.dialplan_name = env.dialplan_name;
  p.setup.time_zone = env.time_zone;
  p.setup.start_time = env.start_time;
  p.setup.max_ring_seconds = env.max_ring_seconds;
  p.setup.max_legs = static_cast<std::size_t>(std::max(0, env.max_legs));
  p.setup.fraud = env.fraud;
  p.setup.web = env.web;
  p.setup.providers = env.providers;
  return p;
}

int run(const Options& o) {
  Prepared p = o.store.empty() ? from_files(o) : from_store(o);
  if (!p.compiled.ok()) {
    std::cerr << sip::wizard::format_diagnostic(p.source_name, p.source, p.compiled.error.line,
                                                p.compiled.error.column, p.compiled.error.message);
    return 1;
  }
  OutcomeTable outcomes;
  if (!o.outcomes.empty()) outcomes = load_outcomes(o.outcomes, read_text_file(o.outcomes));
  std::vector<Call> calls;
  if (!o.calls.empty()) {
    calls = load_calls(o.calls, read_text_file(o.calls));
  } else if (!o.to.empty()) {
    Call c;
    c.direction =
        o.direction == "in" ? sip::dialplan::Direction::In : sip::dialplan::Direction::Out;
    c.uri = c.to = o.to;
    c.from = o.from;  // empty: sip::dialer::default_from()
    c.account = o.account;
    c.headers = o.headers;
    c.where = "command line";
    calls.push_back(std::move(c));
  } else {
    throw InputError("no calls: give --calls FILE (NDJSON) or --to URI\n");
  }
  std::vector<Expectation> expectations;
  if (!o.expect.empty()) expectations = load_expectations(o.expect, read_text_file(o.expect));

  if (o.bench > 0) {
    dialer::Simulation sim(p.setup, *p.lookups, outcomes, p.compiled.plan, nullptr);
    std::vector<double> us;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.bench; ++i)
      for (const auto& c : calls) {
        const auto a = std::chrono::steady_clock::now();
        (void)sim.run(c);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a)
                         .count());
      }
    const double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::sort(us.begin(), us.end());
    Json b{{"event", "bench"},
           {"executions", us.size()},
           {"per_second", static_cast<long long>(static_cast<double>(us.size()) / total)},
           {"p50_us", us[us.size() / 2]},
           {"p99_us", us[std::min(us.size() - 1, us.size() * 99 / 100)]}};
    if (o.human)
      sipsmith::cli::print_trace_human(std::cout, b, o.verbosity);
    else
      std::cout << b.dump() << "\n";
    return 0;
  }

  auto out = [&](const Json& e) {
    if (o.human)
      sipsmith::cli::print_trace_human(std::cout, e, o.verbosity);
    else
      std::cout << e.dump() << "\n";
  };
  // --console: the live console's events instead of the trace (its lines,
  // or its NDJSON with --json).
  dialer::TraceConsole console;
  const bool colour = !o.json && ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  dialer::Simulation sim(p.setup, *p.lookups, outcomes, p.compiled.plan,
                         [&](dialer::trace::Event e) {
                           if (!o.console) return out(sip::control::trace_event_json(e));
                           for (const auto& ev : console.events(e)) {
                             if (o.json)
                               std::cout << sip::control::event_json(ev).dump() << "\n";
                             else
                               std::cout << sip::event::format_line(ev, colour) << "\n";
                           }
                         });
  int failed = 0, script_errors = 0, checked = 0;
  std::map<std::string, bool> seen;
  for (const auto& c : calls) {
    const dialer::SimulationReport r = sim.run(c);
    seen[c.id] = true;
    if (r.kind == "script_error") {
      ++script_errors;
      std::cerr << sip::wizard::format_diagnostic(p.source_name, p.source, r.error_line, 0,
                                                  "call " + c.id + ": " + r.error_message);
    }
    std::vector<const Expectation*> mine;
    if (c.expect) mine.push_back(&*c.expect);
    for (const auto& x : expectations)
      if (x.call == c.id) mine.push_back(&x);
    for (const auto* x : mine) {
      ++checked;
      auto failures = check_expectation(*x, r);
      if (!failures.empty()) ++failed;
      out(Json{{"event", "expect"},
               {"call", c.id},
               {"where", x->where},
               {"ok", failures.empty()},
               {"failures", failures}});
    }
  }
  for (const auto& x : expectations)
    if (!seen.count(x.call)) {
      ++checked;
      ++failed;
      out(Json{{"event", "expect"},
               {"call", x.call},
               {"where", x.where},
               {"ok", false},
               {"failures", {"no call with id \"" + x.call + "\""}}});
    }
  out(Json{{"event", "summary"},
           {"calls", calls.size()},
           {"expectations", checked},
           {"failed", failed},
           {"script_errors", script_errors}});
  return failed > 0 || script_errors > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Run a dial plan offline against simulated calls and outcomes.", "dialplan-test"};
  app.footer(kExamples);
  app.set_version_flag("--version", "dialplan-test " + sipsmith::cli::version());
  app.add_option("plan", o.plan,
                 "dial plan file: .lua script, wizard .json, or a dial string with --type "
                 "dialstring ('-' = stdin); or --store");
  app.add_option("--type", o.type, "plan type when the extension does not tell")
      ->check(CLI::IsMember({"lua", "wizard", "dialstring"}));
  app.add_option("-e,--env", o.env,
                 "environment JSON (accounts, bindings, providers, time); not with --store");
  app.add_option("-c,--calls", o.calls, "calls, one JSON object per line ('-' = stdin)");
  app.add_option("-o,--outcomes", o.outcomes, "outcome table JSON (destination -> response)");
  app.add_option("-x,--expect", o.expect, "expectations JSON; failures exit 1");
  app.add_option("--store", o.store,
                 "read the plan, accounts, bindings and providers from a sipsmith store "
                 "(read-only; safe while sipproxyd runs)");
  app.add_option("--owner", o.owner, "with --store: the plan's owner (customer)");
  app.add_option("--plan", o.plan_name, "with --store: the plan's name");
  app.add_option("--default-domain", o.default_domain,
                 "with --store: the domain 'local' means (default: the first domain added)");
  app.add_option("--direction", o.direction, "single call: in or out (default out)")
      ->check(CLI::IsMember({"in", "out"}));
  app.add_option("--to", o.to, "single call: request-URI, e.g. sip:*100@sipsmith.test");
  app.add_option("--from", o.from,
                 "single call: From value (default: the --account of an out call, else anonymous)");
  app.add_option("--account", o.account,
                 "single call: calling (out) or called (in) account user@domain");
  app.add_option("-H,--header", o.headers, "single call: extra header 'Name: value' (repeatable)");
  app.add_flag("--json", o.json, "NDJSON trace on stdout (the default)");
  app.add_flag("--human", o.human, "human summary instead of NDJSON");
  app.add_flag("--console", o.console,
               "the live console's lines (sys.Log, script errors, calls, legs) instead of the "
               "trace; NDJSON console events with --json");
  app.add_option("--bench", o.bench,
                 "run the calls N times without a trace; print executions/s, p50, p99")
      ->check(CLI::Range(1, 10000000));
  app.add_flag("-v,--verbose", o.verbosity, "more detail (repeatable)");
  if (auto exit = sipsmith::cli::parse(app, argc, argv)) return *exit;
  if (o.console && o.human) {
    std::cerr << "dialplan-test: --console and --human exclude each other\n";
    return 2;
  }
  if (o.json && o.human) {
    std::cerr << "dialplan-test: --json and --human exclude each other\n";
    return 2;
  }
  try {
    return run(o);
  } catch (const InputError& e) {
    std::cerr << "dialplan-test: " << e.what();
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "dialplan-test: " << e.what() << "\n";
    return 2;
  }
}
