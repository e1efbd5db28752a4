#include "ndjson.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sipsmith::cli {

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void NdjsonWriter::write(std::string_view event, const Json& fields) {
  Json line;
  line["event"] = event;
  line["ts"] = rfc3339_now();
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (it.key() == "event" || it.key() == "ts") continue;
      line[it.key()] = it.value();
    }
  }
  // Replace invalid UTF-8 (bytes from the network) instead of throwing.
  out_ << line.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  out_.flush();
}

}  // namespace sipsmith::cli
