// The offline driver: runs one call through a dial plan Execution the way
// the daemon's call manager would, answering every Dial from the outcome
// table in simulated time (stages, parallel legs, dt delays, ring timeout,
// first 2xx wins, 3xx -> Redirect, rm=n -> a second execution), and reports
// each step as a JSON trace event. Legs are resolved from the environment
// (served domains and accounts with bindings, providers, anything else as a
// plain SIP URI) per behaviour reference 2.2.
// Thread-safety: one Simulator per thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "sip/dialplan/execution.hpp"

namespace dialplan_test {

using Json = nlohmann::ordered_json;

// What one simulated call came to.
struct CallReport {
  std::string id;
  int status = 0;
  std::string reason;
  std::string kind;                  // done_kind_name
  std::string answered_uri;          // request-URI of the answering leg
  std::string answered_destination;  // its destination as written
  std::vector<std::string> dialled;  // substituted dial strings, in order
  std::vector<std::string> logs;
  std::string error_message;  // script errors
  int error_line = 0;
  int actions = 0;
};

class Simulator {
 public:
  using Sink = std::function<void(Json)>;

  Simulator(const Environment& env, const OutcomeTable& outcomes,
            std::shared_ptr<const sip::dialplan::CompiledPlan> plan, Sink sink);
  ~Simulator();

  CallReport run(const Call& call);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dialplan_test
