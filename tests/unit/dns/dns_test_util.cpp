#include "dns_test_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sip::dns::test {

bool CoreLoop::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [this] { return !tasks_.empty(); })) return done();
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
  return true;
}

std::size_t CoreLoop::run_ready() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(tasks_);
  }
  for (auto& t : batch) t();
  return batch.size();
}

Result<std::vector<Target>> resolve_sync(Resolver& r, CoreLoop& loop, const std::string& uri) {
  auto view = uri::parse_uri(uri);
  if (!view) return view.error();
  std::optional<Result<std::vector<Target>>> out;
  r.resolve(*view, [&](Result<std::vector<Target>> res) { out = std::move(res); });
  if (!loop.run_until([&] { return out.has_value(); }, std::chrono::seconds(10))) {
    return make_error(Errc::not_found, 0, "test: no callback within 10 s");
  }
  return std::move(*out);
}

namespace {

sockaddr_in loopback(const char* ip, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) throw std::invalid_argument(ip);
  return sa;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

}  // namespace

UdpSocket::UdpSocket(const char* ip, std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const sockaddr_in sa = loopback(ip, port);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    throw std::runtime_error(std::string("test: cannot bind UDP ") + ip + ": " +
                             std::strerror(errno));
  }
  port_ = bound_port(fd_);
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

std::string UdpSocket::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void UdpSocket::send_to(const transport::SocketAddress& to, const std::string& bytes) const {
  const sockaddr_in sa = loopback(to.ip_string().c_str(), to.port);
  ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

std::optional<std::pair<std::string, transport::SocketAddress>> UdpSocket::receive(
    std::chrono::milliseconds wait) const {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return std::nullopt;
  char buf[2048];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  const auto n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) return std::nullopt;
  char ip[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
  auto sender = transport::SocketAddress::from_ip(ip, ntohs(from.sin_port));
  return std::make_pair(std::string(buf, static_cast<std::size_t>(n)), *sender);
}

std::uint16_t free_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    UdpSocket udp;
    const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in sa = loopback("127.0.0.1", udp.port());
    const bool ok = ::bind(tcp, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    ::close(tcp);
    if (ok) return udp.port();
  }
  throw std::runtime_error("test: no free loopback port");
}

}  // namespace sip::dns::test
