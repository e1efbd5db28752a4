#include "sip/base/timer.hpp"

namespace sip {

TimerId ManualTimerService::start(Duration after, std::function<void()> fn) {
  const TimerId id = next_id_++;
  timers_.emplace(std::make_pair(clock_.now() + after, id), std::move(fn));
  return id;
}

void ManualTimerService::cancel(TimerId id) noexcept {
  for (auto it = timers_.begin(); it != timers_.end(); ++it)
    if (it->first.second == id) {
      timers_.erase(it);
      return;
    }
}

std::size_t ManualTimerService::advance(Duration d) {
  const TimePoint end = clock_.now() + d;
  std::size_t fired = 0;
  while (!timers_.empty() && timers_.begin()->first.first <= end) {
    auto it = timers_.begin();
    const TimePoint due = it->first.first;
    std::function<void()> fn = std::move(it->second);
    timers_.erase(it);
    if (due > clock_.now()) clock_.advance(due - clock_.now());
    fn();
    ++fired;
  }
  if (end > clock_.now()) clock_.advance(end - clock_.now());
  return fired;
}

std::size_t ManualTimerService::run_until_idle(Duration limit) {
  std::size_t fired = 0;
  const TimePoint end = clock_.now() + limit;
  while (!timers_.empty() && timers_.begin()->first.first <= end)
    fired += advance(timers_.begin()->first.first - clock_.now());
  return fired;
}

Duration ManualTimerService::next_due() const noexcept {
  if (timers_.empty()) return Duration::max();
  return timers_.begin()->first.first - clock_.now();
}

}  // namespace sip
