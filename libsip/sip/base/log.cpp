#include "sip/base/log.hpp"

#include <atomic>
#include <cstdio>

namespace sip {
namespace {

void stderr_sink(LogLevel level, std::string_view module, std::string_view text) {
  std::fprintf(stderr, "%s %.*s: %.*s\n", log_level_name(level), static_cast<int>(module.size()),
               module.data(), static_cast<int>(text.size()), text.data());
}

std::atomic<LogSink> g_sink{&stderr_sink};
std::atomic<LogLevel> g_level{LogLevel::Info};

}  // namespace

void set_log_sink(LogSink sink) noexcept {
  g_sink.store(sink ? sink : &stderr_sink);
}
void set_log_level(LogLevel level) noexcept {
  g_level.store(level);
}
bool log_enabled(LogLevel level) noexcept {
  return level >= g_level.load(std::memory_order_relaxed);
}

void log(LogLevel level, std::string_view module, std::string_view text) noexcept {
  if (!log_enabled(level)) return;
  g_sink.load(std::memory_order_relaxed)(level, module, text);
}

const char* log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Trace: return "trace";
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    case LogLevel::Off: return "off";
  }
  return "?";
}

}  // namespace sip
