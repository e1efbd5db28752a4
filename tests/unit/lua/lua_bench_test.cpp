// Throughput figure for the report: executions per second of a trivial plan
// (start -> Dial -> resume(Failed) -> Done), one lua_State per execution.
// Prints the figure; asserts only correctness, never time.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "lua_driver.hpp"

namespace sip::lua::test {
namespace {

TEST(LuaBench, TrivialExecutionsPerSecond) {
  Driver d;
  auto plan = d.compile("sys.Dial('100@blueface')");
  const DialResult failed = dial_result(DialOutcome::Failed, 486, "Busy Here");
  constexpr int kRuns = 5000;
  int ok = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    auto ex = plan->new_execution();
    Action a = ex->start(d.ctx);
    if (!std::holds_alternative<Dial>(a)) break;
    a = ex->resume(failed);
    if (std::holds_alternative<Done>(a) && std::get<Done>(a).status == 486) ++ok;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ok, kRuns);
  std::printf(
      "[ figure ] lua trivial plan: %d executions in %.3f s = %.0f executions/s (%.1f us each)\n",
      kRuns, secs, kRuns / secs, secs * 1e6 / kRuns);
}

}  // namespace
}  // namespace sip::lua::test
