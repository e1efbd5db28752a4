// dialplan-test: runs a dial plan (Lua script or simple wizard JSON) offline
// against simulated calls and a simulated outcome table, printing every
// decision as NDJSON (or a human summary) and checking expectations.
// Exit status: 0 all calls simulated and expectations met, 1 an expectation
// failed or the plan has a script error, 2 usage or input error.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include "checks.hpp"
#include "common/cli.hpp"
#include "inputs.hpp"
#include "simulator.hpp"
#include "sip/dialer/plans.hpp"
#include "sip/wizard/source_pos.hpp"

namespace {

using namespace dialplan_test;

constexpr const char* kExamples = R"(Examples:
  dialplan-test plan.json --env env.json --calls calls.ndjson --outcomes outcomes.json
  dialplan-test plan.lua -e env.json -o outcomes.json --direction out --to sip:*100@sipsmith.test
  dialplan-test plan.json -e env.json -c calls.ndjson -o outcomes.json --expect expect.json --human
  dialplan-test plan.lua -e env.json -c calls.ndjson --bench 1000
Formats of the input files: man dialplan-test.)";

struct Options {
  std::string plan, type, env, calls, outcomes, expect;
  std::string store, owner, plan_name;
  std::string direction = "out", to, from, account;
  std::vector<std::string> headers;
  bool human = false, json = false;
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

void print_human(const Json& e, int verbosity) {
  const std::string ev = e["event"];
  if (ev == "log" && verbosity > 0) {
    std::cout << "  log: " << e["text"].get<std::string>() << "\n";
  } else if (ev == "dial") {
    std::cout << "  dial " << e["substituted"].get<std::string>();
    if (e.contains("error")) std::cout << " -> error: " << e["error"].get<std::string>();
    std::cout << "\n";
    if (verbosity > 0 && e.contains("legs"))
      for (const auto& l : e["legs"])
        std::cout << "    leg " << l["leg"] << " stage " << l["stage"] << " "
                  << l["kind"].get<std::string>() << " " << l["request_uri"].get<std::string>()
                  << " from " << l["from"].get<std::string>() << "\n";
  } else if (ev == "response" && verbosity > 0) {
    std::cout << "    t=" << e["t"] << " " << e["request_uri"].get<std::string>() << " -> "
              << e["status"] << " " << e["reason"].get<std::string>() << "\n";
  } else if (ev == "dial_result") {
    std::cout << "    = " << e["outcome"].get<std::string>();
    if (e.contains("failure_status")) std::cout << " (" << e["failure_status"] << ")";
    std::cout << "\n";
  } else if (ev == "final") {
    std::cout << "  final " << e["status"] << " " << e["reason"].get<std::string>();
    if (e.contains("answered_by"))
      std::cout << " answered by " << e["answered_by"].get<std::string>();
    std::cout << "\n";
  } else if (ev == "call") {
    std::cout << "call " << e["call"].get<std::string>() << " ("
              << e["direction"].get<std::string>() << " " << e["uri"].get<std::string>() << ")\n";
  } else if (ev == "expect") {
    if (e["ok"].get<bool>()) {
      std::cout << "  ok   expectation " << e["where"].get<std::string>() << "\n";
    } else {
      for (const auto& f : e["failures"])
        std::cout << "  FAIL " << e["where"].get<std::string>() << ": " << f.get<std::string>()
                  << "\n";
    }
  } else if (ev == "summary") {
    std::cout << e["calls"] << " calls, " << e["expectations"] << " expectations, " << e["failed"]
              << " failed, " << e["script_errors"] << " script errors\n";
  } else if (ev == "bench") {
    std::cout << "bench: " << e["executions"] << " executions, " << e["per_second"] << "/s, p50 "
              << e["p50_us"] << " us, p99 " << e["p99_us"] << " us\n";
  }
}

int run(const Options& o) {
  if (!o.store.empty())
    throw InputError(
        "--store: reading dial plans from a store is not available yet: the store has no dial "
        "plan table (use a .lua or .json file)\n");
  if (o.plan.empty()) throw InputError("no dial plan given (a .lua or .json file)\n");
  const std::string source = read_text_file(o.plan);
  std::string type = o.type;
  if (type.empty())
    type = ends_with(o.plan, ".lua") ? "lua" : ends_with(o.plan, ".json") ? "wizard" : "";
  if (type.empty())
    throw InputError(o.plan + ": cannot tell the plan type; use --type lua|wizard|dialstring\n");
  Environment env;
  if (!o.env.empty()) env = load_environment(o.env, read_text_file(o.env));
  const std::string name = !env.dialplan_name.empty() ? env.dialplan_name
                           : o.plan == "-"            ? std::string("stdin")
                                                      : stem(o.plan);
  auto compiled = sip::dialer::compile_plan(type, name.empty() ? "plan" : name, source);
  if (!compiled.ok()) {
    std::cerr << sip::wizard::format_diagnostic(o.plan, source, compiled.error.line,
                                                compiled.error.column, compiled.error.message);
    return 1;
  }
  OutcomeTable outcomes;
  if (!o.outcomes.empty()) outcomes = load_outcomes(o.outcomes, read_text_file(o.outcomes));
  std::vector<Call> calls;
  if (!o.calls.empty()) {
    calls = load_calls(o.calls, read_text_file(o.calls));
  } else if (!o.to.empty()) {
    Call c;
    c.id = "call-1";
    c.direction =
        o.direction == "in" ? sip::dialplan::Direction::In : sip::dialplan::Direction::Out;
    c.uri = c.to = o.to;
    c.from = o.from.empty() ? "sip:thisis@anonymous.invalid" : o.from;
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
    Simulator sim(env, outcomes, compiled.plan, nullptr);
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
      print_human(b, o.verbosity);
    else
      std::cout << b.dump() << "\n";
    return 0;
  }

  auto out = [&](Json e) {
    if (o.human)
      print_human(e, o.verbosity);
    else
      std::cout << e.dump() << "\n";
  };
  Simulator sim(env, outcomes, compiled.plan, out);
  int failed = 0, script_errors = 0, checked = 0;
  std::map<std::string, bool> seen;
  for (const auto& c : calls) {
    CallReport r = sim.run(c);
    seen[c.id] = true;
    if (r.kind == "script_error") {
      ++script_errors;
      std::cerr << sip::wizard::format_diagnostic(o.plan, source, r.error_line, 0,
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
                 "dialstring ('-' = stdin)");
  app.add_option("--type", o.type, "plan type when the extension does not tell")
      ->check(CLI::IsMember({"lua", "wizard", "dialstring"}));
  app.add_option("-e,--env", o.env, "environment JSON (accounts, bindings, providers, time)");
  app.add_option("-c,--calls", o.calls, "calls, one JSON object per line ('-' = stdin)");
  app.add_option("-o,--outcomes", o.outcomes, "outcome table JSON (destination -> response)");
  app.add_option("-x,--expect", o.expect, "expectations JSON; failures exit 1");
  app.add_option("--store", o.store, "read the plan from a sipsmith store (not available yet)");
  app.add_option("--owner", o.owner, "with --store: the plan's owner");
  app.add_option("--plan", o.plan_name, "with --store: the plan's name");
  app.add_option("--direction", o.direction, "single call: in or out (default out)")
      ->check(CLI::IsMember({"in", "out"}));
  app.add_option("--to", o.to, "single call: request-URI, e.g. sip:*100@sipsmith.test");
  app.add_option("--from", o.from, "single call: From value");
  app.add_option("--account", o.account,
                 "single call: calling (out) or called (in) account user@domain");
  app.add_option("-H,--header", o.headers, "single call: extra header 'Name: value' (repeatable)");
  app.add_flag("--json", o.json, "NDJSON trace on stdout (the default)");
  app.add_flag("--human", o.human, "human summary instead of NDJSON");
  app.add_option("--bench", o.bench,
                 "run the calls N times without a trace; print executions/s, p50, p99")
      ->check(CLI::Range(1, 10000000));
  app.add_flag("-v,--verbose", o.verbosity, "more detail (repeatable)");
  if (auto exit = sipsmith::cli::parse(app, argc, argv)) return *exit;
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
