// CoreBridge: runs a function on the core thread for an HTTP worker thread
// and waits (bounded) for its answer, as the control socket's commands run.
// close() (core thread or any) releases every waiting worker with nullopt,
// so stopping the HTTP server from the core thread cannot deadlock on
// workers waiting for that thread. Thread-safety: all members thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace sip::http {

class CoreBridge {
 public:
  using Post = std::function<void(std::function<void()>)>;
  explicit CoreBridge(Post post) : post_(std::move(post)) {}

  // Runs `fn` on the core thread; its value, or nullopt after `limit` or
  // when closed. `fn` may still run after a timeout (its value is dropped).
  template <class T>
  std::optional<T> run(std::function<T()> fn, std::chrono::milliseconds limit);

  void close();

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
  };
  Post post_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

template <class T>
std::optional<T> CoreBridge::run(std::function<T()> fn, std::chrono::milliseconds limit) {
  struct Slot {
    std::optional<T> value;
    bool done = false;
  };
  auto slot = std::make_shared<Slot>();
  auto shared = shared_;
  {
    std::lock_guard lock(shared->mu);
    if (shared->closed) return std::nullopt;
  }
  post_([slot, shared, fn = std::move(fn)] {
    {
      std::lock_guard lock(shared->mu);
      if (shared->closed) return;
    }
    T value = fn();
    std::lock_guard lock(shared->mu);
    slot->value = std::move(value);
    slot->done = true;
    shared->cv.notify_all();
  });
  std::unique_lock lock(shared->mu);
  shared->cv.wait_for(lock, limit, [&] { return slot->done || shared->closed; });
  if (!slot->done) return std::nullopt;
  return std::move(slot->value);
}

inline void CoreBridge::close() {
  std::lock_guard lock(shared_->mu);
  shared_->closed = true;
  shared_->cv.notify_all();
}

}  // namespace sip::http
