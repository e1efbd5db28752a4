// Provisioning change notifications of a shared PostgreSQL store: daemons on
// one database see each other's changes. Statement-level triggers (created
// by open_postgres) NOTIFY the channel "sipsmith_provisioning" when
// customers, domains, aliases, accounts, providers or dial plans change; a
// ChangeListener LISTENs on a connection of its own, on a thread of its own,
// and after a burst of notifications (debounce) calls `on_change` there with
// a Store of its own, so the caller reads the new snapshot off the core
// thread and hands it over. After a lost connection it reconnects (every
// retry_interval) and calls `on_change` once, for what it may have missed.
// Thread-safety: start/stop from one thread; on_change runs on the
// listener's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "sip/base/result.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/store.hpp"

namespace sip::store {

inline constexpr const char* kProvisioningChannel = "sipsmith_provisioning";

class ChangeListener {
 public:
  using OnChange = std::function<void(Store& store)>;
  // Connects (LISTEN) before returning; the error when it cannot.
  static Result<std::unique_ptr<ChangeListener>> start(
      PgOptions options, OnChange on_change,
      std::chrono::milliseconds debounce = std::chrono::milliseconds(30));
  virtual ~ChangeListener() = default;
  virtual void stop() = 0;  // joins the thread; idempotent
  virtual std::uint64_t notifications() const = 0;
  virtual std::uint64_t reloads() const = 0;
};

}  // namespace sip::store
