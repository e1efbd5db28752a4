// The composition root of sipproxyd: builds the store, directory, transport,
// transaction layer, registrar and control socket from a ServerConfig, wires
// them on one core thread and runs it. SIGTERM/SIGINT drain and stop (every
// acknowledged binding is on disk), SIGHUP reloads the config file.
// Thread-safety: create() and run() on the thread that becomes the core
// thread; nothing else is public.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sip/base/result.hpp"
#include "sip/engine/config.hpp"

namespace sip::engine {

class Engine {
 public:
  // Opens the store (migrating it), creates the configured operator domains,
  // loads accounts and bindings, binds the listeners and the control socket.
  // On failure `*message` says what and where (e.g. "cannot bind udp
  // 127.0.0.1:5060: ...").
  static Result<std::unique_ptr<Engine>> create(ServerConfig config, std::string* message);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Imports a provisioning document (the control socket's "import" method,
  // upserting customers, domains and accounts) before serving; used by
  // --import and the demo. `*summary` gets the counts as JSON text, or the
  // error message.
  Result<void> import_file(const std::string& path, std::string* summary);
  // One JSON line describing the running service (bound addresses, control
  // socket, store, restored bindings).
  std::string ready_line() const;
  // Runs the core loop until SIGTERM/SIGINT (or stop()); returns after a
  // graceful drain.
  void run();
  // Thread-safe request to drain and stop.
  void stop();

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::engine
