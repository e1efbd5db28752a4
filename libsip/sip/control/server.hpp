// ControlServer: the daemon's unix-socket control endpoint. One JSON request
// per line in, one response line out per request, in order (see
// CommandRegistry::handle_line); lines over `max_line` get an error and the
// connection is closed. Runs on the EventLoop's thread: every member and
// every command handler runs there, except the PBKDF2 of customer
// passwords, which a worker thread of the server does first, and the
// `reader_methods` (ServerOptions), which another worker thread answers. The EventLoop and the
// CommandRegistry must outlive the server. Asio and JSON stay inside server.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "sip/base/result.hpp"

namespace sip::transport {
class EventLoop;
}

namespace sip::control {

class CommandRegistry;

struct ServerOptions {
  std::string path;                    // the socket file
  unsigned mode = 0600;                // permissions set on it after bind
  std::size_t max_clients = 64;        // beyond it a client gets limit_reached and is closed
  std::size_t max_line = 1024 * 1024;  // bytes per request line (without the newline)
  // A request line must be complete this long after its first byte arrived
  // (a client trickling bytes cannot hold a connection slot forever);
  // beyond it the client gets limit_reached and is closed. Idle clients
  // between requests and console subscribers are not affected.
  std::chrono::milliseconds line_timeout{10000};
  // PBKDF2 iterations for customer passwords hashed off the loop's thread
  // (password_params.hpp); 0 = the default strength.
  std::uint32_t password_iterations = 0;
  // Methods answered through `reader` on a worker thread of the server
  // instead of the loop's thread: read-only commands over a store connection
  // of their own, so a database that hangs holds up only them (each bounded
  // by the store's deadlines), never SIP. Answers keep their order on the
  // connection. `reader` must outlive the server and its handlers must touch
  // nothing of the loop's thread. Null or empty: every method on the loop.
  const CommandRegistry* reader = nullptr;
  std::set<std::string, std::less<>> reader_methods;
};

class ControlServer {
 public:
  ControlServer(transport::EventLoop& loop, ServerOptions options, const CommandRegistry& registry);
  ~ControlServer();  // stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and listens. conflict when another live server answers on the path;
  // a stale socket file (nothing listening) is replaced; bad_config when the
  // path is empty, too long, or exists and is not a socket; network when
  // bind/chmod/listen fail.
  Result<void> start();
  // Closes the listener and every connection, removes the socket file.
  // Idempotent.
  void stop();

  std::size_t connection_count() const noexcept;
  const std::string& path() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sip::control
