#include "support/sipreg_fixture.hpp"

#include <sstream>

#include "sip/message/header_values.hpp"

#ifndef SIPREG_BINARY
#error "SIPREG_BINARY must name the sipreg executable"
#endif

namespace sipsmith::itest {

using Clock = std::chrono::steady_clock;

std::vector<json> SipregRun::of(const std::string& name) const {
  std::vector<json> r;
  for (const auto& e : events)
    if (e.value("event", "") == name) r.push_back(e);
  return r;
}

json SipregRun::result() const {
  auto r = of("result");
  return r.empty() ? json::object() : r.back();
}

std::vector<std::string> SipregRun::states() const {
  std::vector<std::string> s;
  for (const auto& e : of("state")) s.push_back(e.value("state", ""));
  return s;
}

std::vector<int> SipregRun::statuses() const {
  std::vector<int> s;
  for (const auto& e : of("response")) s.push_back(e.value("status", 0));
  return s;
}

std::string SipregRun::dump() const {
  return "exit " + std::to_string(status) + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
}

std::vector<json> parse_ndjson(const std::string& text) {
  std::vector<json> events;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) events.push_back(std::move(j));
  }
  return events;
}

SpawnOptions sipreg_spawn(const std::vector<std::string>& args, const TempDir& dir,
                          bool with_password) {
  SpawnOptions o;
  o.argv = {SIPREG_BINARY};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  if (with_password) {
    o.env.emplace_back("SIPREG_PASSWORD", kPassword);
  } else {
    o.unset_env.push_back("SIPREG_PASSWORD");
  }
  o.stderr_file = dir.file("sipreg.err");
  return o;
}

SipregRun sipreg(const std::vector<std::string>& args, const TempDir& dir, bool with_password,
                 Millis limit) {
  SpawnOptions o = sipreg_spawn(args, dir, with_password);
  o.stdout_file = dir.file("sipreg.out");
  const auto start = Clock::now();
  SipregRun r;
  {
    Child c(o);
    auto s = c.wait_for(limit);
    EXPECT_TRUE(s.has_value()) << "sipreg did not finish within " << limit.count() << " ms";
    r.status = s ? *s : c.stop();
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.out = read_file(o.stdout_file);
  r.err = read_file(o.stderr_file);
  r.events = parse_ndjson(r.out);
  return r;
}

void expect_valid_digest(const std::string& log_line, const std::string& realm,
                         sip::auth::Algorithm algorithm) {
  const std::string prefix = "AUTH ";
  ASSERT_EQ(log_line.rfind(prefix, 0), 0u) << log_line;
  const std::string value = log_line.substr(prefix.size());
  auto av = sip::msg::parse_auth(value);
  ASSERT_TRUE(av) << value;
  auto parsed = sip::auth::parse_authorization(*av);
  ASSERT_TRUE(parsed) << value;
  ASSERT_TRUE(parsed->algorithm.has_value());
  EXPECT_EQ(*parsed->algorithm, algorithm) << value;
  EXPECT_EQ(parsed->username, "alice");
  auto ha1 = sip::auth::ha1(algorithm, "alice", realm, kPassword);
  ASSERT_TRUE(ha1);
  EXPECT_EQ(sip::auth::verify_digest(*av, realm, "REGISTER", "", *ha1),
            sip::auth::DigestVerdict::Ok)
      << value;
}

std::vector<std::string> lines_starting(const std::vector<std::string>& lines,
                                        const std::string& prefix) {
  std::vector<std::string> r;
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) r.push_back(l);
  return r;
}

sip::testing::TlsFixture* SipregIntegration::tls_ = nullptr;

void SipregIntegration::SetUpTestSuite() {
  tls_ = new sip::testing::TlsFixture();
}

void SipregIntegration::TearDownTestSuite() {
  delete tls_;
  tls_ = nullptr;
}

std::unique_ptr<Sipp> SipregIntegration::sipp(const SippConfig& c) {
  try {
    return std::make_unique<Sipp>(c, dir_);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return nullptr;
  }
}

void SipregIntegration::expect_scenario_passed(Sipp& s) {
  auto status = s.wait(10s);
  ASSERT_TRUE(status.has_value()) << "sipp still running" << s.diagnostics();
  EXPECT_EQ(*status, 0) << s.diagnostics();
}

}  // namespace sipsmith::itest
