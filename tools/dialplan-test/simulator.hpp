// The offline driver: runs one call through libsip's dial engine
// (dialer::Runner and Forker, exactly as sipproxyd does) over a simulated
// network and clock: each leg is answered from the outcome table after its
// delay in simulated time, and every step is reported as a JSON trace event.
// Legs are resolved by routing::resolve over the environment file.
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
