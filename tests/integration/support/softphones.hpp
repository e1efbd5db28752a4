// Real softphones driven headless against sipproxyd in black-box tests:
// baresip (Debian baresip-core 1.0; commands and events over its ctrl_tcp
// module), linphonec (Debian linphone-cli 5.1; commands on stdin through a
// FIFO, calls and RTP statistics read from its output and log) and sipsak
// (0.9.8; one REGISTER). Each runs in its own directory under a TempDir, on
// loopback, with no sound hardware (baresip: ausine source, no player;
// linphonec: wav files). Every wait is bounded; readiness comes from the
// clients' own output or the daemon's control socket, never a fixed sleep.
// Thread-safety: test thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace sipsmith::itest {

enum class SipTransport : std::uint8_t { Udp, Tcp, Tls };
const char* transport_name(SipTransport t) noexcept;  // "udp", "tcp", "tls"

// The account a phone registers, and the daemon listener it uses.
struct PhoneAccount {
  std::string user;
  std::string password;
  std::string domain = "sipsmith.test";
  SipTransport transport = SipTransport::Udp;
  std::string server;   // "127.0.0.1:PORT" of the listener for `transport`
  std::string ca_file;  // TLS: the CA of the daemon's certificate
};

// What the call tests need from either phone.
class Softphone {
 public:
  virtual ~Softphone() = default;
  virtual std::string kind() const = 0;        // "baresip", "linphonec"
  virtual std::string user_agent() const = 0;  // a part of its User-Agent header
  virtual void dial(const std::string& uri) = 0;
  // The call (placed or auto-answered) is established with media running.
  virtual bool wait_established(Millis limit) = 0;
  // RTP from the peer arrives (at least `packets` packets in this call).
  virtual bool wait_rtp(std::uint64_t packets, Millis limit) = 0;
  virtual void hang_up() = 0;
  // The call ended (hung up here or by the peer).
  virtual bool wait_closed(Millis limit) = 0;
  // RTP packets received in the last call, from the client's own counters
  // (baresip: its RTCP member statistics; linphonec: oRTP's end-of-call
  // statistics, so only after wait_closed()).
  virtual std::uint64_t rtp_received() = 0;
  // The server refused the registration (403), from the client's output.
  virtual bool wait_refused(Millis limit) = 0;
  // Output and log tails for failure messages.
  virtual std::string diagnostics() const = 0;
};

class Baresip final : public Softphone {
 public:
  // Writes config and accounts into `dir`/`name` and starts baresip;
  // throws with its output when it does not come up.
  Baresip(const TempDir& dir, const std::string& name, const PhoneAccount& account);
  ~Baresip() override;

  std::string kind() const override { return "baresip"; }
  std::string user_agent() const override { return "baresip"; }
  void dial(const std::string& uri) override;
  bool wait_established(Millis limit) override;
  bool wait_rtp(std::uint64_t packets, Millis limit) override;
  void hang_up() override;
  bool wait_closed(Millis limit) override;
  std::uint64_t rtp_received() override;
  bool wait_refused(Millis limit) override;
  std::string diagnostics() const override;

  // SIGKILL: gone without un-registering (its connections close).
  void kill9();
  // A ctrl_tcp command; the response's "data" (throws when not ok / no answer).
  std::string command(const std::string& name, const std::string& params = "");
  // The first event of `type` received (now or within `limit`).
  std::optional<nlohmann::json> wait_event(const std::string& type, Millis limit);

 private:
  bool pump(Millis limit);  // reads what the ctrl socket has; false on timeout/close
  std::filesystem::path dir_;
  std::unique_ptr<Child> child_;
  int ctrl_ = -1;
  std::string inbox_;  // netstring bytes not parsed yet
  std::vector<nlohmann::json> events_;
  std::vector<nlohmann::json> responses_;
  int next_token_ = 1;
  std::uint64_t last_rcvd_ = 0;
};

class Linphonec final : public Softphone {
 public:
  // Writes a fresh rc file and HOME into `dir`/`name`, starts linphonec
  // with commands from a FIFO, and sets it to play a wav file in calls.
  Linphonec(const TempDir& dir, const std::string& name, const PhoneAccount& account);
  ~Linphonec() override;

  std::string kind() const override { return "linphonec"; }
  std::string user_agent() const override { return "Linphonec"; }
  void dial(const std::string& uri) override;
  bool wait_established(Millis limit) override;
  bool wait_rtp(std::uint64_t packets, Millis limit) override;
  void hang_up() override;
  bool wait_closed(Millis limit) override;
  std::uint64_t rtp_received() override;
  bool wait_refused(Millis limit) override;
  std::string diagnostics() const override;

  void command(const std::string& line);

 private:
  std::string output() const;
  std::string log() const;
  std::filesystem::path dir_;
  std::unique_ptr<Child> child_;
  int fifo_ = -1;
  std::size_t calls_seen_ = 0;  // "connected." lines before the current call
  std::size_t ends_seen_ = 0;   // "ended" lines before the current call
  std::size_t stats_seen_ = 0;  // RTP statistics blocks before the current call
};

// sipsak sending one REGISTER (digest answered with `account`'s password).
struct SipsakResult {
  int exit_status = -1;  // 0: 200 OK, 1: other final response, 2: local error, 3: timeout
  std::string output;
  std::vector<int> statuses;  // status codes received, in order
};
SipsakResult sipsak_register(const TempDir& dir, const PhoneAccount& account,
                             const std::string& contact);

}  // namespace sipsmith::itest
