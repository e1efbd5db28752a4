// The control socket client: one unix stream connection, one request line
// out, one response line in, all within a deadline. POSIX sockets only (no
// Asio in a one-shot tool); shared by sipctl and cdr-query.
// Thread-safety: one object per thread.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace sipsmith::cli {

// Connection refused, no such socket, timeout, connection closed early:
// exit status 3.
class NetworkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ControlClient {
 public:
  // Connects; throws NetworkError.
  ControlClient(const std::string& path, std::chrono::milliseconds timeout);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Sends `line` (a newline is appended) and returns the next response line
  // (without its newline). Throws NetworkError on timeout or a closed socket.
  std::string exchange(const std::string& line);
  // Gives the next exchanges a fresh `timeout` from now (a client that
  // asks many times: one deadline per request).
  void restart_deadline();
  // A stream's next line (console.subscribe): waits at most `wait_ms`
  // (-1: without limit); nullopt when none came in time. Throws
  // NetworkError when the daemon closes the connection.
  std::optional<std::string> read_line(int wait_ms);

 private:
  std::string path_;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point deadline_;
  int fd_ = -1;
  std::string buffered_;
};

}  // namespace sipsmith::cli
