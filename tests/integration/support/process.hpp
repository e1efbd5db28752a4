// Child processes for black-box tests: spawn with posix_spawn (own process
// group, stdin from /dev/null, stdout to a file or a pipe, stderr to a
// file), wait with a bound, signal and kill by PID (the group, so forked
// helpers such as socat's go too). Plus free loopback ports, readiness by
// /proc/net (a bound UDP socket or a listening TCP socket on a port) and a
// temporary directory removed at the end.
// Thread-safety: one owner thread per object.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sipsmith::itest {

using Millis = std::chrono::milliseconds;

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// Absolute path of `name` on PATH (and the sbin directories), or empty.
std::string find_program(const std::string& name);

struct SpawnOptions {
  std::vector<std::string> argv;                         // argv[0]: absolute path
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) ours
  std::vector<std::string> unset_env;                    // removed from ours
  std::string cwd;                                       // empty: ours
  std::string stdin_file;   // empty: /dev/null (a FIFO: open it for writing first)
  std::string stdout_file;  // empty and !stdout_pipe: /dev/null
  bool stdout_pipe = false;
  std::string stderr_file;  // empty: /dev/null
};

class Child {
 public:
  // Throws std::runtime_error when the program cannot be started.
  explicit Child(const SpawnOptions& options);
  ~Child();  // kills the group and reaps, if still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const noexcept { return pid_; }
  bool running();
  // Exit status (128 + signal when killed), or nullopt after `limit`.
  std::optional<int> wait_for(Millis limit);
  void signal(int sig);  // to the child only
  // SIGTERM to the group, up to `grace` for it to exit, then SIGKILL. Returns the status.
  int stop(Millis grace = Millis(2000));

  // stdout_pipe: the next complete line (without '\n'), or nullopt after `limit`
  // or at end of output.
  std::optional<std::string> read_line(Millis limit);
  // stdout_pipe: everything still buffered or readable now (non-blocking).
  std::string drain();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

enum class Proto : std::uint8_t { Udp, Tcp };

// A port free for both UDP and TCP on `ip` ("127.0.0.1" or "::1") right now.
std::uint16_t free_port(const std::string& ip);
// True once a socket of `proto` is bound (UDP) or listening (TCP) on `port`
// of `ip`, within `limit`; polls /proc/net every 20 ms.
bool wait_bound(Proto proto, const std::string& ip, std::uint16_t port, Millis limit);

}  // namespace sipsmith::itest
