// The engine's in-memory copy of the dial plans' key/value data (KvCache,
// engine_store.cpp) over a real SQLite store: start-up load, dial plan
// writes visible at once and committed through the write queue, a refused
// write undone, control-socket writes (through the wrapped store) and
// customer removal reflected; reads never touch the store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include "sip/base/clock.hpp"
#include "sip/engine/engine_impl.hpp"
#include "sip/store/sqlite_store.hpp"

namespace sip::engine {
namespace {

class KvCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipkv-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    options_.path = (dir_ / "store.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<store::Store> open() {
    auto s = store::open_sqlite(options_);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  static dialplan::KvResult read(StoreKv& kv, store::Id owner, const std::string& key) {
    return kv.read(owner, dialplan::Action{dialplan::KvRead{key}});
  }
  static std::vector<std::string> keys(StoreKv& kv, store::Id owner) {
    return kv.read(owner, dialplan::Action{dialplan::KvKeys{}}).keys;
  }

  void drain() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mu_);
      run.swap(posted_);
    }
    for (auto& f : run) f();
  }

  std::filesystem::path dir_;
  store::SqliteOptions options_;
  ManualClock clock_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
};

TEST_F(KvCacheTest, ReadsComeFromMemoryAndWritesGoThroughTheQueue) {
  store::Id owner = 0;
  {
    auto s = open();
    store::Customer c;
    c.username = "demo";
    owner = *s->customers().add(c);
    ASSERT_TRUE(s->kv().put(owner, "b", "2", 1).ok());
    ASSERT_TRUE(s->kv().put(owner, "a", "1", 1).ok());
  }
  auto cache = std::make_shared<KvCache>();
  auto raw = open();
  ASSERT_TRUE(load_kv_cache(*raw, *cache).ok());
  auto core = cache_kv_writes(std::move(raw), cache);
  // Completions run on this thread (as on the core loop), at drain().
  auto queue = store::WriteQueue::start(store::sqlite_factory(options_),
                                        [this](std::function<void()> f) {
                                          std::lock_guard lock(mu_);
                                          posted_.push_back(std::move(f));
                                        });
  ASSERT_TRUE(queue.ok());
  StoreKv kv(cache, **queue, clock_);

  EXPECT_EQ(read(kv, owner, "a").value, std::optional<std::string>("1"));
  EXPECT_EQ(keys(kv, owner), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(read(kv, owner, "").ok);  // the store's key rule
  EXPECT_FALSE(read(kv, owner, "missing").value.has_value());

  std::vector<dialplan::KvResult> done;
  kv.write(owner, dialplan::Action{dialplan::KvWrite{"c", "3"}},
           [&done](dialplan::KvResult r) { done.push_back(std::move(r)); });
  EXPECT_EQ(read(kv, owner, "c").value, std::optional<std::string>("3"));  // at once
  kv.write(owner, dialplan::Action{dialplan::KvDelete{"a"}},
           [&done](dialplan::KvResult r) { done.push_back(std::move(r)); });
  EXPECT_FALSE(read(kv, owner, "a").value.has_value());
  kv.write(owner, dialplan::Action{dialplan::KvWrite{"big", std::string(10001, 'x')}},
           [&done](dialplan::KvResult r) { done.push_back(std::move(r)); });
  ASSERT_EQ(done.size(), 1u);  // refused at once, before the queued two commit
  EXPECT_FALSE(done[0].ok);
  (*queue)->flush();
  drain();
  ASSERT_EQ(done.size(), 3u);
  EXPECT_TRUE(done[1].ok);
  EXPECT_TRUE(done[2].ok);
  EXPECT_FALSE(read(kv, owner, "big").value.has_value());
  EXPECT_EQ(*core->kv().get(owner, "c"), std::optional<std::string>("3"));  // committed
  EXPECT_FALSE(core->kv().get(owner, "a")->has_value());

  // A write the store refuses after the cache took it is undone there:
  // the owner is gone from the store (foreign key), not from the cache.
  store::Customer other;
  other.username = "other";
  const store::Id ghost = *core->customers().add(other) + 100;
  kv.write(ghost, dialplan::Action{dialplan::KvWrite{"k", "v"}},
           [&done](dialplan::KvResult r) { done.push_back(std::move(r)); });
  (*queue)->flush();
  drain();
  ASSERT_EQ(done.size(), 4u);
  EXPECT_FALSE(done[3].ok);
  EXPECT_FALSE(read(kv, ghost, "k").value.has_value());

  // The control socket's writes (through the wrapped store) show at once.
  ASSERT_TRUE(core->kv().put(owner, "ctl", "x", 1).ok());
  EXPECT_EQ(read(kv, owner, "ctl").value, std::optional<std::string>("x"));
  ASSERT_TRUE(core->kv().remove(owner, "ctl").ok());
  EXPECT_FALSE(read(kv, owner, "ctl").value.has_value());
  // A removed customer's data goes with it.
  ASSERT_TRUE(core->customers().remove(owner).ok());
  EXPECT_TRUE(keys(kv, owner).empty());
  (*queue)->stop();
}

}  // namespace
}  // namespace sip::engine
