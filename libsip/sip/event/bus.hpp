// Bus: where the daemon's parts emit console events and subscribers (the
// control socket's console, the HTTP API's event stream) take them.
// Emitters check wants(type) first: with nobody subscribed to a type that
// is one load and a branch, and nothing is built or allocated.
// A Subscription is a bounded queue: when it is full the oldest event is
// dropped and counted, so a slow reader never slows the emitter nor grows
// memory past its capacity.
// Thread-safety: Bus: core thread only (emit, subscribe, note_call).
// Subscription: take/wait/close from any thread (one mutex per queue).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/event/event.hpp"
#include "sip/event/filter.hpp"

namespace sip {
class Clock;
}

namespace sip::event {

inline constexpr std::size_t kDefaultQueue = 1000;
inline constexpr std::size_t kMaxQueue = 100000;

class Subscription {
 public:
  // `owner` 0: every customer's events (admins); else only that customer's.
  Subscription(Filter filter, std::int64_t owner, std::size_t capacity);

  const Filter& filter() const noexcept { return filter_; }
  std::int64_t owner() const noexcept { return owner_; }
  std::size_t capacity() const noexcept { return capacity_; }

  // Core thread (the Bus): queues `e` when scope and filter match; a full
  // queue drops its oldest. Calls the notify function when the queue was
  // empty since the last take().
  void offer(const std::shared_ptr<const Event>& e);

  struct Batch {
    std::vector<std::shared_ptr<const Event>> events;
    std::uint64_t dropped = 0;        // since the previous take()
    std::uint64_t dropped_total = 0;  // since the subscription started
  };
  // Takes up to `max` queued events (oldest first) and the drop count.
  Batch take(std::size_t max = kMaxQueue);
  // Waits until an event is queued, the subscription closes or `limit`
  // passes; true when something is queued.
  bool wait(std::chrono::milliseconds limit);
  // Ends it; the Bus forgets it at its next emit or subscribe. Any thread.
  void close();
  bool closed() const;
  // Set before subscribing: called on the core thread (inside emit) when
  // an event arrives in an empty queue. Must not emit nor block.
  void set_notify(std::function<void()> notify) { notify_ = std::move(notify); }

 private:
  const Filter filter_;
  const std::int64_t owner_;
  const std::size_t capacity_;
  std::function<void()> notify_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const Event>> queue_;
  std::uint64_t dropped_ = 0, dropped_total_ = 0;
  bool closed_ = false;
};

class Bus {
 public:
  // `wall` stamps events emitted with time 0 (null: the system clock).
  explicit Bus(const Clock* wall = nullptr) : wall_(wall) {}

  bool wants(Type t) const noexcept { return (mask_ & type_bit(t)) != 0; }
  // Delivers `e` to every subscription whose scope and filter match.
  void emit(Event e);
  // A new subscription (capacity clamped to 1..kMaxQueue).
  std::shared_ptr<Subscription> subscribe(Filter filter, std::int64_t owner, std::size_t capacity,
                                          std::function<void()> notify = {});
  // Open subscriptions.
  std::size_t subscribers() const;

  // Whose a Call-ID is (a call's or a leg's), for full SIP traces: noted by
  // the call manager while full traces are wanted, remembered for the last
  // kRememberedCalls Call-IDs. Null when unknown.
  struct Owner {
    std::int64_t id = 0;
    std::string name;
  };
  static constexpr std::size_t kRememberedCalls = 4096;
  void note_call(std::string_view call_id, std::int64_t owner_id, std::string_view owner);
  const Owner* owner_of_call(std::string_view call_id) const;

 private:
  void sweep();
  const Clock* wall_;
  std::uint32_t mask_ = 0;
  std::vector<std::shared_ptr<Subscription>> subs_;
  std::unordered_map<std::string, Owner> call_owners_;
  std::deque<std::string> call_order_;
};

}  // namespace sip::event
