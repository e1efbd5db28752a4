// Opening the SQLite store: migrations to the current version, data kept on
// reopen, newer or foreign files refused untouched, WAL on, two connections.
#include <sqlite3.h>

#include <cstdio>
#include <fstream>

#include "sip/store/write_queue.hpp"
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using StoreOpen = StoreTest;

std::string read_file(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  std::fclose(f);
  return out;
}

// A query on a separate raw connection (what another process would see).
std::string raw_query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST_F(StoreOpen, FreshFileGetsTheLatestVersionWithWalAndForeignKeys) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), 7);
  EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), "7");
  EXPECT_EQ(raw_query(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(path_,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name "
                      "IN ('customers', 'domains', 'domain_aliases', 'sip_accounts', "
                      "'bindings', 'dialplan_kv', 'providers', 'dialplans', 'cdrs')"),
            "9");
  // Newest-first CDR pages have indexes in their order (v6).
  EXPECT_EQ(raw_query(path_,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name "
                      "IN ('cdrs_owner_newest', 'cdrs_newest')"),
            "2");
}

// A version 1 file with data (the v2 tables and the v3 column dropped, as a
// v1 sipsmith left it) is upgraded in place: data kept, new tables and
// indexes usable.
TEST_F(StoreOpen, VersionOneFileIsMigratedInPlace) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    const auto base = add_basics(*s);
    ASSERT_TRUE(s->bindings().upsert(binding(base.account, "k")).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE provider_bindings; DROP TABLE providers; DROP TABLE "
                           "dialplans; DROP TABLE cdrs; "
                           "ALTER TABLE sip_accounts DROP COLUMN digest_algorithms; "
                           "ALTER TABLE bindings DROP COLUMN node; PRAGMA user_version = 1;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_EQ(raw_query(path_, "PRAGMA user_version"), "1");
  ASSERT_EQ(raw_query(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'providers'"), "0");
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), 7);
  EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), "7");
  auto demo = s->customers().find("demo");
  ASSERT_TRUE(demo.ok());
  EXPECT_TRUE(s->accounts().find("1001", "sipsmith.test").ok());
  EXPECT_EQ(s->bindings().list()->size(), 1u);
  Provider p;
  p.owner_id = demo->id;
  p.name = "itsp";
  p.server = "sip.example.net";
  EXPECT_TRUE(s->providers().add(p).ok());
  EXPECT_EQ(raw_query(path_,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                      "('providers_name', 'dialplans_name', 'cdrs_owner_created', "
                      "'cdrs_call_id', 'cdrs_bridge_id')"),
            "5");
}

// A version 2 file: accounts get digest_algorithms = "" (the server's setting).
TEST_F(StoreOpen, VersionTwoFileGetsPerAccountDigestAlgorithms) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    add_basics(*s);
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE provider_bindings; "
                           "ALTER TABLE sip_accounts DROP COLUMN digest_algorithms; "
                           "DROP INDEX cdrs_final_seq; ALTER TABLE cdrs DROP COLUMN final_seq; "
                           "ALTER TABLE cdrs DROP COLUMN inserted; "
                           "ALTER TABLE bindings DROP COLUMN node; PRAGMA user_version = 2;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), 7);
  auto a = s->accounts().find("1001", "sipsmith.test");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->digest_algorithms, "");
  SipAccount changed = *a;
  changed.digest_algorithms = "SHA-256";
  ASSERT_TRUE(s->accounts().update(changed).ok());
  EXPECT_EQ(s->accounts().get(a->id)->digest_algorithms, "SHA-256");
}

// A version 3 file: CDRs get `inserted` = created, ended ones a final_seq
// (their rowid), running ones 0; records ending later number above them.
TEST_F(StoreOpen, VersionThreeFileGetsCdrExportKeys) {
  {
    auto s = open();
    ASSERT_TRUE(s);
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE provider_bindings; "
                           "DROP INDEX cdrs_final_seq; ALTER TABLE cdrs DROP COLUMN final_seq; "
                           "ALTER TABLE cdrs DROP COLUMN inserted; "
                           "INSERT INTO cdrs (id, created, hungup_at) VALUES ('a', 1000, 5000); "
                           "INSERT INTO cdrs (id, created, hungup_at) VALUES ('b', 2000, 0); "
                           "ALTER TABLE bindings DROP COLUMN node; PRAGMA user_version = 3;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), 7);
  auto a = s->cdrs().get("a");
  auto b = s->cdrs().get("b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->inserted, 1000);
  EXPECT_EQ(a->final_seq, 1);
  EXPECT_EQ(b->inserted, 2000);
  EXPECT_EQ(b->final_seq, 0);
  Cdr ended = *b;
  ended.hungup_at = 6000;
  ASSERT_TRUE(s->cdrs().upsert(ended).ok());
  EXPECT_EQ(s->cdrs().get("b")->final_seq, 2);
}

// v5: provider registration states, kept per provider and removed with it.
TEST_F(StoreOpen, VersionFourFileGetsProviderBindingStates) {
  {
    auto s = open();
    ASSERT_TRUE(s);
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE provider_bindings; ALTER TABLE bindings DROP COLUMN node; "
                           "PRAGMA user_version = 4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), 7);
  const auto base = add_basics(*s);
  Provider p;
  p.owner_id = base.customer;
  p.name = "voip1";
  p.server = "sip:sip.example.net";
  auto id = s->providers().add(p);
  ASSERT_TRUE(id.ok());
  ProviderBindingState st;
  st.provider_id = *id;
  st.state = "disabled";
  st.reason = "403 Forbidden";
  st.fingerprint = "00ff";
  ASSERT_TRUE(s->provider_bindings().upsert(st).ok());
  st.attempts = 2;
  ASSERT_TRUE(s->provider_bindings().upsert(st).ok());
  st.provider_id = *id + 100;  // no such provider: not kept
  ASSERT_TRUE(s->provider_bindings().upsert(st).ok());
  auto rows = s->provider_bindings().list();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].reason, "403 Forbidden");
  EXPECT_EQ((*rows)[0].attempts, 2);
  ASSERT_TRUE(s->providers().remove(*id).ok());
  EXPECT_TRUE(s->provider_bindings().list()->empty());  // cascade
}

TEST_F(StoreOpen, ReopeningKeepsDataAndVersion) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    const auto base = add_basics(*s);
    ASSERT_TRUE(s->bindings().upsert(binding(base.account, "k")).ok());
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), 7);
  EXPECT_TRUE(s->customers().find("demo").ok());
  EXPECT_TRUE(s->accounts().find("1001", "sipsmith.test").ok());
  EXPECT_EQ(s->bindings().list()->size(), 1u);
}

TEST_F(StoreOpen, NewerSchemaIsRefusedAndLeftUntouched) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 99;", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string before = read_file(path_);
  ASSERT_FALSE(before.empty());
  auto s = open_sqlite(options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::bad_config);
  EXPECT_EQ(read_file(path_), before);
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  EXPECT_EQ(raw_query(path_, "PRAGMA user_version"), "99");
  EXPECT_EQ(raw_query(path_, "PRAGMA journal_mode"), "delete");
}

TEST_F(StoreOpen, NonDatabaseFileIsBadConfigAndMissingFileWithoutCreateFails) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(4096, 'x');
  }
  auto s = open_sqlite(options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::bad_config);
  SqliteOptions missing = options();
  missing.path = (dir_ / "missing.db").string();
  missing.create = false;
  EXPECT_FALSE(open_sqlite(missing).ok());
  EXPECT_FALSE(std::filesystem::exists(missing.path));
  EXPECT_EQ(open_sqlite(SqliteOptions{}).error().code, Errc::bad_config);  // empty path
}

TEST_F(StoreOpen, MemoryDatabaseWorksForSingleConnectionTests) {
  SqliteOptions o;
  o.path = ":memory:";
  auto s = open_sqlite(o);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ((*s)->schema_version(), 7);
  const auto base = add_basics(**s);
  EXPECT_GT(base.account, 0);
}

TEST_F(StoreOpen, CoreAndWriterConnectionsShareTheFile) {
  auto core = open();
  ASSERT_TRUE(core);
  const auto base = add_basics(*core);
  auto queue = WriteQueue::start(sqlite_factory(options()), {});
  ASSERT_TRUE(queue.ok()) << queue.error().to_string();
  // Writer and core write at the same time; busy_timeout serialises them.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE((*queue)
                    ->submit([&base, i](Store& s) {
                      return s.bindings().upsert(binding(base.account, "w" + std::to_string(i)));
                    })
                    .ok());
    if (i % 20 == 0) {
      ASSERT_TRUE(core->domains().add(domain("d" + std::to_string(i) + ".test")).ok());
    }
  }
  (*queue)->flush();
  // The core connection sees what the writer committed.
  auto seen = core->bindings().list_for(base.account);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->size(), 200u);
  EXPECT_EQ(core->domains().list()->size(), 11u);
  // And the writer sees what the core wrote.
  Result<std::size_t> domains_seen = std::size_t{0};
  ASSERT_TRUE((*queue)
                  ->submit([&](Store& s) -> Result<void> {
                    auto d = s.domains().list();
                    if (!d) return d.error();
                    domains_seen = d->size();
                    return {};
                  })
                  .ok());
  (*queue)->flush();
  ASSERT_TRUE(domains_seen.ok());
  EXPECT_EQ(*domains_seen, 11u);
  EXPECT_EQ((*queue)->stats().failed, 0u);
}

}  // namespace
}  // namespace sip::store::testing
