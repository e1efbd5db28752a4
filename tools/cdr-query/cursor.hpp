// The --cursor file: the final_seq of the last record a run wrote, so the
// next run starts after it (docs/cdr-export.md). Held under an exclusive
// lock (FILE.lock) for the run, so two runs never export the same records;
// moved atomically (a temporary file, fsync, rename, fsync of the
// directory): a crash leaves the old or the new value, never a torn one.
// Thread-safety: one object per process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sipsmith::cdrq {

class CursorFile {
 public:
  // Locks and reads `path` (missing: 0). nullopt with `error` set when the
  // lock is held by another run or the file is not a cursor.
  static std::optional<CursorFile> open(const std::string& path, std::string& error);
  CursorFile(CursorFile&& other) noexcept;
  CursorFile(const CursorFile&) = delete;
  CursorFile& operator=(const CursorFile&) = delete;
  CursorFile& operator=(CursorFile&&) = delete;
  ~CursorFile();

  std::int64_t value() const noexcept { return value_; }
  // Replaces the file with `value`; false with `error` when it cannot.
  bool store(std::int64_t value, std::string& error);

 private:
  CursorFile(std::string path, int lock_fd, std::int64_t value)
      : path_(std::move(path)), lock_fd_(lock_fd), value_(value) {}
  std::string path_;
  int lock_fd_ = -1;
  std::int64_t value_ = 0;
};

}  // namespace sipsmith::cdrq
