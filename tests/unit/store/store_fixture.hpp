// Shared fixture of the store tests: a fresh temp directory per test holding
// a real SQLite file (removed afterwards), plus small record builders.
// RepoTest runs a repository test on each backend: SQLite in that file, and
// PostgreSQL in a fresh schema of the tests' server (pg_test_server.hpp).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "../../support/pg_test_server.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/sqlite_store.hpp"
#include "sip/store/store.hpp"

namespace sip::store::testing {

class StoreTest : public ::testing::Test {
 public:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipstore-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "store.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  SqliteOptions options() const {
    SqliteOptions o;
    o.path = path_;
    return o;
  }
  std::unique_ptr<Store> open() {
    auto s = open_sqlite(options());
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }

  static Customer customer(std::string username) {
    Customer c;
    c.username = std::move(username);
    return c;
  }
  static Domain domain(std::string name, Id owner = 0) {
    Domain d;
    d.name = std::move(name);
    d.owner_id = owner;
    return d;
  }
  static SipAccount account(Id owner, std::string username, std::string domain_name) {
    SipAccount a;
    a.owner_id = owner;
    a.username = std::move(username);
    a.domain = std::move(domain_name);
    return a;
  }
  static Binding binding(Id account_id, std::string key, std::int64_t expires = 4000000000) {
    Binding b;
    b.account_id = account_id;
    b.contact_key = key;
    b.contact_uri = "sip:" + key + "@192.0.2.1:5060";
    b.mangled_uri = b.contact_uri;
    b.call_id = "call-" + key;
    b.cseq = 7;
    b.q = 0.5f;
    b.transport = "udp";
    b.remote = "192.0.2.1:5060";
    b.local = "127.0.0.1:5060";
    b.registered = 1700000000;
    b.updated = 1700000001;
    b.expires = expires;
    return b;
  }

  // Creates customer "demo", domain "sipsmith.test" and account 1001; the ids.
  struct Basics {
    Id customer = 0;
    Id domain = 0;
    Id account = 0;
  };
  static Basics add_basics(Store& s) {
    Basics b;
    auto c = s.customers().add(customer("demo"));
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    b.customer = c.ok() ? *c : 0;
    auto d = s.domains().add(domain("sipsmith.test"));
    EXPECT_TRUE(d.ok()) << d.error().to_string();
    b.domain = d.ok() ? *d : 0;
    auto a = s.accounts().add(account(b.customer, "1001", "sipsmith.test"));
    EXPECT_TRUE(a.ok()) << a.error().to_string();
    b.account = a.ok() ? *a : 0;
    return b;
  }

  std::filesystem::path dir_;
  std::string path_;
};

enum class Backend { sqlite, postgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "Sqlite" : "Postgres";
}

class RepoTest : public StoreTest, public ::testing::WithParamInterface<Backend> {
 public:
  // The same database on every call within a test (reopening sees the data).
  std::unique_ptr<Store> open() {
    if (GetParam() == Backend::sqlite) return StoreTest::open();
    if (conninfo_.empty()) conninfo_ = sip::testing::pg_fresh_schema_conninfo();
    PgOptions o;
    o.url = conninfo_;
    auto s = open_postgres(o);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }
  StoreFactory factory() {
    if (GetParam() == Backend::sqlite) return sqlite_factory(options());
    if (conninfo_.empty()) conninfo_ = sip::testing::pg_fresh_schema_conninfo();
    PgOptions o;
    o.url = conninfo_;
    return postgres_factory(o);
  }

  std::string conninfo_;
};

#define SIPSMITH_ON_BOTH_BACKENDS(suite)                                                        \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                     \
                           ::testing::Values(::sip::store::testing::Backend::sqlite,            \
                                             ::sip::store::testing::Backend::postgres),         \
                           ::sip::store::testing::backend_name)

}  // namespace sip::store::testing
