// The backend-neutral parts of sql_db.hpp: Stmt::run, Db helpers, TxScope.
#include "sip/store/sql_db.hpp"

namespace sip::store {

Result<void> Stmt::run(const char* detail, const char* conflict_detail) {
  for (;;) {
    auto r = step(detail, conflict_detail);
    if (!r) return r.error();
    if (!*r) return {};
  }
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

Result<TxScope> TxScope::begin(Db& db, bool read_only) {
  const bool nested = db.in_transaction();
  auto r = nested ? db.tx_savepoint() : db.tx_begin(read_only);
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
  auto r = nested_ ? db_->tx_release() : db_->tx_commit();
  if (!r) return r;  // the destructor rolls back what is left
  db_ = nullptr;
  return {};
}

void TxScope::rollback() noexcept {
  db_->tx_rollback(nested_);
  db_ = nullptr;
}

}  // namespace sip::store
