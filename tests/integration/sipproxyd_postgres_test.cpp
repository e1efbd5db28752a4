// sipproxyd on PostgreSQL (docs/postgresql.md), end to end:
//  - an installation moves: `export` from a daemon on SQLite, `import` into
//    one on PostgreSQL, the same document back, and the phones register
//    there with their stored HA1 (no clear passwords); bindings survive
//    kill -9;
//  - the database goes down, then hangs (SIGSTOP), under registration
//    traffic: refreshes still get 200 from memory, writes queue, and when
//    the server is back every acknowledged binding change is in the
//    database;
//  - two daemons on one database see each other's provisioning.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "../support/pg_test_server.hpp"
#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string user_name(const std::string& prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%04d", prefix.c_str(), i);
  return buf;
}

// A provisioning document: customer "load", `n` accounts prefix0001.. with
// passwords, a provider and a plan; their CSV for SIPp.
json document(const std::string& prefix, int n, const std::string& csv_path) {
  json accounts = json::array();
  std::ofstream csv(csv_path);
  csv << "SEQUENTIAL\n";
  for (int i = 1; i <= n; ++i) {
    const std::string user = user_name(prefix, i);
    const std::string password = "pw-" + user + "-x";
    accounts.push_back({{"owner", "load"},
                        {"username", user},
                        {"domain", "sipsmith.test"},
                        {"password", password}});
    csv << user << ";sipsmith.test;[authentication username=" << user << " password=" << password
        << "]\n";
  }
  return {{"format", "sipsmith-provisioning"},
          {"version", 1},
          {"customers",
           json::array(
               {{{"username", "load"}, {"password", "load-customer-pw"}, {"max_accounts", 500}}})},
          {"accounts", accounts}};
}

// SIPp registers every CSV line (scenario register_auth); its exit status.
// `port`: SIPp's local port (the same port again refreshes the same contacts).
int register_all(const TempDir& dir, const Daemon& d, const std::string& csv, int n,
                 const std::string& tag, std::string* diagnostics, std::uint16_t port = 0) {
  SpawnOptions o;
  o.argv = {sipp_binary(),
            d.address(),
            "-sf",
            std::string(SIPPROXYD_SCENARIO_DIR) + "/register_auth.xml",
            "-inf",
            csv,
            "-key",
            "expires",
            "3600",
            "-i",
            "127.0.0.1",
            "-p",
            std::to_string(port != 0 ? port : free_port("127.0.0.1")),
            "-m",
            std::to_string(n),
            "-r",
            "50",
            "-timeout",
            "60s",
            "-nostdin",
            "-trace_err",
            "-error_file",
            dir.file("sipp-errors-" + tag + ".log"),
            "-trace_stat",
            "-stf",
            dir.file("sipp-stat-" + tag + ".csv")};
  o.cwd = dir.path().string();
  o.stderr_file = dir.file("sipp-stderr-" + tag + ".log");
  Child sipp(o);
  auto status = sipp.wait_for(Millis(90000));
  *diagnostics = read_file(dir.file("sipp-errors-" + tag + ".log")) + "\n" +
                 read_file(dir.file("sipp-stderr-" + tag + ".log"));
  return status.value_or(-1);
}

std::size_t binding_count(Daemon& d) {
  return d.control().call("binding.list").size();
}

TEST(SipproxydPostgres, SqliteExportImportsIntoPostgresAndPhonesRegister) {
  constexpr int kAccounts = 20;
  TempDir dir_a;
  TempDir dir_b;
  const std::string csv = dir_a.file("accounts.csv");
  Daemon a(dir_a, {{"store", {{"path", "sipsmith.db"}}}});
  json doc = document("mv", kAccounts, csv);
  ASSERT_EQ(a.control().call("import", {{"document", doc}}, Millis(60000)).value("accounts", 0),
            kAccounts);
  a.control().call("provider.add", {{"owner", "load"},
                                    {"name", "itsp"},
                                    {"server", "sip:itsp.test"},
                                    {"username", "joe"},
                                    {"password", "itsp-secret"}});
  a.control().call("dialplan.add", {{"owner", "load"},
                                    {"name", "out"},
                                    {"type", "dialstring"},
                                    {"source", "itsp"}});
  const json exported = a.control().call("export");
  ASSERT_EQ(exported["accounts"].size(), static_cast<std::size_t>(kAccounts));

  const std::string url = sip::testing::pg_fresh_database_conninfo();
  Daemon b(dir_b, {{"store", {{"url", url}}}});
  EXPECT_EQ(b.ready().value("store", ""), url);
  const json imported = b.control().call("import", {{"document", exported}}, Millis(60000));
  EXPECT_EQ(imported.value("accounts", 0), kAccounts) << imported.dump();
  EXPECT_EQ(b.control().call("export"), exported);  // everything, HA1 included

  std::string why;
  ASSERT_EQ(register_all(dir_b, b, csv, kAccounts, "b", &why), 0) << why;
  EXPECT_EQ(binding_count(b), static_cast<std::size_t>(kAccounts));
  EXPECT_EQ(sip::testing::pg_query_int(url, "SELECT count(*) FROM bindings"), kAccounts);
  const json stats = b.control().call("stats");
  EXPECT_EQ(stats["store"].value("backend", ""), "postgresql") << stats.dump();

  b.kill9();
  b.start();
  EXPECT_EQ(b.ready().value("bindings_restored", 0), kAccounts);
}

// The database stops while phones refresh their registrations: every
// refresh is answered 200 from memory, the binding writes wait in the queue,
// and once the server is back each acknowledged change is in the database.
TEST(SipproxydPostgres, DatabaseDownRegistrationsGoOnAndWritesReplay) {
  constexpr int kAccounts = 30;
  TempDir dir;
  const std::string csv = dir.file("accounts.csv");
  sip::testing::PgServer server;
  sip::testing::pg_exec(server.conninfo(), "CREATE DATABASE outage");
  const std::string url = server.conninfo() + " dbname=outage";
  // Refreshes write through here (refresh_flush_ms 0), so each one is a
  // write-queue job of its own while the database is away.
  Daemon d(dir, {{"store",
                  {{"url", url},
                   {"connect_timeout_ms", 500},
                   {"query_timeout_ms", 1000},
                   {"retry_interval_ms", 200},
                   {"refresh_flush_ms", 0}}}});
  d.control().call("import", {{"document", document("out", kAccounts, csv)}}, Millis(60000));
  std::string why;
  const std::uint16_t phones = free_port("127.0.0.1");
  ASSERT_EQ(register_all(dir, d, csv, kAccounts, "before", &why, phones), 0) << why;
  EXPECT_EQ(sip::testing::pg_query_int(url, "SELECT count(*) FROM bindings"), kAccounts);

  server.down();
  const auto outage_start = Clock::now();
  const long long down_at = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  ASSERT_EQ(register_all(dir, d, csv, kAccounts, "during", &why, phones), 0)
      << "REGISTER refreshes failed while the database was down:\n"
      << why;
  const double during_s =
      std::chrono::duration<double>(Clock::now() - outage_start).count();
  // binding.list reads the database; stats answers from memory.
  json stats = d.control().call("stats");
  EXPECT_EQ(stats.value("bindings", 0), kAccounts) << stats.dump();
  EXPECT_TRUE(stats["store"].value("unavailable", false)) << stats.dump();
  EXPECT_GE(stats["store"].value("acked_early", 0), kAccounts) << stats.dump();
  // Provisioning through the control socket fails with a clear error.
  json refused = d.control().request("customer.add", {{"username", "late"}}, Millis(20000));
  EXPECT_TRUE(refused.contains("error")) << refused.dump();

  server.up();
  const auto back = Clock::now();
  bool replayed = false;
  while (Clock::now() - back < 20s) {
    stats = d.control().call("stats");
    if (!stats["store"].value("unavailable", true) && stats["store"].value("queued", 1) == 0) {
      replayed = true;
      break;
    }
    UdpPeer pacer;
    (void)pacer.receive(Millis(100));
  }
  ASSERT_TRUE(replayed) << stats.dump();
  const double replay_s = std::chrono::duration<double>(Clock::now() - back).count();
  EXPECT_EQ(sip::testing::pg_query_int(url, "SELECT count(*) FROM bindings"), kAccounts);
  EXPECT_EQ(sip::testing::pg_query_int(
                url, "SELECT count(*) FROM bindings WHERE updated >= " + std::to_string(down_at)),
            kAccounts)
      << "refreshes acknowledged during the outage are missing from the database";
  EXPECT_EQ(stats["store"].value("failed_after_ack", 1), 0) << stats.dump();
  std::printf("[ postgres ] %d REGISTER refreshes during the outage took %.2f s, all 200; "
              "queued writes replayed %.2f s after the server returned\n",
              kAccounts, during_s, replay_s);

  // Now a server that hangs (SIGSTOP: connects and queries never answer, as
  // behind a port that drops packets): the deadlines turn it into an outage.
  {
    UdpPeer pacer;
    (void)pacer.receive(Millis(1100));  // the next refreshes carry a later second
  }
  const long long paused_at = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  server.pause();
  const auto hung_start = Clock::now();
  ASSERT_EQ(register_all(dir, d, csv, kAccounts, "hung", &why, phones), 0)
      << "REGISTER refreshes failed while the database hung:\n"
      << why;
  const double hung_s = std::chrono::duration<double>(Clock::now() - hung_start).count();
  stats = d.control().call("stats");
  EXPECT_TRUE(stats["store"].value("unavailable", false)) << stats.dump();
  server.resume();
  const auto resumed = Clock::now();
  replayed = false;
  while (Clock::now() - resumed < 20s) {
    stats = d.control().call("stats");
    if (!stats["store"].value("unavailable", true) && stats["store"].value("queued", 1) == 0) {
      replayed = true;
      break;
    }
    UdpPeer pacer;
    (void)pacer.receive(Millis(100));
  }
  ASSERT_TRUE(replayed) << stats.dump();
  EXPECT_EQ(sip::testing::pg_query_int(
                url, "SELECT count(*) FROM bindings WHERE updated >= " + std::to_string(paused_at)),
            kAccounts);
  EXPECT_EQ(stats["store"].value("failed_after_ack", 1), 0) << stats.dump();
  std::printf("[ postgres ] %d REGISTER refreshes while the database hung took %.2f s, all 200; "
              "replayed %.2f s after it resumed\n",
              kAccounts, hung_s, std::chrono::duration<double>(Clock::now() - resumed).count());
}

// Two daemons, one database: an account added through A's control socket is
// in B's Directory within a second (LISTEN/NOTIFY, then a snapshot read off
// B's core thread) and B registers its phone; the delay is printed. And the
// other way round.
TEST(SipproxydPostgres, TwoDaemonsSeeEachOthersProvisioningWithinASecond) {
  TempDir dir_a;
  TempDir dir_b;
  const std::string url = sip::testing::pg_fresh_database_conninfo();
  Daemon a(dir_a, {{"store", {{"url", url}}}});
  Daemon b(dir_b, {{"store", {{"url", url}}}});
  const std::string csv = dir_b.file("accounts.csv");
  json doc = document("sh", 1, csv);
  doc.erase("accounts");
  a.control().call("import", {{"document", doc}});  // the customer only

  auto accounts_in = [](Daemon& d) { return d.control().call("stats").value("accounts", -1); };
  auto wait_for = [](const std::function<bool()>& done, Millis limit) {
    const auto deadline = Clock::now() + limit;
    UdpPeer pacer;
    while (Clock::now() < deadline) {
      if (done()) return true;
      (void)pacer.receive(Millis(5));
    }
    return done();
  };
  const int before = accounts_in(b);
  const auto t0 = Clock::now();
  a.control().call("account.add", {{"owner", "load"},
                                   {"username", user_name("sh", 1)},
                                   {"domain", "sipsmith.test"},
                                   {"password", "pw-" + user_name("sh", 1) + "-x"}});
  const auto added = Clock::now();
  ASSERT_TRUE(wait_for([&] { return accounts_in(b) == before + 1; }, Millis(5000)))
      << "daemon B never saw the account added through daemon A";
  const double delay_ms = std::chrono::duration<double, std::milli>(Clock::now() - added).count();
  std::printf("[ postgres ] an account added through daemon A was in daemon B's directory "
              "%.1f ms after A answered (%.1f ms after the request)\n",
              delay_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  EXPECT_LT(delay_ms, 1000.0);

  std::string why;
  ASSERT_EQ(register_all(dir_b, b, csv, 1, "shared", &why), 0) << why;
  EXPECT_EQ(binding_count(b), 1u);

  // The other way round: B's change reaches A.
  const int a_before = accounts_in(a);
  b.control().call("account.add", {{"owner", "load"},
                                   {"username", "other"},
                                   {"domain", "sipsmith.test"},
                                   {"password", "other-secret"}});
  EXPECT_TRUE(wait_for([&] { return accounts_in(a) == a_before + 1; }, Millis(2000)));

  // Dial plan key/value data: a value written through A is in B's memory
  // (what sys.DBRead answers from), and its removal too.
  auto kv_in = [](Daemon& d) {
    return d.control().call("stats")["store"].value("kv_cached_keys", -1);
  };
  const int kv_before = kv_in(b);
  a.control().call("kv.put", {{"owner", "load"}, {"key", "shared-key"}, {"value", "v1"}});
  EXPECT_EQ(kv_in(a), kv_before + 1);  // the writer's own copy at once
  EXPECT_TRUE(wait_for([&] { return kv_in(b) == kv_before + 1; }, Millis(2000)))
      << "daemon B never saw the key written through daemon A";
  a.control().call("kv.remove", {{"owner", "load"}, {"key", "shared-key"}});
  EXPECT_TRUE(wait_for([&] { return kv_in(b) == kv_before; }, Millis(2000)));
}

}  // namespace
}  // namespace sipsmith::itest
