// Crash durability: a child process acknowledges N binding upserts through a
// WriteQueue (every `done` seen), tells the parent, and is killed with
// SIGKILL at once; the parent reopens the file and finds all N.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "sip/store/write_queue.hpp"
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using StoreDurability = StoreTest;

constexpr int kUpserts = 500;

// Runs in the forked child; never returns.
[[noreturn]] void child(const SqliteOptions& options, Id account, int ready_fd) {
  auto q = WriteQueue::start(sqlite_factory(options), [](std::function<void()> f) { f(); });
  if (!q) _exit(2);
  std::mutex mu;
  std::condition_variable cv;
  int acknowledged = 0;
  bool failed = false;
  for (int i = 0; i < kUpserts; ++i) {
    auto submitted = (*q)->submit(
        [account, i](Store& s) {
          return s.bindings().upsert(StoreTest::binding(account, "k" + std::to_string(i)));
        },
        [&](Result<void> r) {
          std::lock_guard lock(mu);
          if (!r) failed = true;
          ++acknowledged;
          cv.notify_all();
        });
    if (!submitted) _exit(3);
  }
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return acknowledged == kUpserts; })) {
      _exit(4);
    }
    if (failed) _exit(5);
  }
  const char marker = 'A';
  if (write(ready_fd, &marker, 1) != 1) _exit(6);
  for (;;) pause();  // the parent kills us here, queue still running
}

TEST_F(StoreDurability, AcknowledgedUpsertsSurviveSigkill) {
  Id account = 0;
  {
    auto s = open();
    ASSERT_TRUE(s);
    account = add_basics(*s).account;
  }  // no connection open across fork()
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    child(options(), account, fds[1]);
  }
  close(fds[1]);
  char marker = 0;
  const ssize_t n = read(fds[0], &marker, 1);  // EOF if the child exits early
  if (n == 1) kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  close(fds[0]);
  ASSERT_EQ(n, 1) << "child exited early with status " << WEXITSTATUS(status);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto s = open();
  ASSERT_TRUE(s);
  auto bindings = s->bindings().list_for(account);
  ASSERT_TRUE(bindings.ok());
  EXPECT_EQ(bindings->size(), static_cast<std::size_t>(kUpserts));
}

}  // namespace
}  // namespace sip::store::testing
