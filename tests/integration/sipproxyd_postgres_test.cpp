// sipproxyd on PostgreSQL (docs/postgresql.md), end to end:
//  - an installation moves: `export` from a daemon on SQLite, `import` into
//    one on PostgreSQL, the same document back, and the phones register
//    there with their stored HA1 (no clear passwords); bindings survive
//    kill -9;
//  - the database goes down, then hangs (SIGSTOP), under registration
//    traffic: refreshes still get 200 from memory, writes queue, and when
//    the server is back every acknowledged binding change is in the
//    database;
//  - a frozen database holds up the control commands and HTTP requests that
//    read it (they run off the core thread), never SIP;
//  - two daemons on one database see each other's provisioning.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "../support/pg_test_server.hpp"
#include "support/load_accounts.hpp"
#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string user_name(const std::string& prefix, int i) {
  return load_user(prefix, i);
}

json document(const std::string& prefix, int n, const std::string& csv_path) {
  return load_accounts_document(prefix, n, csv_path, 500);
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

// A request sent now on a fresh connection (the control socket's unix
// path, or a loopback TCP port for HTTP) whose answer is read later.
class PendingRequest {
 public:
  static int unix_socket(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }
  static int tcp_socket(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }
  PendingRequest(int fd, const std::string& bytes) : fd_(fd) {
    ok_ =
        fd_ >= 0 && ::write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  }
  ~PendingRequest() {
    if (fd_ >= 0) ::close(fd_);
  }
  PendingRequest(const PendingRequest&) = delete;
  PendingRequest& operator=(const PendingRequest&) = delete;
  bool sent() const { return ok_; }
  // True when the answer has (begun to) arrive.
  bool answered() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  // The first line of the answer ("" after `limit`).
  std::string first_line(Millis limit) {
    const auto deadline = Clock::now() + limit;
    std::string in;
    while (in.find('\n') == std::string::npos && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
    }
    const auto nl = in.find('\n');
    return nl == std::string::npos ? std::string() : in.substr(0, nl);
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

std::string http_get(const std::string& path, const std::string& api_key) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\napikey: " + api_key +
         "\r\nConnection: close\r\n\r\n";
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
  a.control().call(
      "dialplan.add",
      {{"owner", "load"}, {"name", "out"}, {"type", "dialstring"}, {"source", "itsp"}});
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
  const double during_s = std::chrono::duration<double>(Clock::now() - outage_start).count();
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
  std::printf(
      "[ postgres ] %d REGISTER refreshes during the outage took %.2f s, all 200; "
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
  std::printf(
      "[ postgres ] %d REGISTER refreshes while the database hung took %.2f s, all 200; "
      "replayed %.2f s after it resumed\n",
      kAccounts, hung_s, std::chrono::duration<double>(Clock::now() - resumed).count());
}

// The database freezes (SIGSTOP) while a control command and an HTTP API
// request that read it are in flight: they run on connections and threads of
// their own, so the core thread goes on answering OPTIONS and REGISTER (its
// writes are acknowledged after ack_timeout_ms); the control command ends
// with a timed_out error at the query deadline, the HTTP request is refused,
// and a change (core thread) is refused at once.
TEST(SipproxydPostgres, FrozenDatabaseHoldsUpStoreReadsNotSip) {
  constexpr int kAccounts = 5;
  TempDir dir;
  const std::string csv = dir.file("accounts.csv");
  sip::testing::PgServer server;
  sip::testing::pg_exec(server.conninfo(), "CREATE DATABASE frozen");
  const std::string url = server.conninfo() + " dbname=frozen";
  const std::uint16_t http_port = free_port("127.0.0.1");
  Daemon d(dir, {{"store",
                  {{"url", url},
                   {"connect_timeout_ms", 1000},
                   {"query_timeout_ms", 5000},
                   {"retry_interval_ms", 200},
                   {"ack_timeout_ms", 200},
                   // Refreshes write through, so the frozen REGISTER batch
                   // tells the write queue at once (written behind they
                   // reach it only after the flush window).
                   {"refresh_flush_ms", 0}}},
                 {"http", {{"bind", "127.0.0.1:" + std::to_string(http_port)}}}});
  d.control().call("import", {{"document", document("fz", kAccounts, csv)}}, Millis(60000));
  std::string why;
  const std::uint16_t phones = free_port("127.0.0.1");
  ASSERT_EQ(register_all(dir, d, csv, kAccounts, "before", &why, phones), 0) << why;
  EXPECT_EQ(d.control().call("account.list").size(), static_cast<std::size_t>(kAccounts));
  const std::string key = d.control().call("customer.get", {{"username", "load"}})["api_key"];
  const std::string get_customer = http_get("/api/v1/customers/load", key);
  {
    PendingRequest up(PendingRequest::tcp_socket(http_port), get_customer);
    ASSERT_TRUE(up.sent());
    EXPECT_EQ(up.first_line(Millis(10000)).rfind("HTTP/1.1 200", 0), 0u);
  }

  server.pause();
  PendingRequest read(PendingRequest::unix_socket(d.control_path()),
                      R"({"id":7,"method":"account.list","params":{}})"
                      "\n");
  ASSERT_TRUE(read.sent());
  PendingRequest web(PendingRequest::tcp_socket(http_port), get_customer);
  ASSERT_TRUE(web.sent());
  UdpPeer peer;
  peer.send("OPTIONS sip:" + d.address() +
                " SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 127.0.0.1:" +
                std::to_string(peer.port()) +
                ";branch=z9hG4bK-frozen-1\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:probe@sipsmith.test>;tag=f1\r\n"
                "To: <sip:" +
                d.address() +
                ">\r\n"
                "Call-ID: frozen-options-1\r\n"
                "CSeq: 1 OPTIONS\r\n"
                "Content-Length: 0\r\n\r\n",
            "127.0.0.1", d.port());
  const auto options = peer.receive_final(Millis(10000));
  ASSERT_TRUE(options.has_value()) << "no answer to OPTIONS while the database is frozen";
  EXPECT_EQ(options->rfind("SIP/2.0 200", 0), 0u) << *options;
  ASSERT_EQ(register_all(dir, d, csv, kAccounts, "frozen", &why, phones), 0)
      << "REGISTER refreshes failed while the database was frozen:\n"
      << why;
  EXPECT_FALSE(read.answered())
      << "account.list was answered before SIP was: the core thread waited for the database";
  EXPECT_FALSE(web.answered())
      << "the HTTP request was answered before SIP was: the core thread waited for the database";
  // A change, on the core thread's connection, is refused at once: the write
  // queue has found the database unavailable (its REGISTER batch hung).
  const json refused = d.control().request("domain.add", {{"name", "late.test"}}, Millis(20000));
  EXPECT_EQ(refused["error"].value("code", ""), "network") << refused.dump();
  EXPECT_NE(refused["error"].value("message", "").find("the store is unavailable"),
            std::string::npos)
      << refused.dump();
  const json answer = json::parse(read.first_line(Millis(20000)), nullptr, false);
  ASSERT_TRUE(answer.is_object()) << "no answer to account.list";
  EXPECT_EQ(answer["error"].value("code", ""), "timed_out") << answer.dump();
  EXPECT_NE(answer["error"].value("message", "").find("did not answer in time"), std::string::npos)
      << answer.dump();
  EXPECT_EQ(answer.value("id", 0), 7) << answer.dump();
  const std::string status = web.first_line(Millis(20000));
  EXPECT_EQ(status.rfind("HTTP/1.1 ", 0), 0u) << "no answer to the HTTP request";
  // The store did not answer the customer look-up: 503, not a 401 that
  // would tell a client its key was wrong.
  EXPECT_EQ(status.rfind("HTTP/1.1 503", 0), 0u) << status;
  std::printf(
      "[ postgres ] database frozen: OPTIONS and REGISTER answered meanwhile; "
      "account.list got %s, the HTTP request got \"%s\"\n",
      answer["error"].dump().c_str(), status.substr(0, status.find('\r')).c_str());

  server.resume();
  // The readers' next requests reconnect (after retry_interval_ms).
  json listed;
  for (int i = 0; i < 50; ++i) {
    listed = d.control().request("account.list", json::object(), Millis(10000));
    if (listed.contains("result")) break;
    UdpPeer pacer;
    (void)pacer.receive(Millis(100));
  }
  ASSERT_TRUE(listed.contains("result")) << listed.dump();
  EXPECT_EQ(listed["result"].size(), static_cast<std::size_t>(kAccounts));
  std::string back;
  for (int i = 0; i < 50 && back.rfind("HTTP/1.1 200", 0) != 0; ++i) {
    PendingRequest again(PendingRequest::tcp_socket(http_port), get_customer);
    back = again.first_line(Millis(10000));
    UdpPeer pacer;
    if (back.rfind("HTTP/1.1 200", 0) != 0) (void)pacer.receive(Millis(100));
  }
  EXPECT_EQ(back.rfind("HTTP/1.1 200", 0), 0u) << back;
}

// Two daemons, one database: an account added through A's control socket is
// in B's Directory within a second (LISTEN/NOTIFY, then a snapshot read off
// B's core thread) and B registers its phone; the delay is printed. And the
// other way round.
TEST(SipproxydPostgres, TwoDaemonsSeeEachOthersProvisioningWithinASecond) {
  TempDir dir_a;
  TempDir dir_b;
  const std::string url = sip::testing::pg_fresh_database_conninfo();
  Daemon a(dir_a, {{"store", {{"url", url}}}, {"node", "node-a"}});
  Daemon b(dir_b, {{"store", {{"url", url}}}, {"node", "node-b"}});
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
  std::printf(
      "[ postgres ] an account added through daemon A was in daemon B's directory "
      "%.1f ms after A answered (%.1f ms after the request)\n",
      delay_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  EXPECT_LT(delay_ms, 1000.0);

  std::string why;
  ASSERT_EQ(register_all(dir_b, b, csv, 1, "shared", &why), 0) << why;
  EXPECT_EQ(binding_count(b), 1u);
  // The phone registered at B: its binding row names B (the registrar
  // stores a new binding before its 200).
  EXPECT_EQ(sip::testing::pg_query_int(url, "SELECT count(*) FROM bindings WHERE node = 'node-b'"),
            1);
  EXPECT_EQ(sip::testing::pg_query_int(url, "SELECT count(*) FROM bindings WHERE node <> 'node-b'"),
            0);

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
