// sipproxyd under an INVITE flood with its default settings (docs/security.md):
// four hostile sources (127.0.0.61-64), one after another, each send INVITEs
// that never answer the challenge at about 1,000 per second for 3 s (20 times
// the phones' rate), while a SIPp phone population (127.0.0.50) registers 100
// accounts with digest six times over at 50 per second. One source at a time
// gets the daemon's whole attention, so each outruns the per-source limit
// even in the slow sanitizer build (four at once there share a daemon that
// reads below the limit for each, and the kernel drops the rest). The flood
// guard blocks each source after its burst; the phones keep registering.
// Printed: the phones' success rate, the flood's counts and the daemon's RSS
// and CPU before, during and after.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sip/base/random.hpp"
#include "support/load_accounts.hpp"
#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kAccounts = 100;
constexpr int kRegistrations = 6 * kAccounts;
constexpr auto kEach = std::chrono::seconds(3);  // each hostile source's flood

long rss_kib(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// User + system CPU of `pid` in seconds.
double cpu_s(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  std::getline(in, all);
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One hostile source: INVITEs from a new Call-ID each, about one per
// millisecond (its own pacing), for kEach or until `stop`.
void flood(const std::string& ip, std::uint16_t port, const std::atomic<bool>& stop,
           std::atomic<int>& sent) {
  UdpPeer peer(ip);
  const std::string hp = ip + ":" + std::to_string(peer.port());
  auto next = Clock::now();
  const auto end = next + kEach;
  while (!stop && Clock::now() < end) {
    std::string m = "INVITE sip:100@sipsmith.test SIP/2.0\r\n";
    m += "Via: SIP/2.0/UDP " + hp + ";branch=" + sip::make_branch() + ";rport\r\n";
    m += "From: <sip:flood0001@sipsmith.test>;tag=" + sip::make_tag() + "\r\n";
    m += "To: <sip:100@sipsmith.test>\r\nCall-ID: " + sip::make_call_id() + "\r\n";
    m += "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:x@" + hp + ">\r\n";
    m += "Content-Length: 0\r\n\r\n";
    peer.send(m, "127.0.0.1", port);
    ++sent;
    next += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next);  // the flood's rate, not a wait for anything
  }
}

TEST(SipproxydFlood, PhonesKeepRegisteringWhileHostileSourcesFlood) {
  TempDir dir;
  Daemon d(dir, json::object());  // the defaults
  const std::string csv = dir.file("phones.csv");
  d.control().call("import", {{"document", load_accounts_document("flood", kAccounts, csv, 500)}},
                   Millis(60000));
  const long pid = d.ready().value("pid", 0L);
  const long rss_before = rss_kib(pid);
  const double cpu_before = cpu_s(pid);

  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> attackers;
  attackers.emplace_back([&] {
    for (int k = 1; k <= 4 && !stop; ++k)
      flood("127.0.0.6" + std::to_string(k), d.port(), stop, sent);
  });

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
            "127.0.0.50",
            "-p",
            std::to_string(free_port("127.0.0.50")),
            "-m",
            std::to_string(kRegistrations),
            "-r",
            "50",
            "-timeout",
            "60s",
            "-nostdin",
            "-trace_stat",
            "-stf",
            dir.file("phones-stat.csv"),
            "-trace_err",
            "-error_file",
            dir.file("phones-errors.log")};
  o.cwd = dir.path().string();
  o.stderr_file = dir.file("phones-stderr.log");
  Child sipp(o);
  long rss_during = 0;
  std::optional<int> status;
  const auto deadline = Clock::now() + Millis(90000);
  while (!(status = sipp.wait_for(Millis(500))) && Clock::now() < deadline)
    rss_during = std::max(rss_during, rss_kib(pid));
  stop = true;
  for (auto& t : attackers) t.join();
  const double cpu_during = cpu_s(pid) - cpu_before;
  const long rss_after = rss_kib(pid);

  // SIPp's last statistics line: successful and failed registrations.
  std::ifstream stat(dir.file("phones-stat.csv"));
  std::string header, line, last;
  std::getline(stat, header);
  while (std::getline(stat, line))
    if (!line.empty()) last = line;
  auto column = [&](const std::string& name) {
    std::vector<std::string> h, v;
    std::stringstream hs(header), vs(last);
    for (std::string f; std::getline(hs, f, ';');) h.push_back(f);
    for (std::string f; std::getline(vs, f, ';');) v.push_back(f);
    for (std::size_t i = 0; i < h.size() && i < v.size(); ++i)
      if (h[i] == name) return std::stol(v[i]);
    return -1L;
  };
  const long ok = column("SuccessfulCall(C)");
  const long failed = column("FailedCall(C)");
  const json stats = d.control().call("stats");
  const json f = stats.value("flood", json::object());
  const double rate = ok >= 0 ? 100.0 * static_cast<double>(ok) / kRegistrations : 0;
  std::printf(
      "[ flood    ] phones: %ld/%d registrations ok (%.1f%%), %ld failed; flood: %d INVITEs "
      "sent, %lld dropped, %lld sources blocked; daemon RSS %ld -> %ld (peak) -> %ld KiB, "
      "CPU %.2f s during the run\n",
      ok, kRegistrations, rate, failed, sent.load(), f.value("dropped", 0LL),
      f.value("blocks", 0LL), rss_before, rss_during, rss_after, cpu_during);

  ASSERT_TRUE(status.has_value()) << "SIPp did not finish";
  EXPECT_GE(rate, 99.0) << read_file(dir.file("phones-errors.log"));
  EXPECT_EQ(f.value("blocks", 0), 4) << f.dump();
  EXPECT_GT(f.value("dropped", 0L), 0L) << f.dump();
  // No source got more than its burst (400) and the sustained rate (200/s)
  // for its 3 s through the guard: the INVITEs the daemon took up, and the
  // transactions they left, are bounded by that whatever was sent.
  const long admitted = stats["requests"].value("calls", 0L);
  EXPECT_LE(admitted, 4 * (400 + 200 * 3)) << stats.dump();
  EXPECT_LE(stats["transactions"].value("server", 0L), admitted + 2 * kRegistrations)
      << stats.dump();
}

}  // namespace
}  // namespace sipsmith::itest
