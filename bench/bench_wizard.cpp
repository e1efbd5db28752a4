// bench_wizard: executions per second and p50/p99 latency of a 20-rule
// simple wizard plan (the figure scripts/bench-plans prints). A plain timing loop, no
// assertions: each execution starts, walks its matching rules, answers the
// first two Dials with a failure and the third with an answer (or ends
// unanswered), exactly as a driver would. Prints one JSON line.
// Usage: bench_wizard [executions]   (default 200000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sip/base/clock.hpp"
#include "sip/wizard/wizard_plan.hpp"

namespace {

namespace dp = sip::dialplan;

std::string twenty_rules() {
  std::string doc = R"({"format":"sipsmith-wizard","version":1,"rules":[)";
  const char* providers[] = {"blueface", "faktortel", "callcentric", "voipms"};
  for (int i = 0; i < 20; ++i) {
    if (i) doc += ",";
    std::string rule;
    switch (i % 5) {
      case 0:
        rule = R"({"direction":"out","pattern_type":"exact","pattern":"*1)" +
               std::to_string(10 + i) + R"(","command":"dial","destination":"08710001)" +
               std::to_string(10 + i) + R"(","provider":"blueface")";
        break;
      case 1:
        rule = R"({"direction":"out","pattern_type":"prefix","pattern":"0113)" + std::to_string(i) +
               R"(XN","command":"dial","provider":")" + providers[i % 4] + R"(")";
        break;
      case 2:
        rule =
            R"({"direction":"out","pattern_type":"regex","pattern":"^1(800|888|87)" +
            std::to_string(i % 10) +
            R"()[0-9]{7}$","command":"dial_advanced","dial_string":"${dst}@a|${dst}@b[dt=5]","ring_seconds":30)";
        break;
      case 3:
        rule =
            R"({"direction":"in","to_match":"account","to":"provider)" + std::to_string(i) +
            R"(@local","pattern":"^sip:00353","time":"MTuWThF;09:00-17:30","command":"dial","destination":"mine","provider":"local")";
        break;
      default:
        rule =
            R"({"direction":"out","pattern_type":"prefix","pattern":"Z","command":"dial","provider":")" +
            std::string(providers[i % 4]) + R"(")";
        break;
    }
    doc += rule + R"(,"priority":)" + std::to_string(i) + "}";
  }
  return doc + "]}";
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 200000;
  auto compiled = sip::wizard::WizardCompiler().compile("bench", twenty_rules());
  if (!compiled.ok()) {
    std::fprintf(stderr, "bench_wizard: %s\n", compiled.error.message.c_str());
    return 2;
  }
  sip::ManualClock clock(1719835200);
  const char* numbers[] = {"*110", "0113612", "18001234567", "5551234", "0115999"};
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  long dials = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    const auto a0 = std::chrono::steady_clock::now();
    dp::CallContext ctx;
    ctx.direction = dp::Direction::Out;
    ctx.request.uri = dp::split_uri(std::string("sip:") + numbers[i % 5] + "@sipsmith.test");
    ctx.clock = &clock;
    auto ex = compiled.plan->new_execution();
    dp::Action a = ex->start(std::move(ctx));
    int dialled = 0;
    while (!std::holds_alternative<dp::Done>(a)) {
      if (std::holds_alternative<dp::Dial>(a)) {
        ++dials;
        dp::DialResult r;
        r.outcome = ++dialled >= 3 ? dp::DialOutcome::Answered : dp::DialOutcome::Failed;
        r.failure_status = 486;
        a = ex->resume(std::move(r));
      } else {
        a = ex->resume(dp::Ack{});
      }
    }
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a0).count());
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(us.begin(), us.end());
  std::printf(
      "{\"bench\":\"wizard_20_rules\",\"executions\":%ld,\"dials\":%ld,\"per_second\":%.0f,"
      "\"p50_us\":%.2f,\"p99_us\":%.2f}\n",
      n, dials, static_cast<double>(n) / total, us[us.size() / 2], us[us.size() * 99 / 100]);
  return 0;
}
