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

std::string call_created_text(std::string_view direction, std::string_view from,
                              std::string_view to, std::string_view plan) {
  std::string out =
      std::string(direction) + " call from " + std::string(from) + " to " + std::string(to);
  if (!plan.empty()) out += " (dial plan " + std::string(plan) + ")";
  return out;
}

std::string leg_text(std::string_view what, std::string_view uri, int status,
                     std::string_view reason) {
  std::string out = std::string(what) + " " + std::string(uri);
  if (status != 0) out += ": " + std::to_string(status);
  if (!reason.empty()) out += (status != 0 ? " " : ": ") + std::string(reason);
  return out;
}

std::string script_error_text(std::string_view plan, int line, std::string_view message) {
  return "dial plan " + std::string(plan) + ": " +
         (line > 0 ? "line " + std::to_string(line) + ": " : std::string()) + std::string(message);
}

}  // namespace sip::event
