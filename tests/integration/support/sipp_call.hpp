// SIPp (package sip-tester) parties of the sipproxyd call tests: one process
// per party running a sipproxyd/scenarios file on its own free loopback port,
// bounded by SIPp's -timeout, judged by its exit status; phones register from
// the port their UAS scenario then binds. Scenario <log> lines ("INVITE-
// RECEIVED <whole message>", "ANSWER ...") are read back for assertions.
// Thread-safety: test thread only; each object owns and stops its own PID.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/process.hpp"

namespace sipsmith::itest {

struct SippCallSpec {
  std::string scenario;    // file name under SIPPROXYD_SCENARIO_DIR, or an absolute path
  std::string remote;      // "ip:port" for UAC scenarios; empty for UAS ones
  std::string service;     // -s: the request-URI user of UAC scenarios
  std::uint16_t port = 0;  // local UDP port; 0 = a free one
  // -key name value, on top of the defaults (domain sipsmith.test, from_user
  // carol, from_host example.net, offer_ip and answer_ip 127.0.0.1).
  std::vector<std::pair<std::string, std::string>> keys;
  Millis timeout{15000};           // SIPp's -timeout for the whole run (-timeout_error)
  int calls = 1;                   // -m: calls before SIPp exits
  int rate = 0;                    // -r: new calls per second (0: SIPp's default)
  std::string transport = "u1";    // -t: "u1" UDP, "t1" TCP (one connection per peer)
  std::vector<std::string> extra;  // more sipp arguments (e.g. -mi/-mp for rtp_stream)
};

class SippCall {
 public:
  // Starts SIPp in `dir`. A UAS scenario (no remote) is waited for until its
  // port is bound; throws std::runtime_error with SIPp's output when it does
  // not come up.
  SippCall(const TempDir& dir, SippCallSpec spec);
  ~SippCall();
  SippCall(const SippCall&) = delete;
  SippCall& operator=(const SippCall&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept;
  // The Call-ID SIPp gives its first call ("1-<pid>@127.0.0.1").
  std::string first_call_id() const;
  // Exit status once the scenario ends, or nullopt after `limit`.
  std::optional<int> wait(Millis limit);
  // Waits up to `limit`; stops SIPp (by PID) when it is still running.
  // Returns the exit status, or -1 when it had to be stopped.
  int finish(Millis limit);

  std::string log() const;  // everything the scenario's <log> actions wrote
  // The text a <log message="MARKER ..."/> wrote after "MARKER ", up to the
  // next log entry; empty when there is none. For "...-RECEIVED" markers it
  // is the whole SIP message as received.
  std::string logged(std::string_view marker) const;
  // SIPp's errors, stderr, log lines and message trace, for failure output.
  std::string diagnostics() const;

 private:
  SippCallSpec spec_;
  std::uint16_t port_ = 0;
  std::string tag_;
  std::string log_file_, error_file_, message_file_, screen_file_;
  std::unique_ptr<Child> child_;
};

// A registered phone: user@domain is registered from a free port with
// Contact = that port (the account needs an IP ACL covering 127.0.0.1: no
// challenge is answered), then `scenario` (a UAS one) runs on that port.
// Throws std::runtime_error with diagnostics when either step fails.
std::unique_ptr<SippCall> start_phone(const TempDir& dir, const std::string& daemon_address,
                                      const std::string& user, const std::string& scenario,
                                      std::vector<std::pair<std::string, std::string>> keys = {},
                                      const std::string& domain = "sipsmith.test", int calls = 1);

// Parts of a SIP message logged by a scenario (parsed with libsip): the
// first value of header `name` ("" when absent), the body, the start line.
std::string sip_header(const std::string& message, std::string_view name);
std::string sip_body(const std::string& message);
std::string sip_start_line(const std::string& message);

}  // namespace sipsmith::itest
