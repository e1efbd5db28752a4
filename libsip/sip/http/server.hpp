// HttpServer: sipproxyd's HTTP API (cpp-httplib on its own worker threads).
// Every request that needs data runs on the core thread through a
// CoreBridge: the control socket's CommandRegistry (one implementation of
// each command) and, for logins and API keys, the core thread's Store.
// Serves the SIPSorcery-compatible provisioning endpoints under
// kProvisioningPrefix and the versioned API under /api/v1 (docs/http-api.md).
// With set_reader() the store reads go to another thread instead.
// Thread-safety: start/reconfigure/stop on the core thread; the registry
// and store must outlive the server and are only used on the core thread.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "sip/base/result.hpp"
#include "sip/http/options.hpp"

namespace sip::control {
class CommandRegistry;
}
namespace sip::store {
class Store;
}

namespace sip::http {

inline constexpr const char* kProvisioningPrefix = "/provisioning.svc/rest/";

class HttpServer {
 public:
  using Post = std::function<void(std::function<void()>)>;  // thread-safe
  HttpServer(Options options, Post post, const control::CommandRegistry& registry,
             store::Store& store);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Store reads off the core thread (the daemon on PostgreSQL): the customer
  // look-ups that authenticate each request and the commands named in
  // `methods` run through `post` (one thread of the caller's) on `store` (a
  // connection of that thread's own) and `registry` (the commands over it),
  // so a database that hangs holds up those requests (timed_out after
  // Options::core_timeout) and not the core thread. Before start(); each
  // piece must outlive the server. Without it everything runs on the core
  // thread.
  struct Reader {
    Post post;
    const control::CommandRegistry* registry = nullptr;
    store::Store* store = nullptr;
    std::set<std::string, std::less<>> methods;
  };
  void set_reader(Reader reader);

  // Binds options.bind and starts serving (HTTPS when options has a
  // certificate); bad_config when the certificate or key does not load,
  // network when it cannot bind.
  Result<void> start();
  // New settings: CORS origins, session lifetime and login limits apply at
  // once; a new bind address or TLS certificate restarts the listener
  // (sessions are kept).
  Result<void> reconfigure(Options options);
  void stop();
  // "127.0.0.1:8080" once started.
  std::string address() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::http
