// The tests' PostgreSQL (tests/support/pg-test-server): the server of the
// ctest fixture "postgresql" when SIPSMITH_TEST_PG_STATE names its state
// file, else one started for this process on first use and stopped (by PID)
// when the process exits. Never skips: without a server the test fails.
// Thread-safety: call from the test thread.
#pragma once

#include <string>

namespace sip::testing {

// The server's base conninfo ("host=/tmp/... port=... user=postgres
// dbname=postgres"); throws std::runtime_error when no server can be had.
const std::string& pg_conninfo();
// A new empty schema, and the conninfo whose search_path puts it first
// (tables a store creates land there; each test gets its own).
std::string pg_fresh_schema_conninfo();
// A new empty database; its conninfo.
std::string pg_fresh_database_conninfo();
// Runs SQL; throws on failure.
void pg_exec(const std::string& conninfo, const std::string& sql);
// The first column of the first row as an integer; throws on failure.
long long pg_query_int(const std::string& conninfo, const std::string& sql);

// A server of the test's own (one it may stop and start: outage tests),
// removed with the object.
class PgServer {
 public:
  PgServer();  // throws when it cannot start
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;
  const std::string& conninfo() const noexcept { return conninfo_; }
  void down();  // stops the server, keeps its data
  void up();    // starts it again on the same socket
  void pause();   // SIGSTOP to the server and its backends: everything hangs
  void resume();  // SIGCONT

 private:
  std::string state_;
  std::string conninfo_;
};

}  // namespace sip::testing
