// Time source interface. Protocol code (transactions, registrations, nonces)
// asks a Clock for the time instead of reading it, so tests drive a
// ManualClock deterministically. Thread-safety: SteadyClock is safe from any
// thread; ManualClock belongs to the thread that advances it.
#pragma once

#include <chrono>
#include <cstdint>

namespace sip {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const noexcept = 0;
  // Wall-clock seconds since the Unix epoch (CDRs, Date headers, nonces).
  virtual std::int64_t unix_seconds() const noexcept = 0;
  // Wall-clock milliseconds since the Unix epoch (CDR times).
  virtual std::int64_t unix_millis() const noexcept = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint now() const noexcept override;
  std::int64_t unix_seconds() const noexcept override;
  std::int64_t unix_millis() const noexcept override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_start = 1'700'000'000) : unix_start_(unix_start) {}
  TimePoint now() const noexcept override { return now_; }
  std::int64_t unix_seconds() const noexcept override {
    return unix_start_ +
           std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
  }
  std::int64_t unix_millis() const noexcept override {
    return unix_start_ * 1000 +
           std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count();
  }
  void advance(Duration d) noexcept { now_ += d; }

 private:
  TimePoint now_{};
  std::int64_t unix_start_;
};

}  // namespace sip
