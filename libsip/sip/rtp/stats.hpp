// Reception statistics of RTP streams (RFC 3550 appendix A.1 and A.8):
// per SSRC the extended highest sequence number, packets expected and lost,
// and the interarrival jitter; over all SSRCs the packet counts per payload
// type. Arrival times come from the caller (the socket's clock), so the
// class is pure and tests feed it made-up times.
// Thread-safety: one owner thread; plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

#include "sip/rtp/packet.hpp"

namespace sip::rtp {

// One synchronisation source.
class SourceStats {
 public:
  // A packet of this source that arrived at `arrival` (any fixed epoch).
  // `clock_rate` is its payload type's RTP clock in Hz; 0 leaves the jitter
  // alone (unknown types, and telephone-event, whose timestamp marks the
  // event's start rather than the sampling instant).
  void add(const RtpHeader& h, std::chrono::nanoseconds arrival, std::uint32_t clock_rate) noexcept;

  std::uint64_t received() const noexcept { return received_; }
  // extended highest sequence - first sequence + 1 (A.3); 0 before any packet.
  std::uint64_t expected() const noexcept;
  // expected - received (late packets and duplicates count as received,
  // RFC 3550 A.3), never negative.
  std::uint64_t lost() const noexcept;
  // A.8 interarrival jitter in milliseconds (0 until two packets of a known clock).
  double jitter_ms() const noexcept;
  // Packets at or below the highest sequence number seen (duplicates, reordered).
  std::uint64_t duplicates_or_late() const noexcept { return late_; }

 private:
  static constexpr std::uint32_t kMaxDropout = 3000;
  static constexpr std::uint32_t kMaxMisorder = 100;

  bool started_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // count of wraps, times 65536
  std::uint32_t base_seq_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t late_ = 0;
  std::uint64_t resyncs_received_ = 0;  // packets counted before a sequence jump
  bool have_transit_ = false;
  double transit_ = 0;  // in timestamp units
  double jitter_ = 0;   // in timestamp units
  std::uint32_t jitter_rate_ = 0;
};

// Everything received on one socket from one remote address.
class Reception {
 public:
  void add(const RtpHeader& h, std::chrono::nanoseconds arrival, std::uint32_t clock_rate);
  void add_invalid() noexcept { ++invalid_; }

  std::uint64_t packets() const noexcept { return packets_; }
  std::uint64_t invalid() const noexcept { return invalid_; }
  std::uint64_t expected() const noexcept;
  std::uint64_t lost() const noexcept;
  // Jitter of the SSRC that sent the most packets.
  double jitter_ms() const noexcept;
  const std::map<std::uint8_t, std::uint64_t>& payload_types() const noexcept { return pts_; }
  const std::map<std::uint32_t, SourceStats>& sources() const noexcept { return sources_; }

 private:
  std::map<std::uint32_t, SourceStats> sources_;
  std::map<std::uint8_t, std::uint64_t> pts_;
  std::uint64_t packets_ = 0;
  std::uint64_t invalid_ = 0;
};

}  // namespace sip::rtp
