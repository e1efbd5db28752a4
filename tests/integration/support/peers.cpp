#include "peers.hpp"

#include <sstream>
#include <stdexcept>

#ifndef SIPREG_SCENARIO_DIR
#error "SIPREG_SCENARIO_DIR must name tests/integration/sipreg/scenarios"
#endif

namespace sipsmith::itest {
namespace {

constexpr int kStartAttempts = 3;
constexpr Millis kReady{5000};

std::string require(const std::string& program, const char* package) {
  std::string path = find_program(program);
  if (path.empty())
    throw std::runtime_error(program + " not found: install the Debian package " + package +
                             " (scripts/lib/common.sh does)");
  return path;
}

std::string bracket(const std::string& ip) {
  return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
}

}  // namespace

Sipp::Sipp(const SippConfig& c, const TempDir& dir) : ip_(c.ip) {
  const std::string sipp = require("sipp", "sip-tester");
  std::string last_error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = free_port(c.ip);
    const std::string tag = c.scenario + "-" + std::to_string(port_);
    log_file_ = dir.file(tag + ".log");
    error_file_ = dir.file(tag + ".errors");
    screen_file_ = dir.file(tag + ".out");
    SpawnOptions o;
    o.argv = {sipp,
              "-sf",
              std::string(SIPREG_SCENARIO_DIR) + "/" + c.scenario,
              "-i",
              c.ip,
              "-p",
              std::to_string(port_),
              "-bind_local",
              "-t",
              c.proto == Proto::Udp ? "u1" : "t1",
              "-m",
              "1",
              "-nostdin",
              "-cp",
              std::to_string(free_port("127.0.0.1")),
              "-timeout",
              "30s",
              "-trace_err",
              "-error_file",
              error_file_,
              "-trace_logs",
              "-log_file",
              log_file_};
    for (const auto& [k, v] : c.keys) o.argv.insert(o.argv.end(), {"-key", k, v});
    o.argv.insert(o.argv.end(), c.extra.begin(), c.extra.end());
    o.cwd = dir.path().string();
    o.stdout_file = screen_file_;
    o.stderr_file = screen_file_ + ".stderr";
    child_ = std::make_unique<Child>(o);
    if (wait_bound(c.proto, c.ip, port_, kReady) && child_->running()) return;
    child_->stop();
    last_error = diagnostics();
  }
  throw std::runtime_error("sipp did not start: " + last_error);
}

std::string Sipp::hostport() const {
  return bracket(ip_) + ":" + std::to_string(port_);
}

std::vector<std::string> Sipp::log_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(read_file(log_file_));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string Sipp::diagnostics() const {
  return "\n--- sipp errors:\n" + read_file(error_file_) + "\n--- sipp stderr:\n" +
         read_file(screen_file_ + ".stderr") + "\n--- sipp log actions:\n" + read_file(log_file_);
}

TlsTerminator::TlsTerminator(const std::string& ip, const std::string& cert, const std::string& key,
                             const std::string& target_ip, std::uint16_t target_port,
                             const TempDir& dir) {
  const std::string socat = require("socat", "socat");
  const bool v6 = ip.find(':') != std::string::npos;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = free_port(ip);
    SpawnOptions o;
    o.argv = {socat,
              "OPENSSL-LISTEN:" + std::to_string(port_) + ",pf=" + (v6 ? "ip6" : "ip4") + ",bind=" +
                  bracket(ip) + ",reuseaddr,fork,cert=" + cert + ",key=" + key + ",verify=0",
              "TCP:" + bracket(target_ip) + ":" + std::to_string(target_port)};
    o.stderr_file = dir.file("socat-" + std::to_string(port_) + ".err");
    child_ = std::make_unique<Child>(o);
    if (wait_bound(Proto::Tcp, ip, port_, kReady) && child_->running()) return;
    child_->stop();
  }
  throw std::runtime_error("socat did not start");
}

Dnsmasq::Dnsmasq(const std::vector<std::string>& record_args, const TempDir& dir) {
  const std::string dnsmasq = require("dnsmasq", "dnsmasq-base");
  std::string log;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = free_port("127.0.0.1");
    SpawnOptions o;
    o.argv = {dnsmasq,
              "--no-daemon",
              "--conf-file=/dev/null",
              "--no-resolv",
              "--no-hosts",
              "--port=" + std::to_string(port_),
              "--listen-address=127.0.0.1",
              "--bind-interfaces",
              "--pid-file=",
              "--local=/example.test/"};
    o.argv.insert(o.argv.end(), record_args.begin(), record_args.end());
    log = dir.file("dnsmasq-" + std::to_string(port_) + ".log");
    o.stderr_file = log;
    child_ = std::make_unique<Child>(o);
    if (wait_bound(Proto::Udp, "127.0.0.1", port_, kReady) && child_->running()) return;
    child_->stop();
  }
  throw std::runtime_error("dnsmasq did not start: " + read_file(log));
}

}  // namespace sipsmith::itest
