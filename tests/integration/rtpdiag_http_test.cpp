// rtpdiag --http in a real browser: headless Chromium (Debian chromium)
// renders the page while a SIPp test call runs (state "in call", the
// caller's addresses) and after it (the verdict), read from the DOM it
// dumps. Chromium runs with its background networking off and a fresh
// profile in the test's directory; each run is bounded and reaped by PID.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <string>

#include "support/rtpdiag_fixture.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kStart{10000};
constexpr Millis kTest{20000};
constexpr Millis kBrowser{60000};

// The DOM Chromium renders for `url` (empty when it fails; `log` gets stderr).
std::string rendered_dom(const TempDir& dir, const std::string& url, std::string& log) {
  static int n = 0;
  const std::string tag = "chromium-" + std::to_string(++n);
  SpawnOptions o;
  o.argv = {find_program("chromium"),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--user-data-dir=" + dir.file(tag + "-profile"),
            "--dump-dom",
            url};
  o.stdout_file = dir.file(tag + ".html");
  o.stderr_file = dir.file(tag + ".err");
  Child browser(o);
  const auto status = browser.wait_for(kBrowser);
  log = read_file(o.stderr_file);
  return status == 0 ? read_file(o.stdout_file) : std::string();
}

// The text of the element with id `id` in the dumped DOM.
std::string element_text(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex("id=\"" + id + "\">([^<]*)<"))) return {};
  return m[1];
}

TEST(RtpdiagHttp, ChromiumShowsTheCallAndTheVerdict) {
  ASSERT_FALSE(find_program("chromium").empty()) << "install the Debian package chromium";
  TempDir dir;
  write_rtp_tone(dir, 50);
  const std::uint16_t http_port = free_port("127.0.0.1");
  Rtpdiag diag(dir, {"--listen", "127.0.0.1:" + std::to_string(free_port("127.0.0.1")),
                     "--rtp-ports", "20000-20999", "--duration", "3", "--json", "--keep", "--http",
                     "127.0.0.1:" + std::to_string(http_port)});
  auto listening = diag.wait_event("listening", kStart);
  ASSERT_TRUE(listening) << diag.diagnostics();
  const std::string url = listening->value("http", "");
  ASSERT_EQ(url, "http://127.0.0.1:" + std::to_string(http_port) + "/");
  const std::string address = listening->value("address", "");

  std::string log;
  const std::string idle = rendered_dom(dir, url, log);
  ASSERT_FALSE(idle.empty()) << log;
  EXPECT_EQ(element_text(idle, "address"), address) << idle;
  EXPECT_EQ(element_text(idle, "status"), "waiting") << idle;

  const std::uint16_t media = free_even_port("127.0.0.1");
  SippCall caller(dir, rtp_caller_spec(hostport_of(address), user_of(address), "127.0.0.1", media));
  auto call = diag.wait_event("call", kTest);
  ASSERT_TRUE(call) << diag.diagnostics() << caller.diagnostics();
  // During the call (3 s of RTP): the page shows it live.
  const std::string during = rendered_dom(dir, url, log);
  ASSERT_FALSE(during.empty()) << log;
  EXPECT_EQ(element_text(during, "source"), call->value("signalling_source", "")) << during;
  EXPECT_EQ(element_text(during, "advertised"), "127.0.0.1:" + std::to_string(media)) << during;
  const std::string state = element_text(during, "status");
  EXPECT_TRUE(state == "in call" || state == "done") << during;

  auto report = diag.wait_event("report", kTest);
  ASSERT_TRUE(report) << diag.diagnostics() << caller.diagnostics();
  const std::string after = rendered_dom(dir, url, log);
  ASSERT_FALSE(after.empty()) << log;
  EXPECT_EQ(element_text(after, "verdict"), "match") << after;
  EXPECT_EQ(element_text(after, "verdict"), report->value("verdict", ""));
  EXPECT_EQ(element_text(after, "packets"), "50") << after;
  EXPECT_EQ(element_text(after, "actual"), "127.0.0.1:" + std::to_string(media)) << after;
  // --keep: waiting for the next test, the last report still shown.
  EXPECT_EQ(element_text(after, "status"), "waiting") << after;
  EXPECT_EQ(caller.finish(kTest), 0) << caller.diagnostics();

  // --keep: serving until SIGTERM, then exit 0.
  diag.signal(SIGTERM);
  EXPECT_EQ(diag.wait_exit(kStart), 0) << diag.diagnostics();
}

}  // namespace
}  // namespace sipsmith::itest
