#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;

int status_of(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

std::vector<std::string> environment(const SpawnOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool drop = false;
    for (const auto& u : o.unset_env) drop = drop || u == name;
    for (const auto& [n, v] : o.env) drop = drop || n == name;
    if (!drop) env.push_back(entry);
  }
  for (const auto& [n, v] : o.env) env.push_back(n + "=" + v);
  return env;
}

// Binds a socket of `type` on ip:port; returns the bound port or 0.
std::uint16_t try_bind(int type, const std::string& ip, std::uint16_t port) {
  const bool v6 = ip.find(':') != std::string::npos;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, type, 0);
  if (fd < 0) return 0;
  std::uint16_t bound = 0;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    len = sizeof(sockaddr_in);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    bound = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  ::close(fd);
  return bound;
}

// Local port and state of each socket in /proc/net/<name>, for `v6` tables.
bool proc_net_has(const std::string& table, std::uint16_t port, const char* state) {
  std::ifstream in("/proc/net/" + table);
  std::string line;
  std::getline(in, line);  // header
  char want[8];
  std::snprintf(want, sizeof want, "%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, st;
    fields >> slot >> local >> remote >> st;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    if (local.substr(colon + 1) == want && st == state) return true;
  }
  return false;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sipreg-itest-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string find_program(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream s(path);
    for (std::string dir; std::getline(s, dir, ':');) dirs.push_back(dir);
  }
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"})
    dirs.push_back(d);
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/" + name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

Child::Child(const SpawnOptions& o) {
  if (o.argv.empty()) throw std::runtime_error("nothing to run");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: stop() can end helpers the child forks.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_addopen(
      &actions, 0, o.stdin_file.empty() ? "/dev/null" : o.stdin_file.c_str(), O_RDONLY, 0);
  if (o.stdout_pipe) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1,
                                     o.stdout_file.empty() ? "/dev/null" : o.stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  posix_spawn_file_actions_addopen(&actions, 2,
                                   o.stderr_file.empty() ? "/dev/null" : o.stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!o.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, o.cwd.c_str());

  std::vector<std::string> args = o.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = environment(o);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int rc = ::posix_spawn(&pid_, args[0].c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (o.stdout_pipe) {
    ::close(pipe_fds[1]);
    out_fd_ = pipe_fds[0];
  }
  if (rc != 0) {
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
    pid_ = -1;
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }
}

Child::~Child() {
  if (pid_ > 0 && !status_) stop(Millis(1000));
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Child::running() {
  if (status_) return false;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
    status_ = status_of(raw);
    return false;
  }
  return true;
}

std::optional<int> Child::wait_for(Millis limit) {
  const auto end = Clock::now() + limit;
  while (running()) {
    if (Clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(Millis(10));
  }
  return status_;
}

void Child::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

int Child::stop(Millis grace) {
  if (!running()) return *status_;
  ::kill(-pid_, SIGTERM);  // the group we created for it
  if (auto s = wait_for(grace)) return *s;
  ::kill(-pid_, SIGKILL);
  int raw = 0;
  ::waitpid(pid_, &raw, 0);
  status_ = status_of(raw);
  return *status_;
}

std::optional<std::string> Child::read_line(Millis limit) {
  const auto end = Clock::now() + limit;
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (out_fd_ < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<Millis>(end - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    std::array<char, 4096> buf{};
    const ssize_t n = ::read(out_fd_, buf.data(), buf.size());
    if (n <= 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, {});
    }
    buffer_.append(buf.data(), static_cast<std::size_t>(n));
  }
}

std::string Child::drain() {
  while (out_fd_ >= 0) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    std::array<char, 4096> buf{};
    const ssize_t n = ::read(out_fd_, buf.data(), buf.size());
    if (n <= 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      break;
    }
    buffer_.append(buf.data(), static_cast<std::size_t>(n));
  }
  return std::exchange(buffer_, {});
}

std::uint16_t free_port(const std::string& ip) {
  static std::mt19937 rng{std::random_device{}()};
  for (int attempt = 0; attempt < 200; ++attempt) {
    // Above the kernel's ephemeral range (32768-60999 by default) is less
    // likely to be taken by an outgoing socket meanwhile.
    const auto port =
        static_cast<std::uint16_t>(std::uniform_int_distribution<int>(61000, 65000)(rng));
    if (try_bind(SOCK_STREAM, ip, port) == port && try_bind(SOCK_DGRAM, ip, port) == port)
      return port;
  }
  throw std::runtime_error("no free port on " + ip);
}

bool wait_bound(Proto proto, const std::string& ip, std::uint16_t port, Millis limit) {
  const bool v6 = ip.find(':') != std::string::npos;
  const std::string table = std::string(proto == Proto::Udp ? "udp" : "tcp") + (v6 ? "6" : "");
  const char* state = proto == Proto::Udp ? "07" : "0A";  // UDP "close" (bound), TCP LISTEN
  const auto end = Clock::now() + limit;
  for (;;) {
    if (proc_net_has(table, port, state)) return true;
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(Millis(20));
  }
}

}  // namespace sipsmith::itest
