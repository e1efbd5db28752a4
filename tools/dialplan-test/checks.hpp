// Expectation checks of dialplan-test (--expect and inline "expect"):
// compares a SimulationReport with an Expectation and lists what differs.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "inputs.hpp"
#include "sip/dialer/simulation.hpp"

namespace dialplan_test {

// One line per mismatch, e.g. "status: expected 486, got 200"; empty = met.
std::vector<std::string> check_expectation(const Expectation& expect,
                                           const sip::dialer::SimulationReport& report);

}  // namespace dialplan_test
