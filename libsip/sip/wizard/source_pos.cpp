#include "sip/wizard/source_pos.hpp"

namespace sip::wizard {
namespace {

class Locator {
 public:
  explicit Locator(std::string_view s) : s_(s) {}

  std::size_t find(const JsonPath& path) {
    ws();
    std::size_t found = i_;
    for (const auto& step : path) {
      ws();
      if (i_ >= s_.size()) return found;
      if (const auto* key = std::get_if<std::string>(&step)) {
        if (s_[i_] != '{' || !member(*key)) return found;
      } else {
        if (s_[i_] != '[' || !element(std::get<std::size_t>(step))) return found;
      }
      ws();
      found = i_;
    }
    return found;
  }

 private:
  void ws() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }
  // At '"': returns the raw string contents (escapes kept) and moves past it.
  bool string(std::string_view* out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    const std::size_t begin = ++i_;
    while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
    if (i_ >= s_.size()) return false;
    if (out) *out = s_.substr(begin, i_ - begin);
    ++i_;
    return true;
  }
  bool skip_value() {
    ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"') return string(nullptr);
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == close) {
        ++i_;
        return true;
      }
      while (true) {
        if (c == '{') {
          ws();
          if (!string(nullptr)) return false;
          ws();
          if (i_ >= s_.size() || s_[i_++] != ':') return false;
        }
        if (!skip_value()) return false;
        ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (s_[i_] == close) {
          ++i_;
          return true;
        }
        return false;
      }
    }
    const std::size_t begin = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
           s_[i_] != '\n' && s_[i_] != '\r' && s_[i_] != '\t')
      ++i_;
    return i_ > begin;
  }
  // At '{': moves to the value of member `key`.
  bool member(const std::string& key) {
    ++i_;
    while (true) {
      ws();
      std::string_view name;
      if (!string(&name)) return false;
      ws();
      if (i_ >= s_.size() || s_[i_++] != ':') return false;
      ws();
      if (name == key) return true;
      if (!skip_value()) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ',') return false;
      ++i_;
    }
  }
  bool element(std::size_t index) {
    ++i_;
    for (std::size_t n = 0;; ++n) {
      ws();
      if (i_ >= s_.size() || s_[i_] == ']') return false;
      if (n == index) return true;
      if (!skip_value()) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ',') return false;
      ++i_;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::size_t json_locate(std::string_view json, const JsonPath& path) {
  return Locator(json).find(path);
}

LineCol line_col(std::string_view text, std::size_t offset) noexcept {
  LineCol lc;
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.column = 1;
    } else {
      ++lc.column;
    }
  }
  return lc;
}

std::string format_diagnostic(std::string_view file, std::string_view text, int line, int column,
                              std::string_view message) {
  std::string out(file);
  if (line <= 0) {
    out += ": ";
    out += message;
    out += '\n';
    return out;
  }
  out += ':' + std::to_string(line);
  if (column > 0) out += ':' + std::to_string(column);
  out += ": ";
  out += message;
  out += '\n';
  // The source line.
  std::size_t begin = 0;
  for (int l = 1; l < line && begin != std::string_view::npos; ++l) {
    begin = text.find('\n', begin);
    if (begin != std::string_view::npos) ++begin;
  }
  if (begin == std::string_view::npos || begin > text.size()) return out;
  std::size_t end = text.find('\n', begin);
  std::string_view src =
      text.substr(begin, end == std::string_view::npos ? text.npos : end - begin);
  if (!src.empty() && src.back() == '\r') src.remove_suffix(1);
  out += src;
  out += '\n';
  std::size_t caret = 0;
  if (column > 0) {
    caret = static_cast<std::size_t>(column - 1);
  } else {
    while (caret < src.size() && (src[caret] == ' ' || src[caret] == '\t')) ++caret;
  }
  for (std::size_t i = 0; i < caret && i < src.size(); ++i) out += src[i] == '\t' ? '\t' : ' ';
  out += "^\n";
  return out;
}

}  // namespace sip::wizard
