// The product brief's own client samples against the real sipproxyd: the
// Ruby CDR sample (docs/examples/sipsorcery_cdrs.rb, run by Debian's ruby
// with ruby-httpclient, only the URL, user name and password filled in)
// and the jQuery page (docs/examples/sipsorcery_jquery.html, served from
// another origin by this test, rendered by headless Chromium).
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "support/http_env.hpp"

namespace sipsmith::itest {
namespace {

using namespace std::chrono_literals;

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("sample lacks: " + from);
  return text.replace(at, from.size(), to);
}

std::string example(const std::string& name) {
  return read_file(std::string(SIPSMITH_SOURCE_DIR) + "/docs/examples/" + name);
}

// Runs argv, stdout and stderr into files in `dir`; returns the status
// (nullopt after `limit`, the child killed).
std::optional<int> run(const TempDir& dir, std::vector<std::string> argv, Millis limit,
                       std::string* out, std::string* err) {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.stdout_file = dir.file("run.out");
  o.stderr_file = dir.file("run.err");
  o.env = {{"HOME", dir.path().string()}};
  Child child(o);
  auto status = child.wait_for(limit);
  if (!status) child.stop();
  *out = read_file(o.stdout_file);
  *err = read_file(o.stderr_file);
  return status;
}

TEST(HttpClients, TheBriefsRubySampleRunsUnchangedAndPrintsTheCdrs) {
  const std::string ruby = find_program("ruby");
  ASSERT_FALSE(ruby.empty()) << "install Debian's ruby and ruby-httpclient";
  HttpEnv env;
  std::string script = example("sipsorcery_cdrs.rb");
  script = replace_once(script, "provisioningURL = \"\"",
                        "provisioningURL = \"" + env.base_url() + kRest + "\"");
  script = replace_once(script, "\"yourusername\"", "\"demo\"");
  script = replace_once(script, "\"yourpassword\"", std::string("\"") + kDemoPassword + "\"");
  const std::string path = env.dir().file("cdrs.rb");
  write_file(path, script);
  std::string out, err;
  auto status = run(env.dir(), {ruby, path}, 60s, &out, &err);
  ASSERT_TRUE(status.has_value()) << "ruby did not finish; stderr: " << err;
  ASSERT_EQ(*status, 0) << out << err;
  EXPECT_NE(out.find("get CDRs count response=40\n"), std::string::npos) << out;
  const std::size_t at = out.find("get CDRs response=");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string line = out.substr(at + 18, out.find('\n', at) - at - 18);
  json cdrs = json::parse(line, nullptr, false);
  ASSERT_TRUE(cdrs.is_array()) << line;
  EXPECT_EQ(cdrs.size(), 3u);
  EXPECT_TRUE(cdrs[0].contains("CallDirection"));
  EXPECT_NE(out.find("finished"), std::string::npos);
  // The sample logged out: its session is gone.
  const std::size_t id_at = out.find("authID=");
  ASSERT_NE(id_at, std::string::npos);
  const std::string id = out.substr(id_at + 7, 96);
  auto r = env.client().Get(std::string(kRest) + "getcdrscount", {{"authid", id}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST(HttpClients, TheBriefsJqueryPageLoadsTheAccountsFromAnotherOrigin) {
  const std::string chromium = find_program("chromium");
  ASSERT_FALSE(chromium.empty()) << "install Debian's chromium";
  const std::string jquery = "/usr/share/javascript/jquery/jquery.js";  // libjs-jquery
  ASSERT_TRUE(std::filesystem::exists(jquery)) << "install Debian's libjs-jquery";

  // The page's own origin: another port on loopback, served by this test.
  const std::uint16_t page_port = free_port("127.0.0.1");
  const std::string page_origin = "http://127.0.0.1:" + std::to_string(page_port);
  HttpEnv env(json{{"cors_origins", {page_origin}}});
  std::string page = example("sipsorcery_jquery.html");
  page = replace_once(page, "http://127.0.0.1:8080/provisioning.svc/rest/", env.base_url() + kRest);
  page = replace_once(page, "\"yourusername\"", "\"demo\"");
  page = replace_once(page, "\"yourpassword\"", std::string("\"") + kDemoPassword + "\"");
  const std::string jquery_text = read_file(jquery);
  httplib::Server site;
  site.Get("/index.html", [&page](const httplib::Request&, httplib::Response& res) {
    res.set_content(page, "text/html");
  });
  site.Get("/jquery.js", [&jquery_text](const httplib::Request&, httplib::Response& res) {
    res.set_content(jquery_text, "application/javascript");
  });
  ASSERT_TRUE(site.bind_to_port("127.0.0.1", page_port));
  std::thread serving([&site] { site.listen_after_bind(); });
  ASSERT_TRUE(wait_bound(Proto::Tcp, "127.0.0.1", page_port, 5s));

  std::string out, err;
  auto status = run(
      env.dir(),
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
       "--disable-component-update", "--disable-default-apps", "--disable-sync", "--no-first-run",
       "--user-data-dir=" + env.dir().file("chromium"), "--virtual-time-budget=20000", "--dump-dom",
       page_origin + "/index.html"},
      90s, &out, &err);
  site.stop();
  serving.join();
  ASSERT_TRUE(status.has_value()) << "chromium did not finish";
  ASSERT_EQ(*status, 0) << err;
  EXPECT_NE(out.find("<p id=\"status\">loaded</p>"), std::string::npos) << out;
  EXPECT_NE(out.find("<li>Username: alice</li>"), std::string::npos) << out;
  EXPECT_NE(out.find("<li>Username: bob</li>"), std::string::npos) << out;
  EXPECT_EQ(out.find("mallory"), std::string::npos) << out;
}

}  // namespace
}  // namespace sipsmith::itest
