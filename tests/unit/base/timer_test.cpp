#include "sip/base/timer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sip {
namespace {

using namespace std::chrono_literals;

TEST(ManualTimers, FireInDeadlineOrderWithTiesInStartOrder) {
  ManualTimerService t;
  std::vector<int> order;
  t.start(2s, [&] { order.push_back(2); });
  t.start(1s, [&] { order.push_back(1); });
  t.start(1s, [&] { order.push_back(11); });
  EXPECT_EQ(t.advance(999ms), 0u);
  EXPECT_EQ(t.advance(1ms), 2u);
  EXPECT_EQ(order, (std::vector<int>{1, 11}));
  EXPECT_EQ(t.advance(1s), 1u);
  EXPECT_EQ(order, (std::vector<int>{1, 11, 2}));
  EXPECT_EQ(t.clock().now().time_since_epoch(), 2s);
}

TEST(ManualTimers, CallbacksSeeTheirDeadlineAndMayStartTimers) {
  ManualTimerService t;
  std::vector<Duration> seen;
  std::function<void()> tick = [&] {
    seen.push_back(t.clock().now().time_since_epoch());
    if (seen.size() < 3) t.start(500ms, tick);
  };
  t.start(500ms, tick);
  EXPECT_EQ(t.advance(10s), 3u);
  EXPECT_EQ(seen, (std::vector<Duration>{500ms, 1000ms, 1500ms}));
  EXPECT_EQ(t.pending(), 0u);
}

TEST(ManualTimers, CancelAndNextDue) {
  ManualTimerService t;
  bool fired = false;
  const TimerId id = t.start(1s, [&] { fired = true; });
  EXPECT_EQ(t.next_due(), 1s);
  t.cancel(id);
  t.cancel(id);     // twice is harmless
  t.cancel(12345);  // unknown is harmless
  EXPECT_EQ(t.advance(5s), 0u);
  EXPECT_FALSE(fired);
  EXPECT_EQ(t.next_due(), Duration::max());
  t.start(3s, [] {});
  EXPECT_EQ(t.run_until_idle(10s), 1u);
  EXPECT_EQ(t.clock().now().time_since_epoch(), 8s);
}

}  // namespace
}  // namespace sip
