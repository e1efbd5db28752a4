// One-shot timers on the core thread. Protocol state machines (transactions,
// registrations, keep-alives) start timers through this interface and refer to
// what they guard by id, so tests drive them with ManualTimerService and no
// sleeps. Thread-safety: both implementations belong to one thread (the core
// thread, or the test).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "sip/base/clock.hpp"

namespace sip {

using TimerId = std::uint64_t;  // 0 is never a valid timer

class TimerService {
 public:
  virtual ~TimerService() = default;
  // Runs `fn` once, `after` from now, on the owning thread.
  virtual TimerId start(Duration after, std::function<void()> fn) = 0;
  // Cancels a pending timer: its callback will never run. Unknown or fired
  // ids are ignored.
  virtual void cancel(TimerId id) noexcept = 0;
  virtual const Clock& clock() const noexcept = 0;
};

// Deterministic timers for tests: time only moves in advance(), which fires
// every due timer in deadline order (ties in start order), including timers
// started by callbacks that fall due within the same advance.
class ManualTimerService final : public TimerService {
 public:
  // `unix_start`: what clock().unix_seconds() says before any advance().
  explicit ManualTimerService(std::int64_t unix_start = 1'700'000'000) : clock_(unix_start) {}
  TimerId start(Duration after, std::function<void()> fn) override;
  void cancel(TimerId id) noexcept override;
  const Clock& clock() const noexcept override { return clock_; }

  // Moves time forward by `d`, firing due timers; returns how many fired.
  std::size_t advance(Duration d);
  // Fires timers until none is left or `limit` time has passed.
  std::size_t run_until_idle(Duration limit);
  std::size_t pending() const noexcept { return timers_.size(); }
  // Time until the next timer, or Duration::max() when none is pending.
  Duration next_due() const noexcept;
  ManualClock& manual_clock() noexcept { return clock_; }

 private:
  ManualClock clock_;
  TimerId next_id_ = 1;
  // (deadline, id) keeps deadline order with ties in start order.
  std::map<std::pair<TimePoint, TimerId>, std::function<void()>> timers_;
};

}  // namespace sip
