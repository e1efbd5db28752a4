// The WriteQueue: one writer thread with its own Store, group commit (one
// transaction per wake-up, a savepoint per job) and in-order completion; with
// ack_after, a watchdog thread that acknowledges the writes of a batch that
// hangs.
#include "sip/store/write_queue.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sip/base/log.hpp"

namespace sip::store {
namespace {

class WriteQueueImpl final : public WriteQueue {
 public:
  WriteQueueImpl(Post post, WriteQueueOptions options) : post_(std::move(post)), options_(options) {
    if (options_.max_batch == 0) options_.max_batch = 1;
  }
  ~WriteQueueImpl() override { stop(); }

  // Runs on the new thread until the store is open (or failed to open).
  Result<void> launch(StoreFactory factory) {
    std::promise<Result<void>> opened;
    auto ready = opened.get_future();
    thread_ = std::thread([this, &factory, &opened] {
      auto store =
          factory
              ? factory()
              : Result<std::unique_ptr<Store>>(make_error(Errc::bad_config, 0, "no store factory"));
      if (!store) {
        opened.set_value(store.error());
        return;
      }
      store_ = std::move(*store);
      opened.set_value(Result<void>{});
      run();
      store_.reset();  // the connection closes on its own thread
    });
    auto r = ready.get();
    if (!r) {
      thread_.join();
      std::lock_guard lock(mu_);
      stopping_ = true;
      return r;
    }
    if (options_.ack_after.count() > 0) watchdog_ = std::thread([this] { watch(); });
    return r;
  }

  Result<void> submit(Job job, Done done) override {
    std::vector<Done> acks;
    {
      std::lock_guard lock(mu_);
      if (stopping_ || pending_ >= options_.max_queue) {
        ++stats_.rejected;
        return make_error(Errc::limit_reached, 0,
                          stopping_      ? "the write queue is stopped"
                          : unavailable_ ? "the write queue is full while the store is unavailable"
                                         : "the write queue is full");
      }
      Entry e{std::move(job), std::move(done), false};
      if (unavailable_) early_ack(e, acks);  // the daemon goes on from memory
      queue_.push_back(std::move(e));
      ++pending_;
      ++submitted_;
      ++stats_.submitted;
    }
    deliver(acks);
    work_cv_.notify_one();
    return {};
  }

  void flush() override {
    std::unique_lock lock(mu_);
    const std::uint64_t target = submitted_;
    // While the store is unavailable every waiting job is acknowledged
    // already: flush does not wait for the database to come back.
    progress_cv_.wait(lock,
                      [&] { return finished_ >= target || (unavailable_ && undelivered_ == 0); });
  }

  void stop() override {
    std::call_once(stop_once_, [this] {
      {
        std::lock_guard lock(mu_);
        stopping_ = true;
      }
      work_cv_.notify_one();
      if (thread_.joinable()) thread_.join();
      {
        std::lock_guard lock(mu_);
        watch_stop_ = true;
      }
      watch_cv_.notify_one();
      if (watchdog_.joinable()) watchdog_.join();
    });
  }

  WriteQueueStats stats() const override {
    std::lock_guard lock(mu_);
    WriteQueueStats s = stats_;
    s.queued = pending_;
    s.unavailable = unavailable_;
    return s;
  }

 private:
  struct Entry {
    Job job;
    Done done;
    bool acked = false;  // `done` already ran with ok (the store was unavailable)
  };

  // Under mu_: marks the job acknowledged and takes its `done` (deliver()
  // hands it to `post` with ok, outside the lock); the job stays queued for
  // its replay.
  void early_ack(Entry& e, std::vector<Done>& out) {
    e.acked = true;
    ++stats_.acked_early;
    if (e.done) {
      out.push_back(std::move(e.done));
      ++undelivered_;
    }
    e.done = nullptr;
  }
  // Without mu_: hands the taken `done`s to post, then lets flush() go on.
  void deliver(std::vector<Done>& acks) {
    if (acks.empty()) return;
    for (auto& done : acks) {
      if (post_) {
        post_([d = std::move(done)] { d(Result<void>{}); });
      } else {
        done(Result<void>{});
      }
    }
    {
      std::lock_guard lock(mu_);
      undelivered_ -= acks.size();
    }
    acks.clear();
    progress_cv_.notify_all();
  }

  // Under mu_: the store did not answer (`why`); acknowledges the batch in
  // flight and everything queued behind it (into `acks` for deliver()).
  void become_unavailable(const std::string& why, std::vector<Done>& acks) {
    if (!unavailable_) {
      unavailable_ = true;
      ++stats_.outages;
      log(LogLevel::Error, "store",
          "the store is unavailable (" + why + "): writes are queued and replayed when it answers");
    }
    for (auto& e : batch_)
      if (!e.acked) early_ack(e, acks);
    for (auto& e : queue_)
      if (!e.acked) early_ack(e, acks);
    progress_cv_.notify_all();  // flush() waits no longer once delivered
  }

  // The watchdog thread: a batch in flight longer than ack_after while the
  // store was available makes it unavailable (the writer thread is blocked
  // in the store until its deadline). It touches only the entries' `done`
  // and `acked`, under mu_; the writer reads their `job` meanwhile.
  void watch() {
    std::unique_lock lock(mu_);
    while (!watch_stop_) {
      if (!in_flight_ || unavailable_) {
        watch_cv_.wait(lock);
        continue;
      }
      const auto due = batch_started_ + options_.ack_after;
      if (std::chrono::steady_clock::now() < due) {
        watch_cv_.wait_until(lock, due);
        continue;
      }
      ++stats_.stalls;
      std::vector<Done> acks;
      become_unavailable(
          "a write has waited over " + std::to_string(options_.ack_after.count()) + " ms", acks);
      lock.unlock();
      deliver(acks);
      lock.lock();
    }
  }

  static bool unreachable(const Result<void>& r) {
    return !r && (r.error().code == Errc::network || r.error().code == Errc::timed_out);
  }

  void run() {
    std::vector<Result<void>> results;
    int attempts_at_stop = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        if (batch_.empty()) {
          work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;  // stopping and drained
          if (options_.linger.count() > 0 && queue_.size() < options_.max_batch && !stopping_) {
            work_cv_.wait_for(lock, options_.linger,
                              [&] { return stopping_ || queue_.size() >= options_.max_batch; });
          }
          const std::size_t n = std::min(queue_.size(), options_.max_batch);
          for (std::size_t i = 0; i < n; ++i) {
            batch_.push_back(std::move(queue_.front()));
            queue_.pop_front();
          }
        }
        in_flight_ = true;
        batch_started_ = std::chrono::steady_clock::now();
      }
      watch_cv_.notify_one();
      const Result<void> outcome = run_batch(batch_, results);
      std::unique_lock lock(mu_);
      in_flight_ = false;
      if (unreachable(outcome)) {
        // Keep the batch (in order, ahead of the queue) and try again; a
        // stop gives up after a few attempts (what is left is logged).
        std::vector<Done> acks;
        ++stats_.retries;
        become_unavailable(std::string(outcome.error().detail), acks);
        lock.unlock();
        deliver(acks);
        lock.lock();
        if (stopping_ && ++attempts_at_stop > 3) {
          const std::size_t lost = batch_.size() + queue_.size();
          log(LogLevel::Error, "store",
              "stopping while the store is unavailable: " + std::to_string(lost) +
                  " acknowledged writes were not stored");
          stats_.failed_after_ack += lost;
          finished_ += lost;
          pending_ -= lost;
          queue_.clear();
          batch_.clear();
          progress_cv_.notify_all();
          return;
        }
        work_cv_.wait_for(lock, options_.retry_interval, [&] { return stopping_; });
        results.clear();
        continue;
      }
      // It answered (a commit, or an error of its own). Writes stay
      // acknowledged at submit until what waits is down to one batch, so
      // answers after an outage do not wait behind the whole replay.
      if (unavailable_ && queue_.size() < options_.max_batch) {
        unavailable_ = false;
        log(LogLevel::Info, "store", "the store answers again: queued writes replayed");
      }
      lock.unlock();
      finish(batch_, results);
      lock.lock();
      batch_.clear();
      results.clear();
    }
  }

  static Result<void> run_job(Store& store, const Job& job) {
    if (!job) return {};
    try {
      return store.transaction([&] { return job(store); });
    } catch (const std::exception&) {
      // Jobs should not throw; one that does fails alone.
      return make_error(Errc::storage, 0, "a store job threw an exception");
    }
  }

  // One transaction; each job in its own savepoint (nested transaction).
  // The transaction's own result (BEGIN/COMMIT).
  Result<void> run_batch(const std::vector<Entry>& batch, std::vector<Result<void>>& results) {
    results.assign(batch.size(), Result<void>{});
    auto outcome = store_->transaction([&]() -> Result<void> {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        results[i] = run_job(*store_, batch[i].job);
        // The connection went: the rest would fail the same way.
        if (unreachable(results[i])) return results[i];
      }
      return {};
    });
    if (!outcome) {
      // BEGIN or COMMIT failed: nothing of the batch is on disk.
      for (auto& r : results) r = outcome;
    }
    return outcome;
  }

  void finish(std::vector<Entry>& batch, const std::vector<Result<void>>& results) {
    std::uint64_t ok = 0;
    std::uint64_t lost = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i]) ++ok;
      if (batch[i].acked) {
        if (!results[i]) {
          ++lost;
          log(LogLevel::Error, "store",
              "a write acknowledged while the store was unavailable failed on replay: " +
                  std::string(results[i].error().detail));
        }
        continue;
      }
      if (!batch[i].done) continue;
      if (post_) {
        post_([done = std::move(batch[i].done), r = results[i]] { done(r); });
      } else {
        batch[i].done(results[i]);
      }
    }
    {
      std::lock_guard lock(mu_);
      stats_.committed += ok;
      stats_.failed += batch.size() - ok;
      stats_.failed_after_ack += lost;
      ++stats_.batches;
      pending_ -= batch.size();
      finished_ += batch.size();
    }
    progress_cv_.notify_all();
  }

  Post post_;
  WriteQueueOptions options_;
  std::unique_ptr<Store> store_;  // used by the writer thread only
  std::thread thread_;
  std::thread watchdog_;  // with ack_after only
  std::once_flag stop_once_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable progress_cv_;
  std::condition_variable watch_cv_;
  std::deque<Entry> queue_;
  // The batch the writer works on: filled and cleared by the writer under
  // mu_; while in_flight_, the writer reads the jobs without the lock and the
  // watchdog may acknowledge the entries (done/acked) under it.
  std::vector<Entry> batch_;
  bool in_flight_ = false;
  std::chrono::steady_clock::time_point batch_started_;
  bool watch_stop_ = false;
  bool stopping_ = false;
  bool unavailable_ = false;     // the last batch found the store unreachable
  std::size_t undelivered_ = 0;  // early acknowledgements not yet handed to post
  std::size_t pending_ = 0;      // submitted, not yet finished
  std::uint64_t submitted_ = 0;  // jobs are finished in submit order
  std::uint64_t finished_ = 0;
  WriteQueueStats stats_;
};

}  // namespace

Result<std::unique_ptr<WriteQueue>> WriteQueue::start(StoreFactory factory, Post post,
                                                      WriteQueueOptions options) {
  auto queue = std::make_unique<WriteQueueImpl>(std::move(post), options);
  if (auto r = queue->launch(std::move(factory)); !r) return r.error();
  return std::unique_ptr<WriteQueue>(std::move(queue));
}

}  // namespace sip::store
