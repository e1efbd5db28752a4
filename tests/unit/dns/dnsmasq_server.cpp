#include "dnsmasq_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "dns_test_util.hpp"

extern char** environ;

namespace sip::dns::test {
namespace {

constexpr int kStartAttempts = 3;
constexpr int kReadyPolls = 40;  // x 100 ms: under 5 s in all
constexpr auto kReadyPoll = std::chrono::milliseconds(100);

// A standard query for "ready.example.test" A (any answer proves readiness).
std::string probe_query() {
  std::string q = {'\x5a', '\x17', '\x01', '\x00', '\x00', '\x01',
                   '\x00', '\x00', '\x00', '\x00', '\x00', '\x00'};
  for (const char* label : {"ready", "example", "test"}) {
    q += static_cast<char>(std::char_traits<char>::length(label));
    q += label;
  }
  q += std::string("\x00\x00\x01\x00\x01", 5);
  return q;
}

bool exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {  // up to 2.5 s, then force
    if (exited(pid)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

std::string find_dnsmasq() {
  std::vector<std::string> dirs = {"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream s(path);
    for (std::string dir; std::getline(s, dir, ':');) dirs.push_back(dir);
  }
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/dnsmasq";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::unique_ptr<DnsmasqServer> DnsmasqServer::start(const std::vector<std::string>& record_args,
                                                    std::string& error) {
  const std::string binary = find_dnsmasq();
  if (binary.empty()) {
    error = "dnsmasq not found: install package dnsmasq-base (the test script does)";
    return nullptr;
  }
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    const std::uint16_t port = free_port();
    const std::string log = "/tmp/sipsmith-dns-test-" + std::to_string(::getpid()) + "-" +
                            std::to_string(port) + ".log";
    std::vector<std::string> args = {binary,
                                     "--no-daemon",
                                     "--conf-file=/dev/null",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--port=" + std::to_string(port),
                                     "--listen-address=127.0.0.1",
                                     "--bind-interfaces",
                                     "--pid-file=",
                                     "--local=/example.test/"};
    args.insert(args.end(), record_args.begin(), record_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      error = "cannot start " + binary;
      return nullptr;
    }

    UdpSocket probe;
    const auto server = *transport::SocketAddress::from_ip("127.0.0.1", port);
    const std::string query = probe_query();
    bool reaped = false;
    for (int poll = 0; poll < kReadyPolls && !reaped; ++poll) {
      if ((reaped = exited(pid))) break;
      probe.send_to(server, query);
      if (auto reply = probe.receive(kReadyPoll);
          reply && reply->first.size() >= 12 && reply->first.compare(0, 2, query, 0, 2) == 0) {
        return std::unique_ptr<DnsmasqServer>(new DnsmasqServer(pid, port, log));
      }
    }
    if (!reaped) stop(pid);
    error = "dnsmasq did not answer on port " + std::to_string(port) + ": " + read_file(log);
    ::unlink(log.c_str());
  }
  return nullptr;
}

DnsmasqServer::~DnsmasqServer() {
  stop(pid_);
  ::unlink(log_.c_str());
}

}  // namespace sip::dns::test
