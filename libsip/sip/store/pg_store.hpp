// The PostgreSQL backend of store::Store (docs/postgresql.md): the same
// repositories, rules, errors and ordering as the SQLite backend, over libpq
// (kept out of this header). Numbered migrations mirror the SQLite ones; the
// version lives in the table sipsmith_schema, and they run under the
// write lock, so daemons starting together migrate once. A database from a
// newer sipsmith is refused with bad_config. Timeouts: pg_db.hpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/store/store.hpp"

namespace sip::store {

struct PgOptions {
  // "postgresql://user:password@host:port/db?param=value" or a libpq
  // key=value conninfo ("host=/run/postgresql dbname=sipsmith"). Settings
  // it names (e.g. connect_timeout) win over the ones below.
  std::string url;
  std::chrono::milliseconds connect_timeout{3000};  // per connection attempt
  std::chrono::milliseconds query_timeout{5000};    // per round trip (client and server side)
  // After a failed connect, statements fail at once for this long instead
  // of trying again (a down server costs one connect_timeout per interval).
  std::chrono::milliseconds retry_interval{1000};
  // Tools reading a running daemon's database: no migrations, no triggers,
  // every transaction read-only (a snapshot); only a database at exactly
  // latest_postgres_schema_version() is accepted (bad_config otherwise).
  bool read_only = false;
};

// "postgresql://", "postgres://" or a conninfo (it holds a '=').
bool is_postgres_url(std::string_view url) noexcept;
// The URL with its password masked, for logs and stats.
std::string redact_postgres_url(std::string_view url);

// Connects and migrates. bad_config for an invalid URL, refused
// credentials or a newer schema; network/timed_out when unreachable.
Result<std::unique_ptr<Store>> open_postgres(const PgOptions& options);
// A factory for WriteQueue::start (each call opens a new connection).
StoreFactory postgres_factory(PgOptions options);
// The newest PostgreSQL schema version this build knows (= SQLite's).
int latest_postgres_schema_version() noexcept;

}  // namespace sip::store
