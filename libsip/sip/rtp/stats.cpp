#include "sip/rtp/stats.hpp"

#include <cmath>

namespace sip::rtp {

void SourceStats::add(const RtpHeader& h, std::chrono::nanoseconds arrival,
                      std::uint32_t clock_rate) noexcept {
  ++received_;
  if (!started_) {
    started_ = true;
    max_seq_ = h.sequence;
    base_seq_ = h.sequence;
  } else {
    const auto udelta = static_cast<std::uint16_t>(h.sequence - max_seq_);
    if (udelta == 0) {
      ++late_;  // a duplicate
    } else if (udelta < kMaxDropout) {
      if (h.sequence < max_seq_) cycles_ += 65536;  // wrapped
      max_seq_ = h.sequence;
    } else if (udelta <= 65536 - kMaxMisorder) {
      // A jump: the sender restarted its sequence. Count from here (A.1
      // waits for a second packet; a diagnostic tool takes the first).
      resyncs_received_ = received_ - 1;
      base_seq_ = h.sequence;
      max_seq_ = h.sequence;
      cycles_ = 0;
    } else {
      ++late_;  // reordered or duplicate from before max_seq_
    }
  }
  if (clock_rate == 0) return;
  if (jitter_rate_ != 0 && jitter_rate_ != clock_rate) {
    have_transit_ = false;  // another clock: start over
    jitter_ = 0;
  }
  jitter_rate_ = clock_rate;
  const double arrival_units =
      std::chrono::duration<double>(arrival).count() * static_cast<double>(clock_rate);
  const double transit = arrival_units - static_cast<double>(h.timestamp);
  if (have_transit_) {
    double d = transit - transit_;
    // RTP timestamps wrap at 2^32.
    if (d > 2147483648.0) d -= 4294967296.0;
    if (d < -2147483648.0) d += 4294967296.0;
    jitter_ += (std::fabs(d) - jitter_) / 16.0;
  }
  transit_ = transit;
  have_transit_ = true;
}

std::uint64_t SourceStats::expected() const noexcept {
  if (!started_) return 0;
  const std::uint64_t extended_max = std::uint64_t{cycles_} + max_seq_;
  return extended_max - base_seq_ + 1 + resyncs_received_;
}

std::uint64_t SourceStats::lost() const noexcept {
  // A.3: expected - received, late packets and duplicates included (a
  // duplicate can hide a loss, as in RTCP's cumulative count).
  const std::uint64_t e = expected();
  return e > received_ ? e - received_ : 0;
}

double SourceStats::jitter_ms() const noexcept {
  if (jitter_rate_ == 0) return 0;
  return jitter_ * 1000.0 / static_cast<double>(jitter_rate_);
}

void Reception::add(const RtpHeader& h, std::chrono::nanoseconds arrival,
                    std::uint32_t clock_rate) {
  ++packets_;
  ++pts_[h.payload_type];
  sources_[h.ssrc].add(h, arrival, clock_rate);
}

std::uint64_t Reception::expected() const noexcept {
  std::uint64_t n = 0;
  for (const auto& [ssrc, s] : sources_) n += s.expected();
  return n;
}

std::uint64_t Reception::lost() const noexcept {
  std::uint64_t n = 0;
  for (const auto& [ssrc, s] : sources_) n += s.lost();
  return n;
}

double Reception::jitter_ms() const noexcept {
  const SourceStats* top = nullptr;
  for (const auto& [ssrc, s] : sources_)
    if (top == nullptr || s.received() > top->received()) top = &s;
  return top ? top->jitter_ms() : 0;
}

}  // namespace sip::rtp
