// The progress bar of long exports: one line on stderr, redrawn at most
// ten times a second and only after the first second (short runs print
// nothing), with the share done when the total is known, rows and rows/s.
// Thread-safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace sipsmith::cdrq {

class Progress {
 public:
  Progress(bool enabled, std::optional<std::int64_t> total);
  // One more row; cheap (looks at the clock every 1024 rows).
  void tick() {
    if ((++rows_ & 1023) == 0 && enabled_) draw(false);
  }
  std::int64_t rows() const noexcept { return rows_; }
  void finish();  // the last redraw and its newline, when anything was drawn

 private:
  void draw(bool last);
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  std::optional<std::int64_t> total_;
  std::int64_t rows_ = 0;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace sipsmith::cdrq
