#include "progress.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace sipsmith::cdrq {

Progress::Progress(bool enabled, std::optional<std::int64_t> total)
    : enabled_(enabled), total_(total) {}

void Progress::draw(bool last) {
  const auto now = Clock::now();
  if (!last &&
      (now - start_ < std::chrono::seconds(1) || now - last_draw_ < std::chrono::milliseconds(100)))
    return;
  last_draw_ = now;
  drawn_ = true;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? double(rows_) / secs : 0.0;
  std::string bar;
  if (total_ && *total_ > 0) {
    const double share = std::min(1.0, double(rows_) / double(*total_));
    const int filled = static_cast<int>(share * 30);
    bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
          std::string(static_cast<std::size_t>(30 - filled), ' ') + "] ";
    std::fprintf(stderr, "\r%s%3d%% %lld/%lld rows %.0f rows/s ", bar.c_str(),
                 static_cast<int>(share * 100), static_cast<long long>(rows_),
                 static_cast<long long>(*total_), rate);
  } else {
    std::fprintf(stderr, "\r%lld rows %.0f rows/s ", static_cast<long long>(rows_), rate);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!enabled_ || !drawn_) return;
  draw(true);
  std::fputc('\n', stderr);
}

}  // namespace sipsmith::cdrq
