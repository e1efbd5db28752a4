// Source positions for diagnostics: the byte offset of a value inside a JSON
// text by its path (so validation errors of already-parsed documents can say
// file:line:col), line/column of an offset, and the "file:line:col: message"
// block with the source line and a caret (ninja style). No JSON library in
// this header. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sip::wizard {

using JsonPathStep = std::variant<std::string, std::size_t>;  // object key / array index
using JsonPath = std::vector<JsonPathStep>;

// Byte offset of the value at `path` in `json` (the first byte of the value;
// for a missing member, the start of the deepest enclosing value that
// exists). Tolerant: stops at the first syntax problem.
std::size_t json_locate(std::string_view json, const JsonPath& path);

struct LineCol {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};
LineCol line_col(std::string_view text, std::size_t offset) noexcept;

// "file:line:col: message\n<source line>\n<spaces>^\n". column 0 means
// unknown: "file:line: message" and the caret under the first non-blank
// character. line 0 means no position: "file: message\n".
std::string format_diagnostic(std::string_view file, std::string_view text, int line, int column,
                              std::string_view message);

}  // namespace sip::wizard
