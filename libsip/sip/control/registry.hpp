// CommandRegistry: the control methods by name ("account.list" ...), shared by
// the unix control socket and the HTTP API (sip/http) so both stay in step. A
// handler takes the request's params (always a JSON object) and returns a
// CommandResult: a JSON result or an error {code, message} whose code is an
// Errc name or one of "parse_error", "invalid_request", "unknown_method".
// Thread-safety: add() at start-up; call()/handle_line() on the core thread.
// Only control .cpp files and the engine include this header (it pulls JSON).
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sip/base/result.hpp"

namespace sip::event {
class Subscription;
}

namespace sip::control {

struct CommandError {
  std::string code;  // "not_found", "invalid_argument", "unknown_method" ...
  std::string message;
};

class CommandResult {
 public:
  CommandResult(nlohmann::json value) : v_(std::move(value)) {}  // NOLINT
  CommandResult(CommandError error) : v_(std::move(error)) {}    // NOLINT
  static CommandResult fail(Errc code, std::string message) {
    return CommandError{errc_name(code), std::move(message)};
  }

  bool ok() const noexcept { return v_.index() == 0; }
  const nlohmann::json& value() const { return std::get<0>(v_); }
  nlohmann::json& value() { return std::get<0>(v_); }
  const CommandError& error() const { return std::get<1>(v_); }

 private:
  std::variant<nlohmann::json, CommandError> v_;
};

// Thrown by command helpers to end a handler with an error; call() turns it
// into the CommandResult. Never escapes the registry.
class CommandFailure : public std::exception {
 public:
  CommandFailure(Errc code, std::string message) : error_{errc_name(code), std::move(message)} {}
  explicit CommandFailure(CommandError error) : error_(std::move(error)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const CommandError& error() const noexcept { return error_; }

 private:
  CommandError error_;
};

using Handler = std::function<CommandResult(const nlohmann::json& params)>;

// A streaming method (console.subscribe): its handler answers like any
// other and, on success, hands over the subscription whose events the
// connection carries after the answer (docs/control-protocol.md). `notify`
// runs on the core thread when events wait in an empty queue.
struct StreamOpened {
  nlohmann::json result;
  std::shared_ptr<event::Subscription> subscription;
};
using StreamHandler = std::function<std::variant<StreamOpened, CommandError>(
    const nlohmann::json& params, std::function<void()> notify)>;

class CommandRegistry {
 public:
  // Registers (or replaces) `method`.
  void add(std::string method, Handler handler);
  void add_stream(std::string method, StreamHandler handler);
  // The streaming method's handler, or null.
  const StreamHandler* stream(std::string_view method) const;
  bool contains(std::string_view method) const;
  std::vector<std::string> methods() const;  // sorted

  // Runs `method`. `params` null means {}; anything but an object is
  // invalid_request. unknown_method when absent. A CommandFailure or JSON
  // type error thrown by the handler becomes its error (invalid_argument for
  // JSON errors); any other exception becomes "internal".
  CommandResult call(std::string_view method, const nlohmann::json& params) const;

  // One request line -> one response line (no trailing newline), the whole
  // protocol of docs/control-protocol.md: parse_error when the line is not JSON,
  // invalid_request when it is not an object with a string "method".
  std::string handle_line(std::string_view line) const;
  // As handle_line, and a request for a streaming method opens its stream:
  // `subscription` set when it did (the answer line is then its result).
  struct LineAnswer {
    std::string line;
    std::shared_ptr<event::Subscription> subscription;
  };
  LineAnswer handle_line(std::string_view line, std::function<void()> notify) const;

  // {"id":null,"error":{"code":code,"message":message}}
  static std::string error_line(std::string_view code, std::string_view message);

 private:
  // `notify` null: streaming methods are refused (handle_line without one).
  LineAnswer answer(std::string_view line, std::function<void()>* notify) const;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::map<std::string, StreamHandler, std::less<>> streams_;
};

}  // namespace sip::control
