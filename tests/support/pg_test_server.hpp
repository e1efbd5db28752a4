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
// Runs SQL on the base database; throws on failure.
void pg_exec(const std::string& conninfo, const std::string& sql);

}  // namespace sip::testing
