// Times on cdr-query's command line and in its output: ISO-8601 instants
// ("2024-05-01", "2024-05-01T12:00", "2024-05-01 12:00:00.250+02:00"; no
// offset = UTC) or ages before now ("90s", "30m", "24h", "7d", "2w"),
// and the UTC text of a unix-millisecond time. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipsmith::cdrq {

// Unix milliseconds of `text`, ages counted back from `now_ms`; nullopt
// when it is neither form (or out of range).
std::optional<std::int64_t> parse_time(std::string_view text, std::int64_t now_ms);

// "2024-05-01T12:00:00.123Z"; appended to `out`.
void append_iso_utc(std::string& out, std::int64_t unix_ms);
std::string iso_utc(std::int64_t unix_ms);

std::int64_t now_unix_ms();

}  // namespace sipsmith::cdrq
