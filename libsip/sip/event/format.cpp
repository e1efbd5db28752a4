#include "sip/event/format.hpp"

#include <cstdio>

namespace sip::event {
namespace {

std::string clock_text(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t day_ms = ms % 86400000;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", static_cast<int>(day_ms / 3600000),
                static_cast<int>(day_ms / 60000 % 60), static_cast<int>(day_ms / 1000 % 60),
                static_cast<int>(day_ms % 1000));
  return buf;
}

const char* colour_of(const Event& e) {
  switch (e.level) {
    case Level::Error: return "\x1b[31m";
    case Level::Warn: return "\x1b[33m";
    case Level::Info: break;
  }
  return e.type == Type::Sip ? "\x1b[2m" : "\x1b[36m";
}

}  // namespace

std::string format_line(const Event& e, bool colour) {
  std::string out = clock_text(e.time);
  out += ' ';
  if (colour) out += colour_of(e);
  out += type_name(e.type);
  if (!e.what.empty()) {
    out += ' ';
    out += e.what;
  }
  if (colour) out += "\x1b[0m";
  if (!e.owner.empty()) out += " [" + e.owner + "]";
  if (e.type == Type::Sip) {
    out += ' ';
    out += e.what == "out" ? e.local + " -> " + e.remote : e.remote + " -> " + e.local;
    out += '\n';
    std::string body = e.message;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    for (char c : body)
      if (c != '\r') out += c;
    return out;
  }
  out += ": ";
  out += e.message;
  return out;
}

std::string format_dropped(std::uint64_t n, std::uint64_t total) {
  return "dropped " + std::to_string(n) + " events (queue full; " + std::to_string(total) +
         " in all)";
}

}  // namespace sip::event
