// The media half of one test: our RTP socket, what arrives on it (per
// remote socket), and the PCMU we send every 20 ms to the caller's real
// source (symmetric RTP, once its first packet arrived) and to the socket
// its SDP advertised, with the send errors the kernel reports for each.
// Thread-safety: core thread only; the EventLoop outlives the Probe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "report.hpp"
#include "sip/rtp/stats.hpp"
#include "sip/transport/event_loop.hpp"
#include "sip/transport/media_socket.hpp"

namespace sipsmith::rtpdiag {

class Probe {
 public:
  // Binds an even port of [first, last] on `ip` (and the next port for the
  // caller's RTCP when free); nullptr and `why` set when no port is free.
  static std::unique_ptr<Probe> open(sip::transport::EventLoop& loop, Reporter& reporter,
                                     const sip::transport::SocketAddress& ip, std::uint16_t first,
                                     std::uint16_t last, std::string& why);
  ~Probe();

  sip::transport::SocketAddress local() const { return socket_->local(); }
  // Clock rates of the payload types the caller offered (0: no jitter).
  void set_clock_rate(std::uint8_t pt, std::uint32_t rate) { rates_[pt] = rate; }
  // Starts sending: to `advertised` at once (when given), to the real
  // source as soon as RTP arrives.
  void start(std::optional<sip::transport::SocketAddress> advertised);
  void stop();
  std::uint64_t packets() const noexcept { return packets_; }
  // Fills sources, actual and sent.
  void fill(TestReport& r) const;

 private:
  Probe(sip::transport::EventLoop& loop, Reporter& reporter);
  void on_datagram(std::span<const std::uint8_t> data, const sip::transport::SocketAddress& from,
                   std::chrono::nanoseconds arrival);
  void on_send_error(const sip::transport::SocketAddress& to, int error);
  void tick();
  SendReport& target(const std::string& role, const sip::transport::SocketAddress& to);

  sip::transport::EventLoop& loop_;
  Reporter& reporter_;
  std::unique_ptr<sip::transport::MediaSocket> socket_;
  std::unique_ptr<sip::transport::MediaSocket> rtcp_;  // RTP port + 1, when it was free
  std::uint64_t rtcp_packets_ = 0;
  std::map<std::uint8_t, std::uint32_t> rates_;
  std::map<sip::transport::SocketAddress, sip::rtp::Reception> received_;
  std::uint64_t packets_ = 0;
  std::optional<sip::transport::SocketAddress> actual_, advertised_;
  std::map<sip::transport::SocketAddress, SendReport> sent_;
  bool running_ = false;
  sip::TimerId timer_ = 0;
  std::chrono::steady_clock::time_point next_;
  std::uint16_t seq_ = 0;
  std::uint32_t ts_ = 0, ssrc_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sipsmith::rtpdiag
