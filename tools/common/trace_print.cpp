#include "common/trace_print.hpp"

#include <string>

namespace sipsmith::cli {
namespace {

template <class Json>
std::string text(const Json& e, const char* key) {
  const auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->template get<std::string>() : std::string();
}

template <class Json>
void print(std::ostream& out, const Json& e, int verbosity) {
  const std::string ev = text(e, "event");
  if (ev == "log" && verbosity > 0) {
    out << "  log: " << text(e, "text") << "\n";
  } else if (ev == "dial") {
    out << "  dial " << text(e, "substituted");
    if (e.contains("error")) out << " -> error: " << text(e, "error");
    out << "\n";
    if (verbosity > 0 && e.contains("legs"))
      for (const auto& l : e["legs"])
        out << "    leg " << l["leg"] << " stage " << l["stage"] << " " << text(l, "kind") << " "
            << text(l, "request_uri") << " from " << text(l, "from") << "\n";
  } else if (ev == "response" && verbosity > 0) {
    out << "    t=" << e["t"] << " " << text(e, "request_uri") << " -> " << e["status"] << " "
        << text(e, "reason") << "\n";
  } else if (ev == "loopback") {
    out << "    leg " << e["leg"] << " loops back into " << text(e, "account") << "'s plan "
        << text(e, "plan") << " (execution " << e["child"] << ")\n";
  } else if (ev == "dial_result") {
    out << "    = " << text(e, "outcome");
    if (e.contains("failure_status")) out << " (" << e["failure_status"] << ")";
    out << "\n";
  } else if (ev == "final") {
    out << "  final " << e["status"] << " " << text(e, "reason");
    if (e.contains("answered_by")) out << " answered by " << text(e, "answered_by");
    out << "\n";
  } else if (ev == "call") {
    out << "call " << text(e, "call") << " (" << text(e, "direction") << " " << text(e, "uri")
        << ")\n";
  } else if (ev == "truncated") {
    out << "  ... " << e["dropped"] << " more events not shown\n";
  } else if (ev == "expect") {
    if (e["ok"].template get<bool>()) {
      out << "  ok   expectation " << text(e, "where") << "\n";
    } else {
      for (const auto& f : e["failures"])
        out << "  FAIL " << text(e, "where") << ": " << f.template get<std::string>() << "\n";
    }
  } else if (ev == "summary") {
    out << e["calls"] << " calls, " << e["expectations"] << " expectations, " << e["failed"]
        << " failed, " << e["script_errors"] << " script errors\n";
  } else if (ev == "bench") {
    out << "bench: " << e["executions"] << " executions, " << e["per_second"] << "/s, p50 "
        << e["p50_us"] << " us, p99 " << e["p99_us"] << " us\n";
  }
}

}  // namespace

void print_trace_human(std::ostream& out, const nlohmann::json& event, int verbosity) {
  print(out, event, verbosity);
}

void print_trace_human(std::ostream& out, const nlohmann::ordered_json& event, int verbosity) {
  print(out, event, verbosity);
}

}  // namespace sipsmith::cli
