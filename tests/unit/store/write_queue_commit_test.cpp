// The WriteQueue when the batch's COMMIT fails (every job reported failed,
// nothing on disk), and the micro-figure: time per binding upsert.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "sip/store/write_queue.hpp"
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

// A real store whose outermost transaction fails at commit while `fail` is
// set (the body's work is rolled back, as when COMMIT itself fails).
class FailingCommitStore final : public Store {
 public:
  FailingCommitStore(std::unique_ptr<Store> inner, std::atomic<bool>& fail,
                     Errc code = Errc::storage)
      : inner_(std::move(inner)), fail_(fail), code_(code) {}
  CustomerRepository& customers() override { return inner_->customers(); }
  DomainRepository& domains() override { return inner_->domains(); }
  AccountRepository& accounts() override { return inner_->accounts(); }
  BindingRepository& bindings() override { return inner_->bindings(); }
  ProviderRepository& providers() override { return inner_->providers(); }
  DialPlanRepository& dialplans() override { return inner_->dialplans(); }
  CdrRepository& cdrs() override { return inner_->cdrs(); }
  KvRepository& kv() override { return inner_->kv(); }
  ProviderBindingRepository& provider_bindings() override { return inner_->provider_bindings(); }
  int schema_version() const override { return inner_->schema_version(); }
  Result<void> transaction(const std::function<Result<void>()>& body) override {
    if (depth_ > 0) {
      ++depth_;
      auto r = inner_->transaction(body);
      --depth_;
      return r;
    }
    ++depth_;
    auto r = inner_->transaction([&]() -> Result<void> {
      if (auto b = body(); !b) return b;
      if (fail_) return make_error(code_, 0, "commit failed (test)");
      return {};
    });
    --depth_;
    return r;
  }

 private:
  std::unique_ptr<Store> inner_;
  std::atomic<bool>& fail_;
  Errc code_;
  int depth_ = 0;
};

using WriteQueueCommit = StoreTest;

TEST_F(WriteQueueCommit, FailedCommitFailsEveryJobOfTheBatch) {
  auto core = open();
  ASSERT_TRUE(core);
  const auto base = add_basics(*core);
  std::atomic<bool> fail{true};
  StoreFactory factory = [this, &fail]() -> Result<std::unique_ptr<Store>> {
    auto inner = open_sqlite(options());
    if (!inner) return inner.error();
    return std::unique_ptr<Store>(std::make_unique<FailingCommitStore>(std::move(*inner), fail));
  };
  auto q = WriteQueue::start(factory, [](std::function<void()> f) { f(); });
  ASSERT_TRUE(q.ok());
  std::vector<Result<void>> results;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE((*q)->submit(
                        [&base, i](Store& s) {
                          return s.bindings().upsert(binding(base.account, std::to_string(i)));
                        },
                        [&](Result<void> r) { results.push_back(r); })
                    .ok());
  }
  (*q)->flush();
  ASSERT_EQ(results.size(), 20u);
  for (const auto& r : results) EXPECT_EQ(r.error().code, Errc::storage);
  EXPECT_EQ((*q)->stats().failed, 20u);
  EXPECT_EQ((*q)->stats().committed, 0u);
  EXPECT_TRUE(core->bindings().list()->empty());
  // Once commits work again the queue carries on.
  fail = false;
  ASSERT_TRUE((*q)->submit([&base](Store& s) {
                    return s.bindings().upsert(binding(base.account, "after"));
                  })
                  .ok());
  (*q)->flush();
  EXPECT_EQ(core->bindings().list()->size(), 1u);
}

// An unreachable store (network errors: PostgreSQL down): the batch is kept,
// its jobs and every later one are acknowledged at once, the queue stays
// bounded with a clear error, and when the store answers again everything
// is written in submit order.
TEST_F(WriteQueueCommit, UnreachableStoreAcknowledgesQueuesAndReplaysInOrder) {
  auto core = open();
  ASSERT_TRUE(core);
  const auto base = add_basics(*core);
  std::atomic<bool> down{true};
  StoreFactory factory = [this, &down]() -> Result<std::unique_ptr<Store>> {
    auto inner = open_sqlite(options());
    if (!inner) return inner.error();
    return std::unique_ptr<Store>(
        std::make_unique<FailingCommitStore>(std::move(*inner), down, Errc::network));
  };
  WriteQueueOptions o;
  o.max_queue = 30;
  o.retry_interval = std::chrono::milliseconds(20);
  auto q = WriteQueue::start(
      factory, [](std::function<void()> f) { f(); }, o);
  ASSERT_TRUE(q.ok());
  std::vector<Result<void>> results;
  auto upsert = [&base](std::uint32_t cseq) {
    return [&base, cseq](Store& s) {
      Binding b = binding(base.account, "phone");
      b.cseq = cseq;  // the last write must win
      return s.bindings().upsert(b);
    };
  };
  ASSERT_TRUE((*q)->submit(upsert(1), [&](Result<void> r) { results.push_back(r); }).ok());
  (*q)->flush();  // returns: the job is acknowledged, not committed
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE((*q)->stats().unavailable);
  for (std::uint32_t i = 2; i <= 30; ++i) {
    ASSERT_TRUE((*q)->submit(upsert(i), [&](Result<void> r) { results.push_back(r); }).ok());
  }
  EXPECT_EQ(results.size(), 30u);  // acknowledged at submit while unavailable
  auto full = (*q)->submit(upsert(99));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::limit_reached);
  EXPECT_STREQ(full.error().detail, "the write queue is full while the store is unavailable");
  EXPECT_TRUE(core->bindings().list()->empty());

  down = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*q)->stats().queued > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto st = (*q)->stats();
  EXPECT_EQ(st.queued, 0u);
  EXPECT_FALSE(st.unavailable);
  EXPECT_EQ(st.outages, 1u);
  EXPECT_EQ(st.acked_early, 30u);
  EXPECT_EQ(st.committed, 30u);
  EXPECT_EQ(st.failed_after_ack, 0u);
  auto rows = core->bindings().list_for(base.account);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].cseq, 30u);
  for (const auto& r : results) EXPECT_TRUE(r.ok());
}

// After an outage the replay goes in batches; while more than one batch
// waits, new writes are still acknowledged at submit (they would otherwise
// wait behind the whole replay), and the queue is "unavailable" until less
// than one batch is left.
TEST_F(WriteQueueCommit, NewWritesAreAcknowledgedWhileMoreThanOneBatchIsReplayed) {
  auto core = open();
  ASSERT_TRUE(core);
  const auto base = add_basics(*core);
  std::atomic<bool> down{true};
  StoreFactory factory = [this, &down]() -> Result<std::unique_ptr<Store>> {
    auto inner = open_sqlite(options());
    if (!inner) return inner.error();
    return std::unique_ptr<Store>(
        std::make_unique<FailingCommitStore>(std::move(*inner), down, Errc::network));
  };
  WriteQueueOptions o;
  o.max_batch = 2;
  o.retry_interval = std::chrono::milliseconds(20);
  auto q = WriteQueue::start(
      factory, [](std::function<void()> f) { f(); }, o);
  ASSERT_TRUE(q.ok());
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool open_gate = false;
  auto gate = [&](Store&) -> Result<void> {  // the third job holds its batch
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return open_gate; });
    return {};
  };
  auto upsert = [&base](std::string key) {
    return [&base, key](Store& s) { return s.bindings().upsert(binding(base.account, key)); };
  };
  std::atomic<int> acked{0};
  auto count = [&acked](Result<void> r) {
    if (r) ++acked;
  };
  ASSERT_TRUE((*q)->submit(upsert("k1"), count).ok());
  (*q)->flush();  // the first batch failed: acknowledged, unavailable
  ASSERT_TRUE((*q)->stats().unavailable);
  ASSERT_TRUE((*q)->submit(upsert("k2"), count).ok());
  ASSERT_TRUE((*q)->submit(gate, count).ok());
  for (int i = 4; i <= 6; ++i)
    ASSERT_TRUE((*q)->submit(upsert("k" + std::to_string(i)), count).ok());
  EXPECT_EQ(acked, 6);

  down = false;  // {k1} commits; {k2, gate} hangs with {k4, k5, k6} behind it
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return entered; }));
  }
  EXPECT_TRUE((*q)->stats().unavailable);
  ASSERT_TRUE((*q)->submit(upsert("k7"), count).ok());
  EXPECT_EQ(acked, 7);  // at submit, not behind the replay
  {
    std::lock_guard lock(mu);
    open_gate = true;
    cv.notify_all();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*q)->stats().queued > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto st = (*q)->stats();
  EXPECT_EQ(st.queued, 0u);
  EXPECT_FALSE(st.unavailable);
  EXPECT_EQ(st.committed, 7u);
  EXPECT_EQ(st.acked_early, 7u);
  EXPECT_EQ(st.failed_after_ack, 0u);
  EXPECT_EQ(core->bindings().list_for(base.account)->size(), 6u);
}

// Not a benchmark gate: prints the figure for the report, asserts only that
// every upsert committed.
TEST_F(WriteQueueCommit, MicroFigureTenThousandUpserts) {
  auto core = open();
  ASSERT_TRUE(core);
  const auto base = add_basics(*core);
  for (const bool full : {false, true}) {
    SqliteOptions o = options();
    o.synchronous_full = full;
    auto q = WriteQueue::start(sqlite_factory(o), [](std::function<void()> f) { f(); });
    ASSERT_TRUE(q.ok());
    constexpr int kUpserts = 10000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kUpserts; ++i) {
      Binding b = binding(base.account, "c" + std::to_string(i % 500));
      b.cseq = static_cast<std::uint32_t>(i);
      ASSERT_TRUE(
          (*q)->submit([b = std::move(b)](Store& s) { return s.bindings().upsert(b); }).ok());
    }
    (*q)->flush();
    const auto t1 = std::chrono::steady_clock::now();
    const auto st = (*q)->stats();
    ASSERT_EQ(st.committed, static_cast<std::uint64_t>(kUpserts));
    const double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / kUpserts;
    std::cout << "[ figure ] WriteQueue binding upsert (synchronous=" << (full ? "FULL" : "NORMAL")
              << "): " << us << " us/upsert over " << kUpserts << " upserts in " << st.batches
              << " batches\n";
  }
  // For comparison: one transaction per upsert (no group commit).
  WriteQueueOptions single;
  single.max_batch = 1;
  auto q = WriteQueue::start(
      sqlite_factory(options()), [](std::function<void()> f) { f(); }, single);
  ASSERT_TRUE(q.ok());
  constexpr int kSingles = 1000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kSingles; ++i) {
    ASSERT_TRUE((*q)->submit([&base, i](Store& s) {
                      return s.bindings().upsert(binding(base.account, "s" + std::to_string(i)));
                    })
                    .ok());
  }
  (*q)->flush();
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ((*q)->stats().committed, static_cast<std::uint64_t>(kSingles));
  std::cout << "[ figure ] one transaction per upsert (synchronous=NORMAL): "
            << std::chrono::duration<double, std::micro>(t1 - t0).count() / kSingles
            << " us/upsert over " << kSingles << " upserts\n";
}

}  // namespace
}  // namespace sip::store::testing
