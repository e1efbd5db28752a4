// Helpers for the resolver tests: a CoreLoop standing in for the core thread
// (the Resolver's `post` target), a synchronous resolve, and loopback UDP
// sockets (a silent "black hole" and a free-port finder).
// Thread-safety: CoreLoop::post() from any thread; the rest on the test thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "sip/dns/resolver.hpp"

namespace sip::dns::test {

class CoreLoop {
 public:
  Resolver::PostFn post_fn() {
    return [this](std::function<void()> f) {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(f));
      cv_.notify_one();
    };
  }
  // Runs posted tasks here until `done()` or `limit` passes; returns done().
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(5));
  // Runs the tasks already posted; returns how many ran.
  std::size_t run_ready();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
};

Result<std::vector<Target>> resolve_sync(Resolver& r, CoreLoop& loop, const std::string& uri);

// A UDP socket bound on `ip` (port 0: any free port) that the test owns.
class UdpSocket {
 public:
  explicit UdpSocket(const char* ip = "127.0.0.1", std::uint16_t port = 0);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  int fd() const noexcept { return fd_; }
  std::uint16_t port() const noexcept { return port_; }
  std::string address() const;  // "127.0.0.1:port"
  void send_to(const transport::SocketAddress& to, const std::string& bytes) const;
  // Waits up to `wait` for one datagram; its payload and sender, or nullopt.
  std::optional<std::pair<std::string, transport::SocketAddress>> receive(
      std::chrono::milliseconds wait) const;

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port free for UDP and TCP on 127.0.0.1 at the time of the call.
std::uint16_t free_port();

}  // namespace sip::dns::test
