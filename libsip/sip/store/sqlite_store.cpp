// open_sqlite(): connection set-up (version check before anything is
// written, then WAL, synchronous level, foreign keys, migrations) and the
// Store composed of the SQLite repositories.
#include "sip/store/sqlite_store.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
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

// Why a store at `path` cannot be written (its file, or for a new file its
// directory, with SQLite's -wal and -shm files beside it), or null. SQLite
// itself would open such a file read-only and fail later with a misleading
// message. The caller names the path.
static const char* not_writable(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  for (const std::string& p : {path, dir}) {
    if (p == path && ::access(p.c_str(), F_OK) != 0) continue;  // a new file: its directory
    if (::access(p.c_str(), W_OK) == 0) continue;
    switch (errno) {
      case EROFS: return "the store's file system is read-only";
      case EACCES: return "no permission to write the store file or its directory";
      case ENOENT: return "the store's directory does not exist";
      default: return "the store file or its directory cannot be written";
    }
  }
  return nullptr;
}

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options) {
  if (options.path.empty()) return make_error(Errc::bad_config, 0, "store path is empty");
  if (!options.read_only && !is_memory(options.path))
    if (const char* why = not_writable(options.path)) return make_error(Errc::storage, 0, why);
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
