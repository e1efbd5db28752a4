// A real DNS server for integration tests: dnsmasq (package dnsmasq-base)
// started on 127.0.0.1 and a free high port with test records, waited for by
// querying it until it answers, and stopped by its PID.
// Thread-safety: one owner thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sip::dns::test {

class DnsmasqServer {
 public:
  // Starts dnsmasq with `record_args` (--srv-host=..., --host-record=...)
  // added to the fixed loopback-only options. Null on failure, with a
  // readable reason in `error` (e.g. dnsmasq not installed).
  static std::unique_ptr<DnsmasqServer> start(const std::vector<std::string>& record_args,
                                              std::string& error);
  ~DnsmasqServer();
  DnsmasqServer(const DnsmasqServer&) = delete;
  DnsmasqServer& operator=(const DnsmasqServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string nameserver() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  DnsmasqServer(pid_t pid, std::uint16_t port, std::string log)
      : pid_(pid), port_(port), log_(std::move(log)) {}

  pid_t pid_;
  std::uint16_t port_;
  std::string log_;  // dnsmasq's stdout/stderr, removed on stop
};

// Absolute path of the dnsmasq binary, or empty.
std::string find_dnsmasq();

}  // namespace sip::dns::test
