#include "common/control_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sipsmith::cli {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

ControlClient::ControlClient(const std::string& path, std::chrono::milliseconds timeout)
    : path_(path), timeout_(timeout), deadline_(Clock::now() + timeout) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    throw NetworkError("bad control socket path '" + path + "'");
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw NetworkError(std::string("socket: ") + std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
      errno != EINPROGRESS && errno != EAGAIN) {
    int err = errno;
    throw NetworkError("cannot connect to " + path + ": " + std::strerror(err) +
                       " (is sipproxyd running? see --socket)");
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

void ControlClient::restart_deadline() {
  deadline_ = Clock::now() + timeout_;
}

std::string ControlClient::exchange(const std::string& line) {
  std::string out = line + "\n";
  std::size_t sent = 0;
  while (sent < out.size()) {
    pollfd p{fd_, POLLOUT, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline_));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) throw NetworkError("timed out sending to " + path_);
    ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw NetworkError("cannot send to " + path_ + ": " + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::size_t scanned = 0;  // bytes of buffered_ known to hold no newline
  for (;;) {
    if (auto nl = buffered_.find('\n', scanned); nl != std::string::npos) {
      std::string response = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return response;
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline_));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) throw NetworkError("timed out waiting for an answer from " + path_);
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw NetworkError("cannot read from " + path_ + ": " + std::strerror(errno));
    }
    if (n == 0) throw NetworkError("the daemon closed the connection without answering");
    scanned = buffered_.size();
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> ControlClient::read_line(int wait_ms) {
  const auto until = Clock::now() + std::chrono::milliseconds(wait_ms < 0 ? 0 : wait_ms);
  std::size_t scanned = 0;
  for (;;) {
    if (auto nl = buffered_.find('\n', scanned); nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, wait_ms < 0 ? -1 : remaining_ms(until));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return std::nullopt;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw NetworkError("cannot read from " + path_ + ": " + std::strerror(errno));
    }
    if (n == 0) throw NetworkError("the daemon closed the connection");
    scanned = buffered_.size();
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace sipsmith::cli
