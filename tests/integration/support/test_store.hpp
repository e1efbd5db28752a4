// Which store the integration tests give the daemon: SIPSMITH_TEST_STORE=
// postgres (the ctest entries labelled "postgresql") puts each daemon on a
// fresh database of the tests' PostgreSQL (../support/pg_test_server.hpp);
// otherwise its SQLite file in the test's temp dir.
#pragma once

#include <cstdlib>
#include <string_view>

namespace sipsmith::itest {

inline bool test_store_is_postgres() {
  const char* v = std::getenv("SIPSMITH_TEST_STORE");
  return v != nullptr && std::string_view(v) == "postgres";
}

}  // namespace sipsmith::itest
