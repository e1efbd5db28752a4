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

// ---- Stmt ----

Stmt::Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Stmt& Stmt::bind_id_or_null(int index, std::int64_t id) {
  return id == 0 ? bind_null(index) : bind(index, id);
}

Result<bool> Stmt::step(const char* detail, const char* conflict_detail) {
  if (bind_rc_ != SQLITE_OK) return map_sqlite_error(db_, bind_rc_, detail);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The extended code tells constraint kinds apart.
  return map_sqlite_error(db_, sqlite3_extended_errcode(db_), detail, conflict_detail);
}

Result<void> Stmt::run(const char* detail, const char* conflict_detail) {
  for (;;) {
    auto r = step(detail, conflict_detail);
    if (!r) return r.error();
    if (!*r) return {};
  }
}

std::int64_t Stmt::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Stmt::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string Stmt::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  const int n = sqlite3_column_bytes(stmt_, index);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

// ---- Db ----

Result<std::unique_ptr<Db>> Db::open(const OpenOptions& options) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Db> db(new Db(raw));  // closes `raw` on every path
  if (rc != SQLITE_OK) return map_sqlite_error(raw, rc, "cannot open the database file");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  for (auto& [sql, stmt] : text_cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<void> Db::exec(const char* sql, const char* detail) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return map_sqlite_error(db_, sqlite3_extended_errcode(db_), detail);
  return {};
}

Result<Stmt> Db::prepare_text(const std::string& sql) {
  auto it = text_cache_.find(sql);
  if (it == text_cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return map_sqlite_error(db_, rc, "cannot prepare a statement");
    it = text_cache_.emplace(sql, stmt).first;
  }
  return Stmt(db_, it->second);
}

Result<Stmt> Db::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return map_sqlite_error(db_, rc, "cannot prepare a statement");
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(db_, it->second);
}

Result<void> Db::run(const char* sql, const char* detail) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  return stmt->run(detail);
}

Result<std::int64_t> Db::query_int(const char* sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step("database query failed");
  if (!row) return row.error();
  if (!*row) return make_error(Errc::storage, 0, "query returned no row");
  return stmt->column_int(0);
}

bool Db::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

std::int64_t Db::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_);
}

int Db::changes() const noexcept {
  return sqlite3_changes(db_);
}

// ---- TxScope ----

Result<TxScope> TxScope::begin(Db& db, bool read_only) {
  const bool nested = db.in_transaction();
  auto r = nested      ? db.run("SAVEPOINT sip_tx", "cannot open a savepoint")
           : read_only ? db.run("BEGIN", "cannot begin a read transaction")
                       : db.run("BEGIN IMMEDIATE", "cannot begin a transaction");
  if (!r) return r.error();
  return TxScope(&db, nested);
}

TxScope::TxScope(TxScope&& other) noexcept : db_(other.db_), nested_(other.nested_) {
  other.db_ = nullptr;
}

TxScope::~TxScope() {
  if (db_ != nullptr) rollback();
}

Result<void> TxScope::commit() {
  if (db_ == nullptr) return make_error(Errc::storage, 0, "transaction already finished");
  auto r = nested_ ? db_->run("RELEASE sip_tx", "cannot release a savepoint")
                   : db_->run("COMMIT", "cannot commit a transaction");
  if (!r) return r;  // the destructor rolls back what is left
  db_ = nullptr;
  return {};
}

void TxScope::rollback() noexcept {
  // SQLite may already have rolled the whole transaction back (I/O error,
  // full disk); then there is nothing left to undo here.
  if (!db_->in_transaction()) {
    db_ = nullptr;
    return;
  }
  if (nested_) {
    (void)db_->exec("ROLLBACK TO sip_tx; RELEASE sip_tx", "cannot roll back a savepoint");
  } else {
    (void)db_->exec("ROLLBACK", "cannot roll back a transaction");
  }
  db_ = nullptr;
}

}  // namespace sip::store
