// Simulation: runs one call through the dial engine (Runner and Forker,
// exactly as sipproxyd does) over a simulated network and clock: each leg is
// answered from an OutcomeTable after its delay in simulated time, nothing
// goes on the wire, and every step is reported as a typed trace event.
// Drivers: dialplan-test (environment file or a store) and the daemon's dry
// run (control "dialplan.test", over its real Directory and bindings).
// Bounded: at most `max_actions` actions and `max_legs` legs per execution,
// 24 h of simulated time, and an optional budget of real time.
// Thread-safety: one thread; the Lookups, the table and the plan must
// outlive the Simulation.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/dialer/fraud_guard.hpp"
#include "sip/dialer/lookups.hpp"
#include "sip/dialer/outcome_table.hpp"
#include "sip/dialer/trace.hpp"
#include "sip/dialplan/execution.hpp"
#include "sip/store/types.hpp"

namespace sip::dialer {

// What one simulated call runs under (per Simulation, shared by its calls).
struct SimulationSetup {
  std::string owner;                     // customer username (sys.Username)
  store::Id owner_id = 0;                // whose providers the routing sees
  std::string dialplan_name;             // empty: the compiled plan's name
  std::string time_zone = "UTC";         // the owner's IANA zone
  std::int64_t start_time = 1704067200;  // simulated unix seconds (a call's `at` wins)
  int max_ring_seconds = 180;
  std::size_t max_legs = 20;                      // per execution, over all its Dials
  std::size_t max_actions = 10000;                // per execution
  std::vector<dialplan::ProviderView> providers;  // the owner's (sys.Providers)
  // Only the owner's accounts may be the call's account (multi-tenant dry
  // runs); otherwise any account the Lookups know.
  bool own_accounts_only = false;
  // Real time one call may take (checked between simulated events); zero:
  // no limit. Over it, the call is stopped like a plan that never ends.
  std::chrono::milliseconds wall_budget{0};
  std::string label = "dialplan-test";  // names the simulator in messages
  // The fraud guard of redirect and transfer targets (fraud_guard.hpp),
  // shared by the calls of one Simulation.
  FraudConfig fraud;
  // sys.WebGet answers by exact URL: a body, or nullopt for a failed
  // request. A URL not listed fails ("offline").
  std::map<std::string, std::optional<std::string>> web;
};

// One simulated incoming call.
struct SimulatedCall {
  std::string id = "call-1";
  dialplan::Direction direction = dialplan::Direction::Out;
  std::string uri;                   // request-URI
  std::string from;                  // whole From value (empty: default_from())
  std::string to;                    // whole To value (empty: the request-URI)
  std::string account;               // "user@domain": calling (out) / called (in) account
  std::vector<std::string> headers;  // "Name: value"
  std::string content_type;
  std::string body;
  std::optional<std::int64_t> at;  // start time override (unix seconds)
  // A simulated REFER (docs/transfers.md): the plan runs as the owner's
  // "transfer" plan, `uri` being the Refer-To URI; its Dials are guarded
  // (fraud_guard.hpp).
  bool transfer = false;
};

// The From of a call given without one: an Out call from an account comes
// from that account's address, anything else from the anonymous address.
std::string default_from(const SimulatedCall& call);

// What one simulated call came to.
struct SimulationReport {
  std::string id;
  int status = 0;
  std::string reason;
  std::string kind;                  // dialplan::done_kind_name
  std::string answered_uri;          // request-URI of the answering leg
  std::string answered_destination;  // its destination as written
  std::vector<std::string> dialled;  // substituted dial strings, in order
  std::vector<std::string> logs;
  std::string error_message;  // script errors
  int error_line = 0;
};

class Simulation {
 public:
  using Sink = std::function<void(trace::Event)>;  // may be empty (no trace)

  Simulation(SimulationSetup setup, Lookups& lookups, const OutcomeTable& outcomes,
             std::shared_ptr<const dialplan::CompiledPlan> plan, Sink sink);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs one call to its end. The key/value store is per Simulation (in
  // memory, empty at first); HTTP requests are refused.
  SimulationReport run(const SimulatedCall& call);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::dialer
