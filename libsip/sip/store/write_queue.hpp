// Group commit off the core thread. Jobs submitted from the core thread run on
// the queue's own thread against its own Store (connection); everything queued
// when the thread wakes runs in one transaction (each job inside a SAVEPOINT,
// so one failing job does not undo the others), then each job's `done` is
// handed to `post` (the core loop's post) with that job's result. A 200 OK to
// a REGISTER is sent from `done`, so an acknowledged binding is on disk.
// Thread-safety: submit(), flush(), stats() from any thread; `done` runs
// wherever `post` runs it. The queue is bounded: submit() beyond `max_queue`
// fails at once with limit_reached (the caller answers 503/500, nothing is lost
// silently). The destructor drains the queue (graceful stop loses nothing).
//
// An unreachable store (a batch whose transaction fails with Errc::network or
// Errc::timed_out: PostgreSQL down, restarting, or its port dropping
// packets) does not fail the writes: the batch is kept and retried, in
// order, every `retry_interval`, and later jobs queue behind it (bounded by
// max_queue; submit() then fails with "the write queue is full while the
// store is unavailable"). Jobs held that way are acknowledged at once
// (`done` gets ok, the daemon keeps working from memory) and replayed when
// the store answers again (later jobs are acknowledged at submit until less
// than one batch waits, so they do not wait behind the replay); a replayed
// job that then fails is logged and counted (failed_after_ack). SQLite never reports those errors.
//
// A store that hangs (PostgreSQL frozen, or its port dropping packets) is
// only found out by a deadline, which can be seconds. With `ack_after` set,
// a batch that has waited longer than that puts the queue in the same state
// at once: its jobs and every job behind it are acknowledged and kept for
// replay, so answers (a REGISTER's 200) wait at most about `ack_after`. 0
// (the default, and SQLite's) waits for the batch however long it takes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "sip/base/result.hpp"
#include "sip/store/store.hpp"

namespace sip::store {

struct WriteQueueOptions {
  std::size_t max_queue = 100000;                 // jobs waiting (not yet committed)
  std::size_t max_batch = 2000;                   // jobs per transaction
  std::chrono::milliseconds linger{0};            // extra wait to grow a batch (0 = none)
  std::chrono::milliseconds retry_interval{500};  // while the store is unavailable
  std::chrono::milliseconds ack_after{0};         // a batch waiting longer: acknowledge (0 = never)
};

struct WriteQueueStats {
  std::uint64_t submitted = 0;
  std::uint64_t committed = 0;  // jobs whose transaction committed
  std::uint64_t failed = 0;     // jobs that returned an error or whose commit failed
  std::uint64_t rejected = 0;   // submit() refused: queue full or stopped
  std::uint64_t batches = 0;
  std::size_t queued = 0;              // now waiting
  bool unavailable = false;            // the store did not answer the last attempt
  std::uint64_t outages = 0;           // times it became unavailable (incl. stalls)
  std::uint64_t stalls = 0;            // of those, batches that outlived ack_after
  std::uint64_t retries = 0;           // batch attempts while unavailable
  std::uint64_t acked_early = 0;       // jobs acknowledged before their commit
  std::uint64_t failed_after_ack = 0;  // of those, replays that failed (logged)
};

class WriteQueue {
 public:
  using Job = std::function<Result<void>(Store&)>;
  using Done = std::function<void(Result<void>)>;
  using Post = std::function<void(std::function<void()>)>;

  // Opens the writer's Store with `factory` on the new thread. Fails when the
  // factory fails (the thread is not left running).
  static Result<std::unique_ptr<WriteQueue>> start(StoreFactory factory, Post post,
                                                   WriteQueueOptions options = {});
  virtual ~WriteQueue() = default;

  // `done` may be empty. Returns limit_reached when full or stopping (then
  // `done` is not called).
  virtual Result<void> submit(Job job, Done done = {}) = 0;
  // Blocks until every job submitted before the call is committed or failed
  // and its `done` has been handed to `post`. Not from the writer thread (a
  // `done` run inline by `post`): that would wait for itself.
  virtual void flush() = 0;
  // Drains, commits and joins the thread; later submits fail. Idempotent.
  virtual void stop() = 0;
  virtual WriteQueueStats stats() const = 0;
};

}  // namespace sip::store
