// The SQLite connection behind sql_db.hpp (internal to the store module):
// prepared statements cached per SQL text, transactions as BEGIN IMMEDIATE
// outside and SAVEPOINT inside, and the mapping of SQLite result codes to
// Errc. Only store .cpp files include this header (sqlite3.h stays in the
// .cpp). Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "sip/base/result.hpp"
#include "sip/store/sql_db.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sip::store {

// conflict (with `conflict_detail` when given) for UNIQUE/PRIMARY KEY
// violations, invalid_argument for other constraint violations (foreign key,
// CHECK, NOT NULL), storage with `detail` otherwise. Logs the SQLite message
// at warn level for storage errors.
Error map_sqlite_error(sqlite3* db, int rc, const char* detail,
                       const char* conflict_detail = nullptr);


class SqliteDb final : public Db {
 public:
  struct OpenOptions {
    std::string path;
    bool create = true;
    bool read_only = false;  // SQLITE_OPEN_READONLY: every write fails
    int busy_timeout_ms = 5000;
  };
  static Result<std::unique_ptr<SqliteDb>> open(const OpenOptions& options);
  ~SqliteDb() override;

  Dialect dialect() const noexcept override { return Dialect::sqlite; }
  Result<void> exec(const char* sql, const char* detail = "database statement failed") override;
  Result<Stmt> prepare(const char* sql) override;
  Result<Stmt> prepare_text(const std::string& sql) override;
  bool in_transaction() const noexcept override;
  int changes() const noexcept override;
  Result<void> tx_begin(bool read_only) override;
  Result<void> tx_commit() override;
  Result<void> tx_savepoint() override;
  Result<void> tx_release() override;
  void tx_rollback(bool nested) noexcept override;

  sqlite3* handle() const noexcept { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) noexcept : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<StmtImpl>> cache_;
  std::unordered_map<std::string, std::unique_ptr<StmtImpl>> text_cache_;
};

}  // namespace sip::store
