// Running the real sipproxyd in black-box tests: a config in a temporary
// directory, free loopback ports, the daemon started by PID and waited for by
// its ready line, restarted gracefully (SIGTERM) or after SIGKILL, its
// control socket spoken to as a client, and a raw UDP SIP peer for requests
// the tests build themselves (digest answers computed with libsip).
// Thread-safety: test thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/process.hpp"

namespace sipsmith::itest {

using nlohmann::json;

// A connection to a control socket: one request line out, one response in.
class ControlClient {
 public:
  explicit ControlClient(const std::string& path);  // throws when it cannot connect
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;
  // The whole response object ({"id","result"} or {"id","error"}); throws on
  // socket errors or after `limit`.
  json request(const std::string& method, const json& params = json::object(),
               Millis limit = Millis(10000));
  // The result; throws with the error's code and message when there is one.
  json call(const std::string& method, const json& params = json::object(),
            Millis limit = Millis(10000));
  // A streamed line after a streaming request's answer (console.subscribe),
  // or nullopt when none came within `limit`; throws when the socket closes.
  std::optional<json> next_line(Millis limit);

 private:
  int fd_ = -1;
  std::string buffer_;
  int next_id_ = 1;
};

class Daemon {
 public:
  // Writes `config` (the "listen", "store" and "control" fields are set
  // here: UDP+TCP on 127.0.0.1:<free port>, and TLS on another free port
  // when `config` has a "tls" section) into `dir` and starts sipproxyd.
  Daemon(const TempDir& dir, json config);
  ~Daemon();

  // Starts (again) and waits for the ready line; throws with the daemon's
  // stderr when it exits or stays silent.
  void start();
  int stop_gracefully();  // SIGTERM; returns the exit status
  void kill9();           // SIGKILL, reaped
  bool running();
  void signal(int sig);
  // Rewrites the config file (listen/store/control kept as the fixture set them).
  void rewrite_config(json config);
  // Waits (bounded) until the daemon's stderr contains `text`.
  bool wait_stderr(const std::string& text, Millis limit);

  const json& ready() const noexcept { return ready_; }
  std::uint16_t port() const noexcept { return port_; }
  std::uint16_t tls_port() const noexcept { return tls_port_; }  // 0: no TLS listener
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& control_path() const noexcept { return control_; }
  ControlClient& control();  // connected lazily after each start
  std::string stderr_text() const;

 private:
  const TempDir& dir_;
  json config_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  std::string control_, config_path_, stderr_path_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<ControlClient> control_client_;
  json ready_;
  int starts_ = 0;
};

// A UDP socket bound to `ip`:<ephemeral> for hand-built SIP requests.
class UdpPeer {
 public:
  explicit UdpPeer(const std::string& ip = "127.0.0.1");
  ~UdpPeer();
  UdpPeer(const UdpPeer&) = delete;
  UdpPeer& operator=(const UdpPeer&) = delete;
  std::uint16_t port() const noexcept { return port_; }
  const std::string& ip() const noexcept { return ip_; }
  void send(const std::string& bytes, const std::string& ip, std::uint16_t port);
  // The next datagram, or nullopt after `limit`.
  std::optional<std::string> receive(Millis limit = Millis(3000));
  // Skips provisional responses (and stray keep-alives) until a final one.
  std::optional<std::string> receive_final(Millis limit = Millis(3000));

 private:
  int fd_ = -1;
  std::string ip_;
  std::uint16_t port_ = 0;
};

std::string sipproxyd_binary();
std::string sipctl_binary();
std::string sipp_binary();

}  // namespace sipsmith::itest
