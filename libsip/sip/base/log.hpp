// Logging facade. Library code logs through sip::log(); the program decides
// where lines go by installing a sink (default: stderr, level Info).
// Thread-safety: log() may be called from any thread; set_log_sink() and
// set_log_level() are meant for start-up.
#pragma once

#include <string_view>

namespace sip {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };

using LogSink = void (*)(LogLevel level, std::string_view module, std::string_view text);

void set_log_sink(LogSink sink) noexcept;
void set_log_level(LogLevel level) noexcept;
bool log_enabled(LogLevel level) noexcept;
void log(LogLevel level, std::string_view module, std::string_view text) noexcept;
const char* log_level_name(LogLevel level) noexcept;

}  // namespace sip
