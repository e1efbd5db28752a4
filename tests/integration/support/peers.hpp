// The real peers of the sipreg integration tests, each started on free
// loopback ports, waited for by /proc/net readiness and stopped by PID:
// SIPp (package sip-tester) playing a UAS scenario, socat (package socat)
// terminating TLS in front of a SIPp TCP scenario, and dnsmasq (package
// dnsmasq-base) serving SRV records.
// Thread-safety: one owner thread per object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"

namespace sipsmith::itest {

struct SippConfig {
  std::string scenario;  // file name under the scenarios directory
  Proto proto = Proto::Udp;
  std::string ip = "127.0.0.1";
  std::vector<std::pair<std::string, std::string>> keys;  // -key name value
  std::vector<std::string> extra;                         // more sipp arguments
};

class Sipp {
 public:
  // Starts `sipp` in `dir`; throws std::runtime_error (with sipp's output)
  // when it does not come up.
  Sipp(const SippConfig& config, const TempDir& dir);
  std::uint16_t port() const noexcept { return port_; }
  const std::string& ip() const noexcept { return ip_; }
  // "127.0.0.1:5060" / "[::1]:5060"
  std::string hostport() const;
  // Exit status once the scenario ends (or nullopt after `limit`).
  std::optional<int> wait(Millis limit) { return child_->wait_for(limit); }
  // Lines written by the scenario's <log> actions.
  std::vector<std::string> log_lines() const;
  // What SIPp reported (errors file and screen), for failure messages.
  std::string diagnostics() const;

 private:
  std::string ip_;
  std::uint16_t port_ = 0;
  std::string log_file_, error_file_, screen_file_;
  std::unique_ptr<Child> child_;
};

// socat OPENSSL-LISTEN on `ip`:<port()> forwarding to a TCP `target`.
class TlsTerminator {
 public:
  TlsTerminator(const std::string& ip, const std::string& cert, const std::string& key,
                const std::string& target_ip, std::uint16_t target_port, const TempDir& dir);
  std::uint16_t port() const noexcept { return port_; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Child> child_;
};

// dnsmasq on 127.0.0.1:<port()>, answering only for example.test from
// `record_args` (--srv-host=..., --host-record=...).
class Dnsmasq {
 public:
  Dnsmasq(const std::vector<std::string>& record_args, const TempDir& dir);
  std::uint16_t port() const noexcept { return port_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Child> child_;
};

}  // namespace sipsmith::itest
