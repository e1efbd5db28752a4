// rtpdiag in black-box tests: the program started by PID (optionally inside
// a network namespace through `ip netns exec`), its NDJSON events read from
// a pipe and waited for by name, a SIPp caller streaming PCMU from a file
// (scenario tests/integration/rtpdiag/scenarios/rtp_caller.xml) and helpers
// for the even RTP ports SIPp's rtp_stream binds.
// Thread-safety: test thread only; each object stops its own PID.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"
#include "support/sipp_call.hpp"

namespace sipsmith::itest {

std::string rtpdiag_binary();
// Absolute path of the caller scenario.
std::string rtpdiag_caller_scenario();

// The file the caller scenario streams, in `dir`: `packets` x 20 ms of PCMU.
void write_rtp_tone(const TempDir& dir, int packets);
// An even port free for UDP and TCP on `ip` right now, the next three free
// for UDP (rtp_stream's -mp: SIPp may bind the following ports too).
std::uint16_t free_even_port(const std::string& ip);

class Rtpdiag {
 public:
  // Starts `prefix` + rtpdiag + `args` (prefix e.g. {"ip", "netns", "exec", NAME}).
  Rtpdiag(const TempDir& dir, std::vector<std::string> args, std::vector<std::string> prefix = {},
          std::vector<std::pair<std::string, std::string>> env = {});
  ~Rtpdiag();
  Rtpdiag(const Rtpdiag&) = delete;
  Rtpdiag& operator=(const Rtpdiag&) = delete;

  // The next event named `name` (earlier ones of other names are kept in
  // events()), or nullopt after `limit` or at the end of output.
  std::optional<nlohmann::json> wait_event(const std::string& name, Millis limit);
  std::optional<int> wait_exit(Millis limit) { return child_->wait_for(limit); }
  void signal(int sig) { child_->signal(sig); }
  pid_t pid() const noexcept { return child_->pid(); }
  const std::vector<nlohmann::json>& events() const noexcept { return events_; }
  std::string diagnostics() const;  // stderr and every event, for failure output

 private:
  std::string stderr_file_;
  std::unique_ptr<Child> child_;
  std::vector<nlohmann::json> events_;
};

// A SIPp caller of the scenario to `remote` ("ip:port") calling `user`,
// streaming from even port `media_port` on 127.0.0.1.
SippCallSpec rtp_caller_spec(const std::string& remote, const std::string& user,
                             const std::string& domain, std::uint16_t media_port);

// A SIPp caller of the scenario run by hand (not SippCall, which is bound to
// 127.0.0.1): `prefix` + sipp, e.g. inside a network namespace, from
// `ip`:`sip_port` with RTP from `ip`:`media_port`, offering `offer_ip`
// (`offer_type` IP4 or IP6), its control socket on UDP `control_port` (SIPp
// binds it on every address). Its error file is dir/<tag>.errors.
SpawnOptions sipp_caller(const TempDir& dir, const std::string& tag,
                         std::vector<std::string> prefix, const std::string& remote,
                         const std::string& ip, std::uint16_t sip_port, std::uint16_t media_port,
                         const std::string& user, const std::string& domain,
                         const std::string& offer_ip, const std::string& offer_type,
                         std::uint16_t control_port);

// The user part of a "sip:user@host:port" test address.
std::string user_of(const std::string& address);
// "127.0.0.1:5060" of a "sip:user@127.0.0.1:5060" address.
std::string hostport_of(const std::string& address);

}  // namespace sipsmith::itest
