// The SQL connection seen by the repositories (internal to the store module):
// one interface over SQLite (sqlite_db.hpp) and PostgreSQL (pg_db.hpp), so
// the repositories are written once and both backends share their rules,
// errors and ordering. Statements are cached per SQL text by the Db and
// borrowed through a Stmt handle (reset when the handle goes); parameters are
// written "?1", "?2" ... in both dialects (the PostgreSQL Db rewrites them).
// Transactions nest through TxScope (an outer write transaction, savepoints
// inside). Errors map to Errc the same way in both: conflict for unique
// violations, invalid_argument for other constraint violations, storage (or
// unavailable when the server cannot be reached) otherwise.
// Thread-safety: a Db and its statements are used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"

namespace sip::store {

enum class Dialect : std::uint8_t { sqlite, postgres };

// A backend's cached statement (one per SQL text, reused).
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step(const char* detail, const char* conflict_detail) = 0;
  virtual std::int64_t column_int(int index) const = 0;
  virtual double column_double(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  // Back to unbound and unexecuted; releases any result.
  virtual void reset() noexcept = 0;
};

// A cached statement borrowed from its Db: reset and unbound when the Stmt
// goes out of scope. Binding errors surface at the next step()/run().
class Stmt {
 public:
  explicit Stmt(StmtImpl* impl) noexcept : impl_(impl) {}
  Stmt(Stmt&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (impl_ != nullptr) impl_->reset();
  }

  // Parameters are 1-based ("?1" is index 1). Text is copied.
  Stmt& bind(int index, std::int64_t value) {
    impl_->bind_int(index, value);
    return *this;
  }
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, double value) {
    impl_->bind_double(index, value);
    return *this;
  }
  Stmt& bind(int index, std::string_view value) {
    impl_->bind_text(index, value);
    return *this;
  }
  Stmt& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Stmt& bind_null(int index) {
    impl_->bind_null(index);
    return *this;
  }
  // NULL for 0, else the id (nullable foreign keys).
  Stmt& bind_id_or_null(int index, std::int64_t id) {
    return id == 0 ? bind_null(index) : bind(index, id);
  }

  // true: a row is available; false: done.
  Result<bool> step(const char* detail = "database read failed",
                    const char* conflict_detail = nullptr) {
    return impl_->step(detail, conflict_detail);
  }
  // Steps to completion, ignoring rows.
  Result<void> run(const char* detail = "database write failed",
                   const char* conflict_detail = nullptr);

  // Columns are 0-based. NULL reads as 0 / "".
  std::int64_t column_int(int index) const { return impl_->column_int(index); }
  double column_double(int index) const { return impl_->column_double(index); }
  std::string column_text(int index) const { return impl_->column_text(index); }

 private:
  StmtImpl* impl_;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  virtual ~Db() = default;

  virtual Dialect dialect() const noexcept = 0;
  // Runs one or more statements without parameters or results.
  virtual Result<void> exec(const char* sql, const char* detail = "database statement failed") = 0;
  // A cached statement for `sql` (`sql` must outlive the Db: a literal).
  virtual Result<Stmt> prepare(const char* sql) = 0;
  // A cached statement for SQL built at run time (cached by its text:
  // callers build a bounded set of shapes, values go in parameters).
  virtual Result<Stmt> prepare_text(const std::string& sql) = 0;
  // One statement through the cache, rows ignored.
  Result<void> run(const char* sql, const char* detail);
  // A single integer from a one-row query.
  Result<std::int64_t> query_int(const char* sql);

  virtual bool in_transaction() const noexcept = 0;
  virtual int changes() const noexcept = 0;  // rows changed by the last statement

  // The steps of TxScope. begin: the outer transaction (a write transaction
  // that serialises with every other writer, or a read snapshot).
  virtual Result<void> tx_begin(bool read_only) = 0;
  virtual Result<void> tx_commit() = 0;
  virtual Result<void> tx_savepoint() = 0;
  virtual Result<void> tx_release() = 0;
  // Undoes the innermost scope (nested: the savepoint; else everything).
  virtual void tx_rollback(bool nested) noexcept = 0;
};

// A unit of work that commits only if commit() is called: the outer
// transaction when none is open, else a SAVEPOINT inside the open one.
// Rolled back on destruction without commit(). With `read_only`, the outer
// transaction is a read snapshot that takes no write lock.
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
