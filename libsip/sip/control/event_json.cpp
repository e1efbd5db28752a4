#include "sip/control/event_json.hpp"

#include <chrono>

namespace sip::control {

using nlohmann::json;

json event_json(const event::Event& e) {
  return json{{"type", event::type_name(e.type)},
              {"what", e.what},
              {"time", e.time},
              {"level", event::level_name(e.level)},
              {"owner", e.owner},
              {"account", e.account},
              {"call_id", e.call_id},
              {"bridge_id", e.bridge_id},
              {"remote", e.remote},
              {"local", e.local},
              {"method", e.method},
              {"status", e.status},
              {"line", e.line},
              {"message", e.message}};
}

std::optional<event::Event> event_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return std::nullopt;
  auto t = event::parse_type(type->get_ref<const std::string&>());
  if (!t) return std::nullopt;
  event::Event e;
  e.type = *t;
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto number = [&](const char* key) -> std::int64_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
  };
  e.what = text("what");
  e.time = number("time");
  e.level = event::parse_level(text("level")).value_or(event::Level::Info);
  e.owner = text("owner");
  e.account = text("account");
  e.call_id = text("call_id");
  e.bridge_id = text("bridge_id");
  e.remote = text("remote");
  e.local = text("local");
  e.method = text("method");
  e.status = static_cast<int>(number("status"));
  e.line = static_cast<int>(number("line"));
  e.message = text("message");
  return e;
}

json dropped_json(std::uint64_t count, std::uint64_t total, std::int64_t time) {
  return json{{"type", "dropped"}, {"count", count}, {"total", total}, {"time", time}};
}

std::string batch_lines(const event::Subscription::Batch& batch) {
  std::string out;
  auto add = [&out](const json& j) {
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
  };
  if (batch.dropped != 0) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    add(dropped_json(batch.dropped, batch.dropped_total, now));
  }
  for (const auto& e : batch.events) add(event_json(*e));
  return out;
}

}  // namespace sip::control
