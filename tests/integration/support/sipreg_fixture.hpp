// Shared by the sipreg integration tests: running sipreg (stdout and
// stderr captured, NDJSON parsed, bounded in time, the password given by
// environment or withheld), checking a logged digest with libsip, and the
// fixture with a temporary directory, SIPp start-up and a throwaway CA.
// Thread-safety: test thread only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../support/tls_fixture.hpp"
#include "sip/auth/digest.hpp"
#include "support/peers.hpp"
#include "support/process.hpp"

namespace sipsmith::itest {

using nlohmann::json;
using namespace std::chrono_literals;

inline constexpr const char* kPassword = "s3cret";  // alice's, in every scenario
inline constexpr Millis kRunLimit{20000};

struct SipregRun {
  int status = -1;
  std::string out, err;
  std::vector<json> events;  // stdout parsed as NDJSON (lines that parse)
  double seconds = 0;

  std::vector<json> of(const std::string& name) const;  // events named `name`
  json result() const;                                  // the last "result", or {}
  std::vector<std::string> states() const;              // "state" values in order
  std::vector<int> statuses() const;                    // response statuses in order
  std::string dump() const;                             // for failure messages
};

std::vector<json> parse_ndjson(const std::string& text);

// sipreg with `args`; SIPREG_PASSWORD=kPassword or unset; stderr to a file in `dir`.
SpawnOptions sipreg_spawn(const std::vector<std::string>& args, const TempDir& dir,
                          bool with_password);
// Runs sipreg to completion (killed after `limit`, which fails the test).
SipregRun sipreg(const std::vector<std::string>& args, const TempDir& dir,
                 bool with_password = true, Millis limit = kRunLimit);

// The digest of a logged "AUTH Digest ..." line is alice's, checked with libsip.
void expect_valid_digest(const std::string& log_line, const std::string& realm,
                         sip::auth::Algorithm algorithm);

std::vector<std::string> lines_starting(const std::vector<std::string>& lines,
                                        const std::string& prefix);

class SipregIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // SIPp playing `c` in dir_; null (and a test failure) when it cannot start.
  std::unique_ptr<Sipp> sipp(const SippConfig& c);
  // SIPp ends its scenario with status 0 when every check passed.
  static void expect_scenario_passed(Sipp& s);

  static sip::testing::TlsFixture* tls_;
  TempDir dir_;
};

}  // namespace sipsmith::itest
