#include "sip/store/sqlite_db.hpp"

#include <sqlite3.h>

#include <string>

#include "sip/base/log.hpp"

namespace sip::store {

Error map_sqlite_error(sqlite3* db, int rc, const char* detail, const char* conflict_detail) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return make_error(Errc::conflict, 0,
                        conflict_detail != nullptr ? conflict_detail : "the record already exists");
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return make_error(Errc::invalid_argument, 0, "a referenced record does not exist");
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return make_error(Errc::invalid_argument, 0, "a field breaks a schema constraint");
    default: break;
  }
  if (log_enabled(LogLevel::Warn)) {
    std::string text = detail;
    text += ": ";
    text += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    log(LogLevel::Warn, "store", text);
  }
  return make_error(Errc::storage, 0, detail);
}

// ---- SqliteStmt ----

class SqliteStmt final : public StmtImpl {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
  ~SqliteStmt() override { sqlite3_finalize(stmt_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  void bind_int(int index, std::int64_t value) override {
    note(sqlite3_bind_int64(stmt_, index, value));
  }
  void bind_double(int index, double value) override {
    note(sqlite3_bind_double(stmt_, index, value));
  }
  void bind_text(int index, std::string_view value) override {
    note(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                             SQLITE_UTF8));
  }
  void bind_null(int index) override { note(sqlite3_bind_null(stmt_, index)); }

  Result<bool> step(const char* detail, const char* conflict_detail) override {
    if (bind_rc_ != SQLITE_OK) return map_sqlite_error(db_, bind_rc_, detail);
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // The extended code tells constraint kinds apart.
    return map_sqlite_error(db_, sqlite3_extended_errcode(db_), detail, conflict_detail);
  }

  std::int64_t column_int(int index) const override {
    return sqlite3_column_int64(stmt_, index);
  }
  double column_double(int index) const override { return sqlite3_column_double(stmt_, index); }
  std::string column_text(int index) const override {
    const auto* text = sqlite3_column_text(stmt_, index);
    if (text == nullptr) return {};
    const int n = sqlite3_column_bytes(stmt_, index);
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
  }
  void reset() noexcept override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_rc_ = SQLITE_OK;
  }

 private:
  void note(int rc) noexcept {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // first failing sqlite3_bind_* result
};

// ---- SqliteDb ----

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const OpenOptions& options) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));  // closes `raw` on every path
  if (rc != SQLITE_OK) return map_sqlite_error(raw, rc, "cannot open the database file");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  return db;
}

SqliteDb::~SqliteDb() {
  cache_.clear();  // finalizes the statements before the close
  text_cache_.clear();
  sqlite3_close_v2(db_);
}

Result<void> SqliteDb::exec(const char* sql, const char* detail) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return map_sqlite_error(db_, sqlite3_extended_errcode(db_), detail);
  return {};
}

Result<Stmt> SqliteDb::prepare_text(const std::string& sql) {
  auto it = text_cache_.find(sql);
  if (it == text_cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return map_sqlite_error(db_, rc, "cannot prepare a statement");
    it = text_cache_.emplace(sql, std::make_unique<SqliteStmt>(db_, stmt)).first;
  }
  return Stmt(it->second.get());
}

Result<Stmt> SqliteDb::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return map_sqlite_error(db_, rc, "cannot prepare a statement");
    it = cache_.emplace(sql, std::make_unique<SqliteStmt>(db_, stmt)).first;
  }
  return Stmt(it->second.get());
}

bool SqliteDb::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

int SqliteDb::changes() const noexcept {
  return sqlite3_changes(db_);
}

Result<void> SqliteDb::tx_begin(bool read_only) {
  return read_only ? run("BEGIN", "cannot begin a read transaction")
                   : run("BEGIN IMMEDIATE", "cannot begin a transaction");
}

Result<void> SqliteDb::tx_commit() {
  return run("COMMIT", "cannot commit a transaction");
}

Result<void> SqliteDb::tx_savepoint() {
  return run("SAVEPOINT sip_tx", "cannot open a savepoint");
}

Result<void> SqliteDb::tx_release() {
  return run("RELEASE sip_tx", "cannot release a savepoint");
}

void SqliteDb::tx_rollback(bool nested) noexcept {
  // SQLite may already have rolled the whole transaction back (I/O error,
  // full disk); then there is nothing left to undo here.
  if (!in_transaction()) return;
  if (nested) {
    (void)exec("ROLLBACK TO sip_tx; RELEASE sip_tx", "cannot roll back a savepoint");
  } else {
    (void)exec("ROLLBACK", "cannot roll back a transaction");
  }
}

}  // namespace sip::store
