// What both backends must agree on beyond the single repositories: the
// schema version, provider registration states, ordering of names that a
// locale would sort differently, the WriteQueue's group commit with a
// failing job, CDR scans (early stop, OFFSET without LIMIT, many rows), text
// PostgreSQL would refuse as is; then PostgreSQL alone: newer schemas
// refused, unreachable and silent servers failing within their timeouts.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "sip/store/migrations.hpp"
#include "sip/store/write_queue.hpp"
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using namespace std::chrono_literals;
using Backends = RepoTest;

TEST_P(Backends, SchemaVersionIsTheLatest) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), latest_schema_version());
  EXPECT_EQ(latest_postgres_schema_version(), latest_schema_version());
  s.reset();
  auto again = open();  // a second open migrates nothing
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version(), latest_schema_version());
}

TEST_P(Backends, BindingsCarryTheNodeThatSavedThem) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto base = add_basics(*s);
  s->set_node("sip-a");
  ASSERT_TRUE(s->bindings().upsert(binding(base.account, "k1")).ok());
  Binding own = binding(base.account, "k2");
  own.node = "sip-b";  // saved for another node: kept as given
  ASSERT_TRUE(s->bindings().upsert(own).ok());
  auto rows = s->bindings().list();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].node, "sip-a");
  EXPECT_EQ((*rows)[1].node, "sip-b");
  // A refresh through another node moves the binding to it.
  s->set_node("sip-c");
  ASSERT_TRUE(s->bindings().upsert(binding(base.account, "k1")).ok());
  EXPECT_EQ(s->bindings().list_for(base.account)->front().node, "sip-c");
}

TEST_P(Backends, ProviderBindingStatesRoundTripAndGoWithTheProvider) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id owner = *s->customers().add(customer("demo"));
  Provider p;
  p.owner_id = owner;
  p.name = "itsp";
  p.server = "sip:itsp.test";
  const Id pid = *s->providers().add(p);
  ProviderBindingState b;
  b.provider_id = pid;
  b.state = "registered";
  b.reason = "200 OK";
  b.registered_until = 1700003600;
  b.attempts = 2;
  b.fingerprint = "abcd";
  b.contact = "sip:demo@127.0.0.1";
  b.updated = 1700000000;
  ASSERT_TRUE(s->provider_bindings().upsert(b).ok());
  b.state = "failed";
  ASSERT_TRUE(s->provider_bindings().upsert(b).ok());  // replaces
  ProviderBindingState gone = b;
  gone.provider_id = pid + 100;  // no such provider: nothing kept, no error
  ASSERT_TRUE(s->provider_bindings().upsert(gone).ok());
  auto all = s->provider_bindings().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].state, "failed");
  EXPECT_EQ((*all)[0].registered_until, 1700003600);
  EXPECT_EQ((*all)[0].attempts, 2);
  EXPECT_EQ((*all)[0].contact, "sip:demo@127.0.0.1");
  ASSERT_TRUE(s->providers().remove(pid).ok());
  EXPECT_TRUE(s->provider_bindings().list()->empty());
  EXPECT_TRUE(s->provider_bindings().remove(pid).ok());  // ok if absent
}

// Byte order, as SQLite sorts: '-' < '.' < digits < '_' < letters, and
// upper case compares as lower case where the repository says so.
TEST_P(Backends, NamesOrderByteWiseAndCaseInsensitively) {
  auto s = open();
  ASSERT_TRUE(s);
  for (const char* name : {"zeta", "a_b", "a-b", "a.b", "a1b"})
    ASSERT_TRUE(s->customers().add(customer(name)).ok()) << name;
  std::vector<std::string> names;
  auto customers = s->customers().list();
  ASSERT_TRUE(customers.ok());
  for (const auto& c : *customers) names.push_back(c.username);
  EXPECT_EQ(names, (std::vector<std::string>{"a-b", "a.b", "a1b", "a_b", "zeta"}));

  const Id owner = s->customers().find("zeta")->id;
  for (const char* name : {"beta", "Alpha", "gamma", "_x"}) {
    DialPlan d;
    d.owner_id = owner;
    d.name = name;
    d.source = "sys.Dial('x')";
    ASSERT_TRUE(s->dialplans().add(d).ok()) << name;
  }
  std::vector<std::string> plans;
  auto listed = s->dialplans().list(owner);
  ASSERT_TRUE(listed.ok());
  for (const auto& d : *listed) plans.push_back(d.name);
  EXPECT_EQ(plans, (std::vector<std::string>{"_x", "Alpha", "beta", "gamma"}));
  EXPECT_EQ(s->dialplans().find(owner, "ALPHA")->name, "Alpha");
  DialPlan dup;
  dup.owner_id = owner;
  dup.name = "BETA";
  EXPECT_EQ(s->dialplans().add(dup).error().code, Errc::conflict);
}

TEST_P(Backends, WriteQueueCommitsTheBatchAroundAFailingJob) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto basics = add_basics(*s);
  auto q = WriteQueue::start(factory(), [](std::function<void()> f) { f(); });
  ASSERT_TRUE(q.ok()) << q.error().to_string();
  std::vector<Result<void>> seen;
  auto done = [&seen](Result<void> r) { seen.push_back(r); };
  ASSERT_TRUE(
      (*q)->submit([&](Store& w) { return w.bindings().upsert(binding(basics.account, "a")); },
                   done)
          .ok());
  ASSERT_TRUE((*q)->submit(
                      [](Store& w) -> Result<void> {
                        // A conflict inside the job: only this job is undone.
                        if (auto r = w.customers().add(customer("temp")); !r) return r.error();
                        auto again = w.customers().add(customer("temp"));
                        return again ? Result<void>{} : Result<void>{again.error()};
                      },
                      done)
                  .ok());
  ASSERT_TRUE(
      (*q)->submit([&](Store& w) { return w.bindings().upsert(binding(basics.account, "b")); },
                   done)
          .ok());
  (*q)->flush();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[0].ok());
  EXPECT_EQ(seen[1].error().code, Errc::conflict);
  EXPECT_TRUE(seen[2].ok());
  (*q)->stop();
  EXPECT_EQ(s->bindings().list_for(basics.account)->size(), 2u);
  EXPECT_EQ(s->customers().find("temp").error().code, Errc::not_found);
}

TEST_P(Backends, CdrScansStopEarlySkipWithoutLimitAndStayFlat) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->transaction([&]() -> Result<void> {
                 for (int i = 0; i < 1234; ++i) {
                   Cdr c;
                   c.id = "cdr" + std::to_string(10000 + i);
                   c.owner_id = 1;
                   c.created = 1000 + i;
                   c.direction = "in";
                   c.hungup_at = 2000 + i;
                   if (auto r = s->cdrs().upsert(c); !r) return r;
                 }
                 return {};
               }).ok());
  CdrQuery q;
  q.order = CdrOrder::OldestFirst;
  q.limit = 0;
  std::size_t n = 0;
  std::int64_t last = 0;
  ASSERT_TRUE(s->cdrs()
                  .scan(q,
                        [&](const Cdr& c) {
                          EXPECT_GT(c.created, last);
                          last = c.created;
                          ++n;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(n, 1234u);  // more than one cursor batch
  n = 0;
  ASSERT_TRUE(s->cdrs().scan(q, [&](const Cdr&) { return ++n < 600; }).ok());
  EXPECT_EQ(n, 600u);
  // The connection is usable after an early stop.
  EXPECT_EQ(*s->cdrs().count(q), 1234);
  q.offset = 1200;  // OFFSET without LIMIT
  auto rest = s->cdrs().list(q);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 34u);
  EXPECT_EQ(rest->front().id, "cdr11200");
  EXPECT_EQ(*s->cdrs().count(q), 34);
  q.order = CdrOrder::FinalSeq;
  q.offset = 0;
  q.after_seq = 1230;
  EXPECT_EQ(s->cdrs().list(q)->size(), 4u);
}

// Header values come from the network: a NUL byte or invalid UTF-8 must not
// lose the record (PostgreSQL stores '?' for such bytes).
TEST_P(Backends, RawHeaderBytesDoNotLoseACdr) {
  auto s = open();
  ASSERT_TRUE(s);
  Cdr c;
  c.id = "raw";
  c.created = 1;
  c.direction = "in";
  c.from_name = std::string("caf\xc3\xa9 \xff\xfe", 8);
  c.from_header = std::string("a\0b", 3);
  ASSERT_TRUE(s->cdrs().upsert(c).ok());
  auto got = s->cdrs().get("raw");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->from_name.substr(0, 6), "caf\xc3\xa9 ");  // valid UTF-8 kept
  EXPECT_EQ(got->from_name.size(), 8u);
  EXPECT_EQ(got->from_header.size(), 3u);
}

SIPSMITH_ON_BOTH_BACKENDS(Backends);

// ---- PostgreSQL only ----

TEST(PostgresStore, RefusesANewerSchemaAndBadUrls) {
  const std::string conninfo = sip::testing::pg_fresh_schema_conninfo();
  PgOptions o;
  o.url = conninfo;
  ASSERT_TRUE(open_postgres(o).ok());
  sip::testing::pg_exec(conninfo, "UPDATE sipsmith_schema SET version = 99");
  auto newer = open_postgres(o);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, Errc::bad_config);
  o.url = "/var/lib/sipsmith.db";
  EXPECT_EQ(open_postgres(o).error().code, Errc::bad_config);
  EXPECT_TRUE(is_postgres_url("postgresql://u:p@db.example/sip"));
  EXPECT_TRUE(is_postgres_url("host=/run/postgresql dbname=sip"));
  EXPECT_FALSE(is_postgres_url("/var/lib/sipsmith/sipsmith.db"));
  EXPECT_EQ(redact_postgres_url("postgresql://u:secret@db/sip?sslmode=require"),
            "postgresql://u:***@db/sip?sslmode=require");
  EXPECT_EQ(redact_postgres_url("host=db password=secret dbname=sip"),
            "host=db password=*** dbname=sip");
}

// Tools (cdr-query, dialplan-test) read a daemon's database: nothing written.
TEST(PostgresStore, ReadOnlyReadsAndWritesNothing) {
  const std::string conninfo = sip::testing::pg_fresh_schema_conninfo();
  PgOptions o;
  o.url = conninfo;
  o.read_only = true;
  EXPECT_EQ(open_postgres(o).error().code, Errc::bad_config);  // no schema yet
  o.read_only = false;
  {
    auto rw = open_postgres(o);
    ASSERT_TRUE(rw.ok());
    ASSERT_TRUE((*rw)->customers().add(StoreTest::customer("demo")).ok());
  }
  o.read_only = true;
  auto ro = open_postgres(o);
  ASSERT_TRUE(ro.ok()) << ro.error().to_string();
  EXPECT_EQ((*ro)->customers().list()->size(), 1u);
  EXPECT_FALSE((*ro)->customers().add(StoreTest::customer("other")).ok());
  EXPECT_TRUE((*ro)
                  ->transaction([&]() -> Result<void> {
                    return (*ro)->customers().find("demo").ok()
                               ? Result<void>{}
                               : Result<void>{make_error(Errc::not_found, 0)};
                  })
                  .ok());
}

TEST(PostgresStore, UnreachableServerFailsAtOnce) {
  PgOptions o;
  o.url = "host=/nonexistent-sipsmith port=1 dbname=x user=x";
  const auto t0 = std::chrono::steady_clock::now();
  auto s = open_postgres(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::network);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

// A port that accepts connections and never answers (a listen socket nobody
// accepts on: the kernel completes the handshake) must cost connect_timeout,
// not hang.
TEST(PostgresStore, SilentServerTimesOutWithinConnectTimeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  PgOptions o;
  o.url = "host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) +
          " dbname=x user=x sslmode=disable";
  o.connect_timeout = 400ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = open_postgres(o);
  const auto took = std::chrono::steady_clock::now() - t0;
  ::close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timed_out);
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 3s);
}

}  // namespace
}  // namespace sip::store::testing
