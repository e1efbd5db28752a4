#include "report.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace sipsmith::rtpdiag {
namespace {

using cli::Json;
using sip::rtp::Verdict;

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

double round_to(double v, double step) {
  return std::round(v / step) * step;
}

std::string pt_list(const std::map<std::uint8_t, std::uint64_t>& pts) {
  std::string s;
  for (const auto& [pt, n] : pts) {
    if (!s.empty()) s += ", ";
    s += "PT " + std::to_string(pt) + " x" + std::to_string(n);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

cli::ExitCode exit_code_for(Verdict v) noexcept {
  switch (v) {
    case Verdict::Match: return cli::ExitCode::Ok;
    case Verdict::Mismatch:
    case Verdict::NoRtp:
    case Verdict::Unreachable: return cli::ExitCode::Failure;
    case Verdict::NoCall: return cli::ExitCode::Network;
  }
  return cli::ExitCode::Failure;
}

Json to_json(const CallInfo& c) {
  Json j;
  j["call_id"] = c.call_id;
  j["from_uri"] = c.from_uri;
  j["to_uri"] = c.to_uri;
  j["request_uri"] = c.request_uri;
  if (!c.user_agent.empty()) j["user_agent"] = c.user_agent;
  j["signalling_source"] = c.signalling_source;
  j["transport"] = c.transport;
  j["advertised"] = c.advertised ? Json(to_string(*c.advertised)) : Json(nullptr);
  j["advertised_private"] = c.advertised_private;
  j["expected"] = c.advertised ? Json(to_string(c.expected.socket)) : Json(nullptr);
  j["expected_from"] = c.expected.from_signalling ? "signalling_source" : "sdp";
  j["offered"] = c.offered;
  j["local_rtp"] = c.local_rtp;
  return j;
}

Json to_json(const TestReport& r) {
  Json j;
  j["verdict"] = std::string(sip::rtp::verdict_name(r.verdict));
  j["exit_code"] = cli::to_int(exit_code_for(r.verdict));
  j["summary"] = std::string(sip::rtp::verdict_text(r.verdict));
  if (r.verdict == Verdict::NoCall) return j;  // nothing else was measured
  j["call"] = to_json(r.call);
  j["actual"] = r.actual ? Json(to_string(*r.actual)) : Json(nullptr);
  std::uint64_t packets = 0, expected = 0, lost = 0;
  Json sources = Json::array();
  for (const auto& s : r.sources) {
    packets += s.packets;
    expected += s.expected;
    lost += s.lost;
    Json pts = Json::object();
    for (const auto& [pt, n] : s.payload_types) pts[std::to_string(pt)] = n;
    sources.push_back({{"from", s.from},
                       {"packets", s.packets},
                       {"expected", s.expected},
                       {"lost", s.lost},
                       {"invalid", s.invalid},
                       {"jitter_ms", round_to(s.jitter_ms, 0.001)},
                       {"payload_types", pts}});
  }
  j["packets"] = packets;
  j["expected_packets"] = expected;
  j["lost"] = lost;
  j["loss_pct"] =
      expected ? round_to(100.0 * static_cast<double>(lost) / static_cast<double>(expected), 0.01)
               : 0.0;
  j["jitter_ms"] = r.sources.empty() ? 0.0 : round_to(r.sources.front().jitter_ms, 0.001);
  j["payload_types"] = r.sources.empty() ? Json::object() : sources.front()["payload_types"];
  j["sources"] = sources;
  Json sent = Json::array();
  for (const auto& s : r.sent) {
    Json e = {{"role", s.role}, {"to", s.to}, {"packets", s.packets}, {"errors", s.errors}};
    e["error"] = s.error.empty() ? Json(nullptr) : Json(s.error);
    e["got_through"] = s.errors == 0;
    sent.push_back(e);
  }
  j["sent"] = sent;
  j["rtcp_packets"] = r.rtcp_packets;
  j["hangup"] = r.hangup;
  j["duration_s"] = round_to(r.duration_s, 0.001);
  return j;
}

void LiveState::set_address(std::string address) {
  std::lock_guard lock(mu_);
  state_["address"] = std::move(address);
}
void LiveState::set_status(std::string status) {
  std::lock_guard lock(mu_);
  state_["status"] = std::move(status);
}
void LiveState::set_call(const cli::Json& call) {
  std::lock_guard lock(mu_);
  state_["call"] = call;
}
void LiveState::set_report(const cli::Json& report) {
  std::lock_guard lock(mu_);
  state_["report"] = report;
}
cli::Json LiveState::snapshot() const {
  std::lock_guard lock(mu_);
  return state_;
}

Reporter::Reporter(bool json, int verbosity, std::ostream& out, std::ostream& err, LiveState& live)
    : json_(json), verbosity_(verbosity), out_(out), err_(err), writer_(out), live_(live) {}

void Reporter::listening(const std::string& address, const std::string& sip_socket,
                         const std::string& rtp_ports, const std::string& http_url) {
  live_.set_address(address);
  live_.set_status("waiting");
  if (json_) {
    Json j = {{"address", address}, {"sip", sip_socket}, {"rtp_ports", rtp_ports}};
    if (!http_url.empty()) j["http"] = http_url;
    return writer_.write("listening", j);
  }
  out_ << "call " << address << " to test (SIP on udp:" << sip_socket << ", RTP ports " << rtp_ports
       << ")\n";
  if (!http_url.empty()) out_ << "live page: " << http_url << "\n";
  out_.flush();
}

void Reporter::registration(const std::string& state, const std::string& detail,
                            const std::string& aor, const std::string& contact,
                            std::uint32_t expires) {
  if (json_) {
    Json j = {{"state", state}, {"aor", aor}};
    if (!contact.empty()) j["contact"] = contact;
    if (expires) j["expires"] = expires;
    if (!detail.empty()) j["detail"] = detail;
    return writer_.write("registration", j);
  }
  if (state == "registered") {
    out_ << "registered " << aor << " (contact " << contact << ") for " << expires
         << " s: call it to test\n";
  } else if (state == "failed" || verbosity_ > 0) {
    out_ << "registration " << state << (detail.empty() ? "" : ": " + detail) << "\n";
  }
  out_.flush();
}

void Reporter::call(const CallInfo& c) {
  live_.set_status("in call");
  live_.set_call(to_json(c));
  live_.set_report(nullptr);  // the previous test's report no longer applies
  if (json_) return writer_.write("call", to_json(c));
  out_ << "call from " << c.signalling_source << " (" << c.transport << "), " << c.from_uri << "\n";
  if (c.advertised) {
    out_ << "  caller's SDP: RTP at " << to_string(*c.advertised)
         << (c.advertised_private ? " (a private address)" : "") << "\n";
    out_ << "  expecting RTP from " << to_string(c.expected.socket)
         << (c.expected.from_signalling ? " (signalling source address, SDP port)" : "") << "\n";
  }
  out_ << "  our RTP socket: " << c.local_rtp << "\n";
  out_.flush();
}

void Reporter::first_rtp(const std::string& from) {
  if (json_) return writer_.write("rtp_first", {{"from", from}});
  if (verbosity_ > 0) out_ << "  first RTP from " << from << "\n" << std::flush;
}

void Reporter::send_error(const std::string& role, const std::string& to,
                          const std::string& error) {
  if (json_) return writer_.write("send_error", {{"role", role}, {"to", to}, {"error", error}});
  out_ << "  sending RTP to " << to << " (" << role << ") failed: " << error << "\n" << std::flush;
}

void Reporter::report(const TestReport& r) {
  const Json j = to_json(r);
  live_.set_report(j);
  live_.set_status("done");
  if (json_) return writer_.write("report", j);
  if (r.verdict == sip::rtp::Verdict::NoCall) {
    out_ << "verdict: no_call - " << sip::rtp::verdict_text(r.verdict) << "\n" << std::flush;
    return;
  }
  for (const auto& s : r.sources) {
    out_ << "  RTP from " << s.from << ": " << s.packets << " packets, " << s.lost << " lost ("
         << fixed(s.expected ? 100.0 * static_cast<double>(s.lost) / static_cast<double>(s.expected)
                             : 0.0,
                  1)
         << "%), jitter " << fixed(s.jitter_ms, 2) << " ms, " << pt_list(s.payload_types) << "\n";
  }
  if (r.sources.empty()) out_ << "  no RTP received\n";
  for (const auto& s : r.sent) {
    out_ << "  RTP to " << s.to << " (" << s.role << "): " << s.packets << " sent, "
         << (s.errors == 0 ? "no error noticed" : s.error) << "\n";
  }
  if (r.rtcp_packets > 0) out_ << "  RTCP: " << r.rtcp_packets << " packets\n";
  out_ << "  hangup: " << r.hangup << " after " << fixed(r.duration_s, 1) << " s\n";
  out_ << "verdict: " << sip::rtp::verdict_name(r.verdict) << " - "
       << sip::rtp::verdict_text(r.verdict) << "\n";
  out_.flush();
}

void Reporter::warning(const std::string& text) {
  if (json_) return writer_.write("warning", {{"text", text}});
  err_ << "rtpdiag: warning: " << text << "\n";
}

void Reporter::waiting() {
  live_.set_status("waiting");
}

}  // namespace sipsmith::rtpdiag
