// Change notifications of a shared PostgreSQL store: daemons on one
// database see each other's changes. Triggers (created by open_postgres)
// NOTIFY "sipsmith_provisioning" when customers, domains, aliases, accounts,
// providers or dial plans change, and "sipsmith_kv" (payload: the owner id)
// when a dial plan key/value row does. A ChangeListener LISTENs on a
// connection of its own, on a thread of its own, and after a burst of
// notifications (debounce) calls `on_change` there with a Store of its own,
// so the caller reads the new state off the core thread and hands it over.
// After a lost connection it reconnects (every retry_interval) and calls
// `on_change` once with `everything`, for what it may have missed.
// Thread-safety: start/stop from one thread; on_change runs on the
// listener's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/store.hpp"

namespace sip::store {

inline constexpr const char* kProvisioningChannel = "sipsmith_provisioning";
inline constexpr const char* kKvChannel = "sipsmith_kv";

struct StoreChanges {
  bool provisioning = false;  // the Directory's tables
  std::vector<Id> kv_owners;  // owners whose key/value rows changed (sorted, unique)
  bool everything = false;    // after a reconnect: anything may have changed
};

class ChangeListener {
 public:
  using OnChange = std::function<void(Store& store, const StoreChanges& changes)>;
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
