// open_sqlite(): connection set-up (version check before anything is
// written, then WAL, synchronous level, foreign keys, migrations) and the
// Store composed of the SQLite repositories.
#include "sip/store/sqlite_store.hpp"

#include <utility>

#include "sip/store/migrations.hpp"
#include "sip/store/sql_repos.hpp"
#include "sip/store/sqlite_db.hpp"

namespace sip::store {
namespace {

bool is_memory(const std::string& path) {
  return path.empty() || path == ":memory:";
}

// Read-only: the file must exist and be at exactly this build's schema
// (nothing may be migrated; an older file would fail on its first query).
Result<std::unique_ptr<Store>> open_read_only(const SqliteOptions& options, int busy_ms) {
  auto db = SqliteDb::open({options.path, false, true, busy_ms});
  if (!db) return db.error();
  auto version = check_schema_version(**db);
  if (!version) return version.error();
  if (*version == 0)
    return make_error(Errc::bad_config, 0, "the file is not a sipsmith store (no schema)");
  if (*version < latest_schema_version())
    return make_error(Errc::bad_config, 0,
                      "the store has an older schema than this sipsmith knows (start sipproxyd "
                      "once to migrate it)");
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(*db), *version, true));
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options) {
  if (options.path.empty()) return make_error(Errc::bad_config, 0, "store path is empty");
  const auto busy = options.busy_timeout.count();
  const int busy_ms = static_cast<int>(busy < 0 ? 0 : (busy > INT32_MAX ? INT32_MAX : busy));
  if (options.read_only) return open_read_only(options, busy_ms);
  auto db = SqliteDb::open({options.path, options.create, false, busy_ms});
  if (!db) return db.error();
  // Refuse a newer file before any pragma writes to it.
  if (auto v = check_schema_version(**db); !v) return v.error();
  if (!is_memory(options.path)) {
    auto mode = (*db)->prepare("PRAGMA journal_mode = WAL");
    if (!mode) return mode.error();
    auto row = mode->step("cannot switch the journal to WAL");
    if (!row) return row.error();
    if (!*row || mode->column_text(0) != "wal") {
      return make_error(Errc::storage, 0, "the file system does not support WAL");
    }
  }
  const char* sync =
      options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (auto r = (*db)->exec(sync, "cannot set the synchronous level"); !r) return r.error();
  if (auto r = (*db)->exec("PRAGMA foreign_keys = ON", "cannot enable foreign keys"); !r) {
    return r.error();
  }
  auto version = migrate(**db);
  if (!version) return version.error();
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(*db), *version, false));
}

StoreFactory sqlite_factory(SqliteOptions options) {
  return [options = std::move(options)]() { return open_sqlite(options); };
}

}  // namespace sip::store
