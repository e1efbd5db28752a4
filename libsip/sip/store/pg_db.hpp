// The PostgreSQL connection behind sql_db.hpp (internal to the store module;
// libpq-fe.h stays in pg_db.cpp). Statements are prepared on the server
// once per SQL text and parameter types, with "?N" rewritten to "$N";
// values travel as text. Every round trip has a deadline (query_timeout,
// enforced on the client, and statement_timeout on the server), and so has
// the connect (connect_timeout): a server that is down or whose port drops
// packets costs at most that long, never a hang. A lost connection fails
// the statement with Errc::network (Errc::timed_out past the deadline); the
// open transaction, if any, is lost (every later statement of it fails until
// the outer rollback) and the next statement outside one reconnects, at most
// once per retry_interval (in between it fails at once).
// Write transactions take one transaction-level advisory lock, so writers
// serialise as SQLite's BEGIN IMMEDIATE does (the repositories' check-then-
// write rules hold across daemons sharing the database).
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "sip/base/result.hpp"
#include "sip/store/sql_db.hpp"

struct pg_conn;
struct pg_result;

namespace sip::store {

// The advisory lock key of write transactions ("sips" in ASCII).
inline constexpr std::int64_t kPgWriteLockKey = 0x73697073;

struct PgConnectOptions {
  std::string conninfo;  // URL or key=value string; its own settings win
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds query_timeout{5000};
  std::chrono::milliseconds retry_interval{1000};
};

class PgStmt;

class PgDb final : public Db {
 public:
  // Connects once; the error (network, timed_out, bad_config) when it fails.
  static Result<std::unique_ptr<PgDb>> open(const PgConnectOptions& options);
  ~PgDb() override;

  Dialect dialect() const noexcept override { return Dialect::postgres; }
  Result<void> exec(const char* sql, const char* detail = "database statement failed") override;
  Result<Stmt> prepare(const char* sql) override;
  Result<Stmt> prepare_text(const std::string& sql) override;
  bool in_transaction() const noexcept override { return depth_ > 0; }
  int changes() const noexcept override { return changes_; }
  Result<void> tx_begin(bool read_only) override;
  Result<void> tx_commit() override;
  Result<void> tx_savepoint() override;
  Result<void> tx_release() override;
  void tx_rollback(bool nested) noexcept override;

  // true while connected (no reconnect attempted).
  bool connected() const noexcept;
  // The server's version number (e.g. 150020); 0 when not connected.
  int server_version() const noexcept;

  // Internal to PgStmt: runs a statement with text parameters (null entries
  // are SQL NULL). Takes ownership of nothing; the result is the caller's
  // (PQclear). Statement name empty = unnamed one-shot.
  struct Params {
    const char* const* values = nullptr;
    const int* lengths = nullptr;
    const unsigned* types = nullptr;
    int count = 0;
  };
  Result<pg_result*> execute_prepared(PgStmt& stmt, const Params& params, const char* detail,
                                      const char* conflict_detail);
  std::uint64_t generation() const noexcept { return generation_; }

 private:
  explicit PgDb(PgConnectOptions options) : options_(std::move(options)) {}
  Result<void> connect();
  // Before a statement: a live connection (reconnecting outside a
  // transaction), or the error to return.
  Result<void> ready(const char* detail);
  // Sends what PQsend* queued and waits for the last result, within the
  // query deadline; drops the connection on a timeout or a broken socket.
  Result<pg_result*> wait_result(const char* detail);
  Result<void> flush(std::chrono::steady_clock::time_point deadline, const char* detail);
  Error fail_connection(Errc code, const char* detail);
  Error map_error(pg_result* res, const char* detail, const char* conflict_detail);
  Result<void> simple(const char* sql, const char* detail);

  PgConnectOptions options_;
  pg_conn* conn_ = nullptr;
  std::uint64_t generation_ = 0;  // bumped on every (re)connect: prepared names die
  std::uint64_t next_name_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  int depth_ = 0;         // open transaction scopes (outer + savepoints)
  bool tx_lost_ = false;  // the connection went while a transaction was open
  int changes_ = 0;
  std::unordered_map<const char*, std::unique_ptr<StmtImpl>> cache_;
  std::unordered_map<std::string, std::unique_ptr<StmtImpl>> text_cache_;

  friend class PgStmt;
};

// "postgresql://..." / "postgres://..." URLs and key=value conninfo strings.
bool looks_like_postgres(std::string_view url) noexcept;
// The URL or conninfo with its password replaced by "***" (for logs, stats).
std::string redact_conninfo(std::string_view url);

}  // namespace sip::store
