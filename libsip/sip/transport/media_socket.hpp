// MediaSocket: one UDP socket for RTP on the core loop (rtpdiag's media
// endpoint). It binds the first free port of a range, hands every datagram
// up with the kernel's receive time (SO_TIMESTAMPNS, so jitter does not
// depend on how soon the loop runs), and reports send failures: those
// sendto() returns at once (no route) and the ICMP errors the kernel queues
// for the socket (IP_RECVERR: port unreachable, host unreachable ...), each
// with the destination the failed packet went to. No Asio in this header.
// Thread-safety: core thread only; handlers run on the loop's thread. The
// EventLoop must outlive the socket; no handler runs after destruction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/transport/address.hpp"
#include "sip/transport/event_loop.hpp"

namespace sip::transport {

struct MediaHandlers {
  // A datagram from `from`, received at `arrival` (system clock since the epoch).
  std::function<void(std::span<const std::uint8_t> data, const SocketAddress& from,
                     std::chrono::nanoseconds arrival)>
      on_datagram;
  // Sending to `to` failed: `error` is the errno value (ECONNREFUSED for an
  // ICMP port unreachable, EHOSTUNREACH, ENETUNREACH ...).
  std::function<void(const SocketAddress& to, int error)> on_send_error;
};

class MediaSocket {
 public:
  // Binds `ip` (numeric) to the first free port of [first_port, last_port],
  // even ports only when `even` (RTP convention, RFC 3550 11). Errc::network
  // with the reason in the detail when no port of the range can be bound.
  static Result<std::unique_ptr<MediaSocket>> open(EventLoop& loop, const SocketAddress& ip,
                                                   std::uint16_t first_port,
                                                   std::uint16_t last_port, bool even,
                                                   MediaHandlers handlers);
  ~MediaSocket();
  MediaSocket(const MediaSocket&) = delete;
  MediaSocket& operator=(const MediaSocket&) = delete;

  const SocketAddress& local() const noexcept;
  // Sends one datagram; failures reach on_send_error (an immediate one
  // before this returns, ICMP ones later). Also collects queued ICMP errors.
  void send_to(const SocketAddress& to, std::string_view bytes);

 private:
  struct Impl;
  explicit MediaSocket(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace sip::transport
