// The core thread's event loop: one Asio io_context behind a small interface
// so that only the transport's .cpp files include Asio. It runs I/O, timers
// (it is a TimerService), posted work and signal handlers, all on the thread
// that calls run(). post() and stop() may be called from any thread; every
// other member belongs to the loop's thread.
#pragma once

#include <functional>
#include <memory>

#include "sip/base/clock.hpp"
#include "sip/base/timer.hpp"

namespace sip::transport {

class EventLoop final : public TimerService {
 public:
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until stop() or until no work is left.
  void run();
  // Runs ready handlers for at most `max` time, then returns (tests, tools).
  void run_for(Duration max);
  // Runs until `done()` is true (checked after each handler and at least
  // every 10 ms) or `max` passes.
  // Returns done(). For tests and one-shot tools; never used inside handlers.
  bool run_until(const std::function<bool()>& done, Duration max);
  void stop();  // thread-safe
  bool stopped() const noexcept;
  void post(std::function<void()> fn);  // thread-safe

  // Calls fn(signal) on the loop thread for each SIGINT/SIGTERM/SIGHUP (as
  // listed) received while the loop runs.
  void on_signals(std::initializer_list<int> signals, std::function<void(int)> fn);

  // TimerService.
  TimerId start(Duration after, std::function<void()> fn) override;
  void cancel(TimerId id) noexcept override;
  const Clock& clock() const noexcept override { return clock_; }

  // The io_context, as an opaque pointer for transport internals.
  void* native() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SteadyClock clock_;
};

}  // namespace sip::transport
