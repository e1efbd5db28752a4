// JSON inputs of simulated calls, shared by dialplan-test, sipctl and the
// daemon's dry run (control "dialplan.test"): the outcome table (format in
// man dialplan-test) and the checker both use to validate JSON documents.
// From a file, errors point at file:line:col with the source line and a
// caret; from a JSON value received over the control socket, at the value's
// path ("outcomes: outcomes[2].status: ..."). Errors are InputError.
// Thread-safety: pure functions; a JsonChecker is used by one thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sip/dialer/outcome_table.hpp"
#include "sip/wizard/source_pos.hpp"

namespace sip::control {

// A local input problem; what() is the whole formatted diagnostic
// ("file:line:col: message\n<line>\n   ^\n", or "where: path: message\n").
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses one JSON document (comments allowed). `line_base` and `whole` let
// NDJSON lines report their place in the whole file.
nlohmann::json parse_json_text(const std::string& path, const std::string& text, int line_base = 0,
                               const std::string* whole = nullptr);

// Validation of a parsed document, failing with InputError.
class JsonChecker {
 public:
  using Path = wizard::JsonPath;
  // Errors located in `text` (the document's source; must outlive the checker).
  JsonChecker(std::string path, const std::string& text, int line_base = 0,
              const std::string* whole = nullptr);
  // Errors named by the value's path only (no source text).
  static JsonChecker unlocated(std::string where);

  [[noreturn]] void fail(const Path& at, const std::string& message) const;
  int line_of(const Path& at) const;  // 0 when unlocated
  void only(const nlohmann::json& obj, const Path& at,
            std::initializer_list<const char*> keys) const;
  std::string str(const nlohmann::json& obj, const Path& at, const char* key,
                  std::string def = {}) const;
  std::string req_str(const nlohmann::json& obj, const Path& at, const char* key) const;
  std::int64_t integer(const nlohmann::json& obj, const Path& at, const char* key, std::int64_t def,
                       std::int64_t min, std::int64_t max) const;
  bool boolean(const nlohmann::json& obj, const Path& at, const char* key, bool def) const;
  std::vector<std::string> strings(const nlohmann::json& obj, const Path& at,
                                   const char* key) const;
  // Unix seconds or a time like "2024-07-01T09:30:00Z" (parse_time).
  std::int64_t time(const nlohmann::json& obj, const Path& at, const char* key,
                    std::int64_t def) const;
  static Path with(Path at, const char* key);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::string* text_;  // null: unlocated
  int line_base_;
  const std::string* whole_;
};

// "2024-07-01T12:00:00Z", "...+01:00", or digits (unix seconds).
std::optional<std::int64_t> parse_time(const std::string& text);

// The outcome table {"default": {...}, "outcomes": [...]} from a file's text
// or from a JSON value (`where` names it in errors). At most `max_rules`.
dialer::OutcomeTable load_outcomes(const std::string& path, const std::string& text);
dialer::OutcomeTable outcomes_from_json(const nlohmann::json& doc, const std::string& where,
                                        std::size_t max_rules);

}  // namespace sip::control
