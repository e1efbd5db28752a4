#include "checks.hpp"

namespace dialplan_test {

namespace {
std::string list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
  return s + "]";
}
}  // namespace

std::vector<std::string> check_expectation(const Expectation& x,
                                           const sip::dialer::SimulationReport& r) {
  std::vector<std::string> out;
  if (x.status && *x.status != r.status)
    out.push_back("status: expected " + std::to_string(*x.status) + ", got " +
                  std::to_string(r.status) + " " + r.reason);
  if (x.reason && *x.reason != r.reason)
    out.push_back("reason: expected \"" + *x.reason + "\", got \"" + r.reason + "\"");
  if (x.kind && *x.kind != r.kind) out.push_back("kind: expected " + *x.kind + ", got " + r.kind);
  if (x.answered_by) {
    auto re = compile_match(*x.answered_by);
    if (r.answered_uri.empty()) {
      out.push_back("answered_by: expected \"" + *x.answered_by + "\", nothing answered");
    } else if (!matches(*re, r.answered_uri) && !matches(*re, r.answered_destination)) {
      out.push_back("answered_by: expected \"" + *x.answered_by + "\", answered by " +
                    r.answered_uri + " (" + r.answered_destination + ")");
    }
  }
  if (x.dialled && *x.dialled != r.dialled)
    out.push_back("dialled: expected " + list(*x.dialled) + ", got " + list(r.dialled));
  for (const auto& want : x.log_contains) {
    bool found = false;
    for (const auto& l : r.logs) found = found || l.find(want) != std::string::npos;
    if (!found) out.push_back("log_contains: no log line contains \"" + want + "\"");
  }
  return out;
}

}  // namespace dialplan_test
