// The WriteQueue over a real SQLite file: group commit, per-job savepoints,
// in-order completion, flush, stop, bounds, commit failure.
#include "sip/store/write_queue.hpp"

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using namespace std::chrono_literals;

// Holds the writer thread inside one job until the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;

  WriteQueue::Job job() {
    return [this](Store&) -> Result<void> {
      std::unique_lock lock(mu);
      entered = true;
      cv.notify_all();
      cv.wait_for(lock, 10s, [&] { return open; });
      return {};
    };
  }
  bool wait_entered() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

// Records `done` results in call order (post runs them inline).
struct Recorder {
  std::mutex mu;
  std::vector<std::pair<int, Result<void>>> seen;
  WriteQueue::Done done(int tag) {
    return [this, tag](Result<void> r) {
      std::lock_guard lock(mu);
      seen.emplace_back(tag, r);
    };
  }
};

WriteQueue::Post inline_post() {
  return [](std::function<void()> f) { f(); };
}

class WriteQueueTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    core_ = open();
    ASSERT_TRUE(core_);
    base_ = add_basics(*core_);
  }
  std::unique_ptr<WriteQueue> start(WriteQueueOptions o = {}, WriteQueue::Post post = {}) {
    auto q = WriteQueue::start(sqlite_factory(options()), post ? post : inline_post(), o);
    EXPECT_TRUE(q.ok()) << q.error().to_string();
    return q.ok() ? std::move(*q) : nullptr;
  }
  WriteQueue::Job upsert(std::string key) const {
    return [id = base_.account, key = std::move(key)](Store& s) {
      return s.bindings().upsert(binding(id, key));
    };
  }
  std::size_t stored() { return core_->bindings().list()->size(); }

  std::unique_ptr<Store> core_;
  Basics base_;
};

TEST_F(WriteQueueTest, QueuedJobsShareOneTransaction) {
  auto q = start();
  ASSERT_TRUE(q);
  Gate gate;
  ASSERT_TRUE(q->submit(gate.job()).ok());
  ASSERT_TRUE(gate.wait_entered());
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i))).ok());
  EXPECT_EQ(q->stats().queued, 501u);
  gate.release();
  q->flush();
  const auto st = q->stats();
  EXPECT_EQ(st.submitted, 501u);
  EXPECT_EQ(st.committed, 501u);
  EXPECT_EQ(st.failed, 0u);
  EXPECT_EQ(st.batches, 2u);  // the gate alone, then all 500 together
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(stored(), 500u);
}

TEST_F(WriteQueueTest, MaxBatchSplitsTransactions) {
  WriteQueueOptions o;
  o.max_batch = 100;
  auto q = start(o);
  ASSERT_TRUE(q);
  Gate gate;
  ASSERT_TRUE(q->submit(gate.job()).ok());
  ASSERT_TRUE(gate.wait_entered());
  for (int i = 0; i < 450; ++i) ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i))).ok());
  gate.release();
  q->flush();
  EXPECT_EQ(q->stats().batches, 6u);  // gate + 100 + 100 + 100 + 100 + 50
  EXPECT_EQ(stored(), 450u);
}

TEST_F(WriteQueueTest, FailingJobIsRolledBackAlone) {
  auto q = start();
  ASSERT_TRUE(q);
  Recorder rec;
  Gate gate;
  ASSERT_TRUE(q->submit(gate.job()).ok());
  ASSERT_TRUE(gate.wait_entered());
  ASSERT_TRUE(q->submit(upsert("a"), rec.done(0)).ok());
  // Writes, then fails: its write must not survive.
  ASSERT_TRUE(q->submit(
                   [id = base_.account](Store& s) -> Result<void> {
                     if (auto r = s.bindings().upsert(binding(id, "b")); !r) return r;
                     return make_error(Errc::invalid_argument, 0, "job gives up");
                   },
                   rec.done(1))
                  .ok());
  // Fails inside SQLite (unknown account).
  ASSERT_TRUE(
      q->submit([](Store& s) { return s.bindings().upsert(binding(999, "x")); }, rec.done(2)).ok());
  ASSERT_TRUE(q->submit(upsert("c"), rec.done(3)).ok());
  gate.release();
  q->flush();
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.seen.size(), 4u);
  EXPECT_TRUE(rec.seen[0].second.ok());
  EXPECT_EQ(rec.seen[1].second.error().code, Errc::invalid_argument);
  EXPECT_STREQ(rec.seen[1].second.error().detail, "job gives up");
  EXPECT_EQ(rec.seen[2].second.error().code, Errc::not_found);
  EXPECT_TRUE(rec.seen[3].second.ok());
  auto keys = core_->bindings().list_for(base_.account);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].contact_key, "a");
  EXPECT_EQ((*keys)[1].contact_key, "c");
  EXPECT_EQ(q->stats().failed, 2u);
  EXPECT_EQ(q->stats().committed, 3u);  // gate, a, c
  EXPECT_EQ(q->stats().batches, 2u);
}

TEST_F(WriteQueueTest, DoneIsPostedInSubmitOrderToTheCoreLoop) {
  std::mutex mu;
  std::vector<std::function<void()>> loop;  // the "core loop": run by the test thread
  auto q = start({}, [&](std::function<void()> f) {
    std::lock_guard lock(mu);
    loop.push_back(std::move(f));
  });
  ASSERT_TRUE(q);
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i % 50)), [&, i](Result<void> r) {
                   EXPECT_TRUE(r.ok());
                   order.push_back(i);
                   threads.push_back(std::this_thread::get_id());
                 }).ok());
  }
  q->flush();
  std::vector<std::function<void()>> run;
  {
    std::lock_guard lock(mu);
    run.swap(loop);
  }
  ASSERT_EQ(run.size(), 1000u);  // flush returns after every done was posted
  for (auto& f : run) f();
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(order[static_cast<std::size_t>(i)], i);
  for (const auto& id : threads) EXPECT_EQ(id, std::this_thread::get_id());
  EXPECT_EQ(stored(), 50u);
}

TEST_F(WriteQueueTest, FlushWaitsForEarlierJobs) {
  auto q = start();
  ASSERT_TRUE(q);
  q->flush();  // nothing queued: returns at once
  Recorder rec;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i)), rec.done(i)).ok());
  }
  q->flush();
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.seen.size(), 100u);
  }
  EXPECT_EQ(stored(), 100u);  // committed: visible to another connection
  EXPECT_EQ(q->stats().queued, 0u);
}

// ack_after (PostgreSQL's ack_timeout_ms): a batch that hangs (a frozen
// database the writer waits on until its deadline) is acknowledged once it
// has waited that long, and so is every write behind it while it hangs; the
// writes stay queued and commit, in order, when the batch comes back.
TEST_F(WriteQueueTest, HungBatchIsAcknowledgedAfterAckAfterAndCommitsLater) {
  WriteQueueOptions o;
  o.ack_after = 50ms;
  auto q = start(o);
  ASSERT_TRUE(q);
  Recorder rec;
  Gate gate;
  ASSERT_TRUE(q->submit(gate.job(), rec.done(1)).ok());
  ASSERT_TRUE(gate.wait_entered());
  ASSERT_TRUE(q->submit(upsert("a"), rec.done(2)).ok());
  q->flush();  // returns once both are acknowledged: the batch still hangs
  auto st = q->stats();
  EXPECT_TRUE(st.unavailable);
  EXPECT_EQ(st.stalls, 1u);
  EXPECT_EQ(st.outages, 1u);
  EXPECT_EQ(st.acked_early, 2u);
  EXPECT_EQ(st.committed, 0u);
  ASSERT_TRUE(q->submit(upsert("b"), rec.done(3)).ok());  // acknowledged at once
  {
    std::lock_guard lock(rec.mu);
    ASSERT_EQ(rec.seen.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(rec.seen[i].first, static_cast<int>(i) + 1);
      EXPECT_TRUE(rec.seen[i].second.ok());
    }
  }
  EXPECT_EQ(stored(), 0u);

  gate.release();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (q->stats().queued > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  st = q->stats();
  EXPECT_EQ(st.queued, 0u);
  EXPECT_FALSE(st.unavailable);
  EXPECT_EQ(st.committed, 3u);
  EXPECT_EQ(st.failed_after_ack, 0u);
  EXPECT_EQ(stored(), 2u);
  // Answering again: the next write is acknowledged by its commit.
  ASSERT_TRUE(q->submit(upsert("c"), rec.done(4)).ok());
  q->flush();
  EXPECT_EQ(stored(), 3u);
  EXPECT_EQ(q->stats().acked_early, 3u);
  EXPECT_EQ(q->stats().stalls, 1u);
}

TEST_F(WriteQueueTest, StopDrainsJoinsAndRefusesLaterJobs) {
  auto q = start();
  ASSERT_TRUE(q);
  Recorder rec;
  Gate gate;
  ASSERT_TRUE(q->submit(gate.job()).ok());
  ASSERT_TRUE(gate.wait_entered());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i)), rec.done(i)).ok());
  }
  gate.release();
  q->stop();
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.seen.size(), 100u);
  }
  EXPECT_EQ(stored(), 100u);
  bool called = false;
  auto late = q->submit(upsert("late"), [&](Result<void>) { called = true; });
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::limit_reached);
  EXPECT_FALSE(called);
  q->stop();   // idempotent
  q->flush();  // nothing pending: returns
  EXPECT_EQ(q->stats().rejected, 1u);
}

TEST_F(WriteQueueTest, DestructorDrains) {
  {
    Gate gate;  // outlives the queue: its destructor drains the gate's job too
    auto q = start();
    ASSERT_TRUE(q);
    ASSERT_TRUE(q->submit(gate.job()).ok());
    ASSERT_TRUE(gate.wait_entered());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i))).ok());
    gate.release();
  }
  EXPECT_EQ(stored(), 50u);
}

TEST_F(WriteQueueTest, FullQueueRejectsAtOnce) {
  WriteQueueOptions o;
  o.max_queue = 10;
  auto q = start(o);
  ASSERT_TRUE(q);
  Gate gate;
  ASSERT_TRUE(q->submit(gate.job()).ok());  // in flight: counts until committed
  ASSERT_TRUE(gate.wait_entered());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(q->submit(upsert("k" + std::to_string(i))).ok());
  bool called = false;
  auto full = q->submit(upsert("over"), [&](Result<void>) { called = true; });
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::limit_reached);
  EXPECT_EQ(q->stats().rejected, 1u);
  gate.release();
  q->flush();
  EXPECT_FALSE(called);
  EXPECT_EQ(stored(), 9u);
  EXPECT_TRUE(q->submit(upsert("room again")).ok());  // space after the commit
  q->flush();
  EXPECT_EQ(stored(), 10u);
}

TEST_F(WriteQueueTest, StartFailsWhenTheFactoryFails) {
  auto q = WriteQueue::start(
      []() -> Result<std::unique_ptr<Store>> { return make_error(Errc::storage, 0, "no db"); },
      inline_post());
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code, Errc::storage);
  SqliteOptions newer = options();
  newer.path = (dir_ / "missing" / "x.db").string();  // directory does not exist
  EXPECT_FALSE(WriteQueue::start(sqlite_factory(newer), inline_post()).ok());
}

}  // namespace
}  // namespace sip::store::testing
