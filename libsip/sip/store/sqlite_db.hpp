// A small RAII wrapper over one SQLite connection (internal to the store
// module): prepared statements cached per SQL text, typed binding and column
// access, transaction scopes that nest (BEGIN IMMEDIATE at the outside,
// SAVEPOINT inside), and the mapping of SQLite result codes to Errc.
// Thread-safety: a Db and its statements are used by one thread at a time.
// Only store .cpp files include this header (sqlite3.h stays in the .cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sip/base/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sip::store {

// conflict (with `conflict_detail` when given) for UNIQUE/PRIMARY KEY
// violations, invalid_argument for other constraint violations (foreign key,
// CHECK, NOT NULL), storage with `detail` otherwise. Logs the SQLite message
// at warn level for storage errors.
Error map_sqlite_error(sqlite3* db, int rc, const char* detail,
                       const char* conflict_detail = nullptr);

// A cached statement borrowed from its Db: reset and unbound when the Stmt
// goes out of scope. Binding errors surface at the next step()/run().
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, double value);
  Stmt& bind(int index, std::string_view value);
  Stmt& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Stmt& bind_null(int index);
  // NULL for 0, else the id (nullable foreign keys).
  Stmt& bind_id_or_null(int index, std::int64_t id);

  // true: a row is available; false: done.
  Result<bool> step(const char* detail = "database read failed",
                    const char* conflict_detail = nullptr);
  // Steps to completion, ignoring rows.
  Result<void> run(const char* detail = "database write failed",
                   const char* conflict_detail = nullptr);

  // Columns are 0-based. NULL reads as 0 / "".
  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // first failing sqlite3_bind_* result
};

class Db {
 public:
  struct OpenOptions {
    std::string path;
    bool create = true;
    bool read_only = false;  // SQLITE_OPEN_READONLY: every write fails
    int busy_timeout_ms = 5000;
  };
  static Result<std::unique_ptr<Db>> open(const OpenOptions& options);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results.
  Result<void> exec(const char* sql, const char* detail = "database statement failed");
  // A cached prepared statement for `sql` (`sql` must outlive the Db:
  // a string literal).
  Result<Stmt> prepare(const char* sql);
  // A cached prepared statement for SQL built at run time (cached by its
  // text: callers build a bounded set of shapes, values go in parameters).
  Result<Stmt> prepare_text(const std::string& sql);
  // One statement through the cache, rows ignored (BEGIN, COMMIT, ...).
  Result<void> run(const char* sql, const char* detail);
  // A single integer from a one-row query (e.g. "PRAGMA user_version").
  Result<std::int64_t> query_int(const char* sql);

  bool in_transaction() const noexcept;
  std::int64_t last_insert_rowid() const noexcept;
  int changes() const noexcept;  // rows changed by the last statement
  sqlite3* handle() const noexcept { return db_; }

 private:
  explicit Db(sqlite3* db) noexcept : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::unordered_map<std::string, sqlite3_stmt*> text_cache_;
};

// A unit of work that commits only if commit() is called: BEGIN IMMEDIATE
// when the connection is in autocommit mode, else a SAVEPOINT inside the
// open transaction. Rolled back on destruction without commit(). With
// `read_only`, the outer transaction is a plain (deferred) BEGIN: a read
// snapshot that takes no write lock (WAL readers never block the writer).
class TxScope {
 public:
  static Result<TxScope> begin(Db& db, bool read_only = false);
  TxScope(TxScope&& other) noexcept;
  TxScope(const TxScope&) = delete;
  TxScope& operator=(const TxScope&) = delete;
  TxScope& operator=(TxScope&&) = delete;
  ~TxScope();
  Result<void> commit();

 private:
  TxScope(Db* db, bool nested) noexcept : db_(db), nested_(nested) {}
  void rollback() noexcept;
  Db* db_;
  bool nested_;
};

}  // namespace sip::store
