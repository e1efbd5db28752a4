#include "pg_test_server.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#ifndef SIPSMITH_SOURCE_DIR
#error "SIPSMITH_SOURCE_DIR must name the source tree (tests/support/pg-test-server)"
#endif

namespace sip::testing {
namespace {

const std::string kScript = std::string(SIPSMITH_SOURCE_DIR) + "/tests/support/pg-test-server";

std::string read_state(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in && std::getline(in, line)) return line;
  return {};
}

bool reachable(const std::string& conninfo) {
  return PQping(conninfo.c_str()) == PQPING_OK;
}

}  // namespace

PgServer::PgServer() {
  char state[] = "/tmp/sipsmith-pg-state.XXXXXX";
  const int fd = mkstemp(state);
  if (fd < 0) throw std::runtime_error("pg-test-server: mkstemp failed");
  ::close(fd);
  state_ = state;
  const std::string cmd = kScript + " start " + state_ + " >/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    std::remove(state_.c_str());
    throw std::runtime_error("cannot start a PostgreSQL for the tests (" + kScript + ")");
  }
  conninfo_ = read_state(state_);
}

PgServer::~PgServer() {
  (void)std::system((kScript + " resume " + state_ + " >/dev/null 2>&1").c_str());
  const std::string cmd = kScript + " stop " + state_ + " >/dev/null 2>&1";
  (void)std::system(cmd.c_str());
}

void PgServer::down() {
  if (std::system((kScript + " down " + state_).c_str()) != 0)
    throw std::runtime_error("pg-test-server down failed");
}

void PgServer::up() {
  if (std::system((kScript + " up " + state_).c_str()) != 0)
    throw std::runtime_error("pg-test-server up failed");
}

void PgServer::pause() {
  if (std::system((kScript + " pause " + state_).c_str()) != 0)
    throw std::runtime_error("pg-test-server pause failed");
}

void PgServer::resume() {
  if (std::system((kScript + " resume " + state_).c_str()) != 0)
    throw std::runtime_error("pg-test-server resume failed");
}

namespace {

std::string unique_name(const char* prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

}  // namespace

const std::string& pg_conninfo() {
  static const std::string conninfo = [] {
    if (const char* state = std::getenv("SIPSMITH_TEST_PG_STATE"); state && *state) {
      std::string c = read_state(state);
      if (!c.empty() && reachable(c)) return c;
      // The fixture did not run (a test started alone): our own server.
    }
    static PgServer own;  // stopped when the process exits normally
    return own.conninfo();
  }();
  return conninfo;
}

void pg_exec(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to the test PostgreSQL: " +
                             std::string(PQerrorMessage(conn.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  const auto status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(res.get()));
  }
}

long long pg_query_int(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to the test PostgreSQL: " +
                             std::string(PQerrorMessage(conn.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) < 1) {
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(res.get()));
  }
  return std::atoll(PQgetvalue(res.get(), 0, 0));
}

std::string pg_fresh_schema_conninfo() {
  const std::string& base = pg_conninfo();
  const std::string schema = unique_name("t");
  pg_exec(base, "CREATE SCHEMA " + schema);
  return base + " options='-csearch_path=" + schema + "'";
}

std::string pg_fresh_database_conninfo() {
  const std::string& base = pg_conninfo();
  const std::string db = unique_name("d");
  pg_exec(base, "CREATE DATABASE " + db);
  // The base conninfo ends with dbname=postgres; a later key wins.
  return base + " dbname=" + db;
}

}  // namespace sip::testing
