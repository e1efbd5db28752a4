// The SQLite backend of store::Store: WAL journal, foreign keys on, a busy
// timeout so the core thread's connection and the WriteQueue's connection
// share the file, and numbered migrations applied in one transaction each at
// open (the version lives in PRAGMA user_version; a file from a newer
// sipsmith is refused with bad_config rather than touched). A read-only
// store (tools reading a running daemon's file) writes nothing, not even
// pragmas or migrations, and takes read snapshots for transaction().
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sip/base/result.hpp"
#include "sip/store/store.hpp"

namespace sip::store {

struct SqliteOptions {
  std::string path;    // file; ":memory:" for tests of a single connection
  bool create = true;  // create the file when missing
  // Open with SQLITE_OPEN_READONLY: no WAL switch, no migrations; only a
  // file at exactly latest_schema_version() is accepted (bad_config
  // otherwise, saying which way it differs). Every write fails (storage).
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
  // synchronous=NORMAL in WAL keeps commits durable across a process crash
  // (kill -9); FULL also across power loss.
  bool synchronous_full = false;
};

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options);
// A factory for WriteQueue::start (each call opens a new connection).
StoreFactory sqlite_factory(SqliteOptions options);

}  // namespace sip::store
