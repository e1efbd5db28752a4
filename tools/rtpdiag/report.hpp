// What rtpdiag reports, as plain values, and their printing: NDJSON events
// (--json) or human lines, plus the live state the --http page shows.
// Thread-safety: Reporter and the values belong to the core thread;
// LiveState is locked (the HTTP server reads it from its own threads).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/exit_codes.hpp"
#include "common/ndjson.hpp"
#include "sip/rtp/diagnosis.hpp"

namespace sipsmith::rtpdiag {

// The INVITE and the caller's offer.
struct CallInfo {
  std::string call_id, from_uri, to_uri, request_uri, user_agent;
  std::string signalling_source;  // "ip:port" the INVITE came from
  std::string transport = "UDP";
  std::optional<sip::rtp::Endpoint> advertised;  // the caller's SDP audio socket
  bool advertised_private = false;
  sip::rtp::Expectation expected;
  std::vector<std::string> offered;  // "0 PCMU/8000", ...
  std::string local_rtp;             // our socket as advertised
};

// RTP received from one remote socket.
struct SourceReport {
  std::string from;
  std::uint64_t packets = 0, expected = 0, lost = 0, invalid = 0;
  double jitter_ms = 0;
  std::map<std::uint8_t, std::uint64_t> payload_types;
};

// RTP we sent to one socket: the caller's real source ("actual") or the
// one its SDP advertised ("advertised"); both roles when they coincide.
struct SendReport {
  std::string role;
  std::string to;
  std::uint64_t packets = 0;
  std::uint64_t errors = 0;
  std::string error;  // first error ("connection refused (ICMP port unreachable)")
};

struct TestReport {
  CallInfo call;
  std::vector<SourceReport> sources;  // most packets first
  std::optional<sip::rtp::Endpoint> actual;
  std::vector<SendReport> sent;
  sip::rtp::Verdict verdict = sip::rtp::Verdict::NoCall;
  std::uint64_t rtcp_packets = 0;  // datagrams on our RTCP port (RTP port + 1)
  std::string hangup;              // "bye_sent", "bye_received", "no_ack"
  double duration_s = 0;
};

cli::ExitCode exit_code_for(sip::rtp::Verdict v) noexcept;
cli::Json to_json(const CallInfo& c);
cli::Json to_json(const TestReport& r);

// The page's data: the address to call, the state and the last report.
class LiveState {
 public:
  void set_address(std::string address);
  void set_status(std::string status);  // "waiting", "registering", "in call", "done"
  void set_call(const cli::Json& call);
  void set_report(const cli::Json& report);
  cli::Json snapshot() const;  // {"address","status","call","report"}

 private:
  mutable std::mutex mu_;
  cli::Json state_ = cli::Json::object();
};

class Reporter {
 public:
  Reporter(bool json, int verbosity, std::ostream& out, std::ostream& err, LiveState& live);

  void listening(const std::string& address, const std::string& sip_socket,
                 const std::string& rtp_ports, const std::string& http_url);
  void registration(const std::string& state, const std::string& detail, const std::string& aor,
                    const std::string& contact, std::uint32_t expires);
  void call(const CallInfo& c);
  void first_rtp(const std::string& from);
  void send_error(const std::string& role, const std::string& to, const std::string& error);
  void report(const TestReport& r);
  void warning(const std::string& text);
  void waiting();

 private:
  bool json_;
  int verbosity_;
  std::ostream& out_;
  std::ostream& err_;
  cli::NdjsonWriter writer_;
  LiveState& live_;
};

}  // namespace sipsmith::rtpdiag
