#include "sip/transport/event_loop.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_map>
#include <vector>

namespace sip::transport {

namespace asio = boost::asio;

namespace {
// Re-arms itself after each signal; owned by the loop, so `this` stays valid.
struct SignalWatch {
  SignalWatch(asio::io_context& io, std::function<void(int)> f) : set(io), fn(std::move(f)) {}
  void arm() {
    set.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      fn(sig);
      arm();
    });
  }
  asio::signal_set set;
  std::function<void(int)> fn;
};
}  // namespace

struct EventLoop::Impl {
  asio::io_context io{1};
  std::unordered_map<TimerId, std::unique_ptr<asio::steady_timer>> timers;
  TimerId next_timer = 1;
  std::vector<std::unique_ptr<SignalWatch>> signal_sets;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::run() {
  // Keep running while nothing is pending (listeners start async work later).
  auto guard = asio::make_work_guard(impl_->io);
  impl_->io.run();
}

void EventLoop::run_for(Duration max) {
  impl_->io.restart();
  impl_->io.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(max));
}

bool EventLoop::run_until(const std::function<bool()>& done, Duration max) {
  // Slices of at most 10 ms, so that a condition that no handler of this
  // loop changes (a test's raw socket, another thread) is still seen soon.
  constexpr Duration kSlice = std::chrono::milliseconds(10);
  const TimePoint end = clock_.now() + max;
  impl_->io.restart();
  auto guard = asio::make_work_guard(impl_->io);
  for (;;) {
    if (done()) return true;  // evaluated once per round: it may consume state
    const TimePoint now = clock_.now();
    if (now >= end) return false;
    const Duration slice = std::min<Duration>(end - now, kSlice);
    impl_->io.run_one_for(std::chrono::duration_cast<std::chrono::nanoseconds>(slice));
  }
}

void EventLoop::stop() {
  impl_->io.stop();
}
bool EventLoop::stopped() const noexcept {
  return impl_->io.stopped();
}

void EventLoop::post(std::function<void()> fn) {
  asio::post(impl_->io, std::move(fn));
}

void EventLoop::on_signals(std::initializer_list<int> signals, std::function<void(int)> fn) {
  auto watch = std::make_unique<SignalWatch>(impl_->io, std::move(fn));
  for (int s : signals) watch->set.add(s);
  watch->arm();
  impl_->signal_sets.push_back(std::move(watch));
}

TimerId EventLoop::start(Duration after, std::function<void()> fn) {
  const TimerId id = impl_->next_timer++;
  auto timer = std::make_unique<asio::steady_timer>(impl_->io);
  timer->expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(after));
  timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled
    impl_->timers.erase(id);
    fn();
  });
  impl_->timers.emplace(id, std::move(timer));
  return id;
}

void EventLoop::cancel(TimerId id) noexcept {
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) return;
  it->second->cancel();
  impl_->timers.erase(it);
}

void* EventLoop::native() noexcept {
  return &impl_->io;
}

}  // namespace sip::transport
