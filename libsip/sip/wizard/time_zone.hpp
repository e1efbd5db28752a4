// UTC offsets of IANA time zones at a given unix time, read from the TZif
// files of the system's tzdata (/usr/share/zoneinfo; RFC 8536, versions 1-4,
// including the POSIX TZ footer that slim files rely on for recent years).
// libstdc++ 12 has no std::chrono tzdb, hence this. "UTC", "GMT", "Z" and
// fixed offsets "+HH:MM" / "-HH:MM" / "+HHMM" / "+HH" work without files.
// Thread-safety: TimeZoneDb is safe from any thread (a mutex guards its
// per-zone cache); loaded zones are immutable and shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"

namespace sip::wizard {

class ZoneData;  // time_zone.cpp

// One time zone's rules. Immutable.
class TimeZone {
 public:
  explicit TimeZone(std::shared_ptr<const ZoneData> data) : data_(std::move(data)) {}
  // Seconds east of UTC in effect at `unix_seconds` (Europe/Dublin: 3600 in
  // summer, 0 in winter).
  int offset_seconds(std::int64_t unix_seconds) const noexcept;
  const std::string& name() const noexcept;

 private:
  std::shared_ptr<const ZoneData> data_;
};

class TimeZoneDb {
 public:
  explicit TimeZoneDb(std::string root = "/usr/share/zoneinfo") : root_(std::move(root)) {}

  // The zone, loaded once and cached. Errors (detail says which):
  //   not_found   no such zone (unknown name, file missing)
  //   bad_value   a name with characters other than [A-Za-z0-9_+-/] or ".."
  //   bad_config  the file is not a valid TZif file
  Result<TimeZone> find(std::string_view name);

  // The process-wide database over /usr/share/zoneinfo.
  static TimeZoneDb& shared();

 private:
  std::string root_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ZoneData>, std::less<>> cache_;
};

// Parses a fixed offset "+HH:MM", "-HH:MM", "+HHMM", "+HH" (and "UTC", "GMT",
// "Z" as 0) into seconds east of UTC; nullopt for anything else.
std::optional<int> parse_fixed_offset(std::string_view text) noexcept;

}  // namespace sip::wizard
