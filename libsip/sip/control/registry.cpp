#include "sip/control/registry.hpp"

#include <algorithm>

namespace sip::control {
namespace {

using nlohmann::json;

std::string dump(const json& j) {
  // Store values may hold bytes that are not UTF-8; never throw on output.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string response_line(const json& id, const CommandResult& r) {
  std::string out = "{\"id\":";
  out += dump(id);
  if (r.ok()) {
    out += ",\"result\":";
    out += dump(r.value());
  } else {
    json err = {{"code", r.error().code}, {"message", r.error().message}};
    out += ",\"error\":";
    out += dump(err);
  }
  out += '}';
  return out;
}

}  // namespace

void CommandRegistry::add(std::string method, Handler handler) {
  handlers_[std::move(method)] = std::move(handler);
}

void CommandRegistry::add_stream(std::string method, StreamHandler handler) {
  streams_[std::move(method)] = std::move(handler);
}

const StreamHandler* CommandRegistry::stream(std::string_view method) const {
  auto it = streams_.find(method);
  return it == streams_.end() ? nullptr : &it->second;
}

bool CommandRegistry::contains(std::string_view method) const {
  return handlers_.find(method) != handlers_.end() || streams_.find(method) != streams_.end();
}

std::vector<std::string> CommandRegistry::methods() const {
  std::vector<std::string> out;
  out.reserve(handlers_.size() + streams_.size());
  for (const auto& [name, handler] : handlers_) out.push_back(name);
  for (const auto& [name, handler] : streams_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

CommandResult CommandRegistry::call(std::string_view method, const json& params) const {
  auto it = handlers_.find(method);
  if (it == handlers_.end() && streams_.find(method) != streams_.end())
    return CommandError{"invalid_request", "'" + std::string(method) +
                                               "' streams events: only a connection can take it"};
  if (it == handlers_.end())
    return CommandError{"unknown_method", "unknown method '" + std::string(method) + "'"};
  if (!params.is_null() && !params.is_object())
    return CommandError{"invalid_request", "params must be an object"};
  try {
    return it->second(params.is_null() ? json::object() : params);
  } catch (const CommandFailure& f) {
    return f.error();
  } catch (const json::exception& e) {
    return CommandResult::fail(Errc::invalid_argument, e.what());
  } catch (const std::exception& e) {
    return CommandError{"internal", e.what()};
  }
}

std::string CommandRegistry::handle_line(std::string_view line) const {
  return answer(line, nullptr).line;
}

CommandRegistry::LineAnswer CommandRegistry::handle_line(std::string_view line,
                                                         std::function<void()> notify) const {
  return answer(line, &notify);
}

CommandRegistry::LineAnswer CommandRegistry::answer(std::string_view line,
                                                    std::function<void()>* notify) const {
  json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return {error_line("parse_error", "the line is not valid JSON"), {}};
  if (!request.is_object())
    return {error_line("invalid_request", "a request is a JSON object with a \"method\""), {}};
  json id = request.contains("id") ? request["id"] : json();
  auto method = request.find("method");
  if (method == request.end() || !method->is_string())
    return {response_line(id, CommandError{"invalid_request", "\"method\" (a string) is required"}),
            {}};
  auto params = request.find("params");
  const json p = params == request.end() ? json() : *params;
  const StreamHandler* s =
      notify != nullptr ? stream(method->get_ref<const std::string&>()) : nullptr;
  if (s != nullptr) {
    if (!p.is_null() && !p.is_object())
      return {response_line(id, CommandError{"invalid_request", "params must be an object"}), {}};
    std::variant<StreamOpened, CommandError> opened = CommandError{};
    try {
      opened = (*s)(p.is_null() ? json::object() : p, std::move(*notify));
    } catch (const CommandFailure& f) {
      opened = f.error();
    } catch (const std::exception& e) {
      opened = CommandError{"internal", e.what()};
    }
    if (auto* err = std::get_if<CommandError>(&opened)) return {response_line(id, *err), {}};
    auto& ok = std::get<StreamOpened>(opened);
    return {response_line(id, CommandResult(std::move(ok.result))), std::move(ok.subscription)};
  }
  return {response_line(id, call(method->get<std::string>(), p)), {}};
}

std::string CommandRegistry::error_line(std::string_view code, std::string_view message) {
  return response_line(json(), CommandError{std::string(code), std::string(message)});
}

}  // namespace sip::control
