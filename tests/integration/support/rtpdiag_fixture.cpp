#include "support/rtpdiag_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#ifndef RTPDIAG_BINARY
#error "RTPDIAG_BINARY must name the rtpdiag program"
#endif
#ifndef RTPDIAG_SCENARIO_DIR
#error "RTPDIAG_SCENARIO_DIR must name tests/integration/rtpdiag/scenarios"
#endif

namespace sipsmith::itest {

std::string rtpdiag_binary() {
  return RTPDIAG_BINARY;
}

std::string rtpdiag_caller_scenario() {
  return std::string(RTPDIAG_SCENARIO_DIR) + "/rtp_caller.xml";
}

void write_rtp_tone(const TempDir& dir, int packets) {
  // u-law 0xff is silence; rtp_stream sends 160 bytes per 20 ms packet.
  write_file(dir.file("rtpdiag_tone.ulaw"),
             std::string(static_cast<std::size_t>(packets) * 160, '\xff'));
}

namespace {

// True when a UDP socket can be bound to ip:port right now.
bool udp_free(const std::string& ip, std::uint16_t port) {
  const bool v6 = ip.find(':') != std::string::npos;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    ok = ::inet_pton(AF_INET6, ip.c_str(), &a.sin6_addr) == 1 &&
         ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ok = ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) == 1 &&
         ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace

std::uint16_t free_even_port(const std::string& ip) {
  // SIPp may also bind the next ports (RTCP, its video stream): keep p..p+3 free.
  for (int i = 0; i < 64; ++i) {
    const std::uint16_t p = free_port(ip);
    if (p % 2 != 0 || p > 65530) continue;
    bool all = true;
    for (std::uint16_t k = 1; k <= 3 && all; ++k)
      all = udp_free(ip, static_cast<std::uint16_t>(p + k));
    if (all) return p;
  }
  throw std::runtime_error("no free even port on " + ip);
}

Rtpdiag::Rtpdiag(const TempDir& dir, std::vector<std::string> args, std::vector<std::string> prefix,
                 std::vector<std::pair<std::string, std::string>> env) {
  static int count = 0;
  stderr_file_ = dir.file("rtpdiag-" + std::to_string(++count) + ".stderr");
  SpawnOptions o;
  if (!prefix.empty()) {
    const std::string program = find_program(prefix[0]);
    if (program.empty()) throw std::runtime_error(prefix[0] + " not found");
    prefix[0] = program;
  }
  o.argv = prefix;
  o.argv.push_back(rtpdiag_binary());
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env = std::move(env);
  o.stdout_pipe = true;
  o.stderr_file = stderr_file_;
  o.cwd = dir.path().string();
  child_ = std::make_unique<Child>(o);
}

Rtpdiag::~Rtpdiag() {
  if (child_) child_->stop(Millis(3000));
}

std::optional<nlohmann::json> Rtpdiag::wait_event(const std::string& name, Millis limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (int lines = 0; lines < 10000; ++lines) {
    const auto left = std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto line = child_->read_line(left);
    if (!line) return std::nullopt;
    auto j = nlohmann::json::parse(*line, nullptr, false);
    if (j.is_discarded()) {
      events_.push_back({{"event", "unparsed"}, {"text", *line}});
      continue;
    }
    events_.push_back(j);
    if (j.value("event", "") == name) return j;
  }
  return std::nullopt;
}

std::string Rtpdiag::diagnostics() const {
  std::string s = "\n--- rtpdiag stderr:\n" + read_file(stderr_file_) + "\n--- events:\n";
  for (const auto& e : events_) s += e.dump() + "\n";
  return s;
}

SippCallSpec rtp_caller_spec(const std::string& remote, const std::string& user,
                             const std::string& domain, std::uint16_t media_port) {
  SippCallSpec s;
  s.scenario = rtpdiag_caller_scenario();
  s.remote = remote;
  s.service = user;
  s.keys = {{"domain", domain}, {"offer_type", "IP4"}};
  s.extra = {"-mi", "127.0.0.1", "-mp", std::to_string(media_port)};
  return s;
}

SpawnOptions sipp_caller(const TempDir& dir, const std::string& tag,
                         std::vector<std::string> prefix, const std::string& remote,
                         const std::string& ip, std::uint16_t sip_port, std::uint16_t media_port,
                         const std::string& user, const std::string& domain,
                         const std::string& offer_ip, const std::string& offer_type,
                         std::uint16_t control_port) {
  SpawnOptions o;
  if (!prefix.empty()) prefix[0] = find_program(prefix[0]);
  o.argv = prefix;
  o.argv.insert(o.argv.end(), {find_program("sipp"),
                               remote,
                               "-sf",
                               rtpdiag_caller_scenario(),
                               "-i",
                               ip,
                               "-p",
                               std::to_string(sip_port),
                               "-mi",
                               ip,
                               "-mp",
                               std::to_string(media_port),
                               "-m",
                               "1",
                               "-nostdin",
                               "-cp",
                               std::to_string(control_port),
                               "-timeout",
                               "15s",
                               "-timeout_error",
                               "-s",
                               user,
                               "-key",
                               "domain",
                               domain,
                               "-key",
                               "offer_ip",
                               offer_ip,
                               "-key",
                               "offer_type",
                               offer_type,
                               "-trace_err",
                               "-error_file",
                               dir.file(tag + ".errors")});
  o.cwd = dir.path().string();
  o.stdout_file = dir.file(tag + ".out");
  o.stderr_file = dir.file(tag + ".err");
  return o;
}

std::string user_of(const std::string& address) {
  const auto colon = address.find(':');
  const auto at = address.find('@');
  return address.substr(colon + 1, at - colon - 1);
}

std::string hostport_of(const std::string& address) {
  return address.substr(address.find('@') + 1);
}

}  // namespace sipsmith::itest
