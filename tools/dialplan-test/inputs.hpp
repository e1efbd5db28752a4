// dialplan-test inputs: the environment (domains, accounts with bindings,
// providers, time zone, simulated start time), the calls (NDJSON) and the
// expectations, loaded from JSON files with errors that point at
// file:line:col (InputError). The outcome table and the JSON checker are
// libsip's (sip/control/sim_inputs.hpp), shared with sipctl and the
// daemon's dry run. Formats: man/dialplan-test.1.
// Thread-safety: plain values, built once in main.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sip/control/sim_inputs.hpp"
#include "sip/dialer/outcome_table.hpp"
#include "sip/dialer/simulation.hpp"
#include "sip/dialplan/call_context.hpp"

namespace dialplan_test {

using sip::control::InputError;
using sip::control::load_outcomes;
using sip::control::parse_time;
using sip::dialer::compile_match;
using sip::dialer::matches;
using sip::dialer::OutcomeRule;
using sip::dialer::OutcomeTable;

struct EnvBinding {
  std::string contact;  // as registered
  std::string mangled;  // where requests go (default: contact)
  std::string user_agent;
  std::string transport = "udp";
  std::string remote;
  std::int64_t expires_in = 3600;
};

struct EnvAccount {
  sip::dialplan::AccountView view;
  std::string network_id;
  std::vector<EnvBinding> bindings;
};

struct EnvDomain {
  std::string name;
  std::vector<std::string> aliases;
};

// A dial plan of the environment: what a loop-back leg (an account with its
// own in dial plan) runs.
struct EnvPlan {
  std::string owner;  // default: the environment's owner
  std::string name;
  std::string type;  // lua, wizard or dialstring
  std::string source;
};

struct Environment {
  std::string owner = "demo";
  std::string dialplan_name;  // default: the plan file's stem
  std::string time_zone = "UTC";
  std::int64_t start_time = 1704067200;  // 2024-01-01T00:00:00Z
  int max_ring_seconds = 180;
  int max_legs = 20;               // per execution, cumulative over Dials
  std::vector<EnvDomain> domains;  // first = default (alias "local")
  std::vector<EnvAccount> accounts;
  std::vector<sip::dialplan::ProviderView> providers;
  std::vector<EnvPlan> dialplans;
  sip::dialer::FraudConfig fraud;  // redirect/transfer targets, as the daemon's defaults
  std::map<std::string, std::optional<std::string>> web;  // sys.WebGet answers by URL
};

struct Expectation {
  std::string call;
  std::optional<int> status;
  std::optional<std::string> reason;
  std::optional<std::string> kind;  // answered, responded, unanswered, script_error, cancelled
  std::optional<std::string> answered_by;  // glob/regex on the answering leg's URI or destination
  std::optional<std::vector<std::string>> dialled;  // substituted dial strings, in order
  std::vector<std::string> log_contains;
  std::string where;  // "file:line" for messages
};

// One call of the calls file: the simulated call, its inline expectation
// and where it was written.
struct Call : sip::dialer::SimulatedCall {
  std::optional<Expectation> expect;
  std::string where;  // "file:line"
};

std::string read_text_file(const std::string& path);  // "-" = stdin; throws InputError

Environment load_environment(const std::string& path, const std::string& text);
std::vector<Call> load_calls(const std::string& path, const std::string& text);
std::vector<Expectation> load_expectations(const std::string& path, const std::string& text);

}  // namespace dialplan_test
