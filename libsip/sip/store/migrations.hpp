// Numbered schema migrations of the SQLite store (internal to the module).
// The version lives in PRAGMA user_version; each step runs in its own
// transaction together with the version bump. Adding a schema change means
// appending one entry to the table in migrations.cpp.
// Thread-safety: runs on the connection being opened.
#pragma once

#include "sip/base/result.hpp"
#include "sip/store/sqlite_db.hpp"

namespace sip::store {

// The newest schema version this build knows.
int latest_schema_version() noexcept;

// The file's user_version; bad_config when it is newer than
// latest_schema_version() or the file is not a SQLite database. Reads only.
Result<int> check_schema_version(SqliteDb& db);

// Applies every step above the file's version; returns the new version.
Result<int> migrate(SqliteDb& db);

}  // namespace sip::store
