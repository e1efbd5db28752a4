#include "password.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace sipsmith::cli {
namespace {

void strip_line_end(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

std::string first_line(std::istream& in) {
  std::string line;
  std::getline(in, line);
  strip_line_end(line);
  return line;
}

}  // namespace

std::optional<std::string> prompt_hidden(const std::string& prompt_text) {
  if (!::isatty(STDIN_FILENO)) return std::nullopt;
  termios old{};
  const bool have_termios = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (have_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::cerr << prompt_text << std::flush;
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (have_termios) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  if (!got) return std::nullopt;
  strip_line_end(line);
  return line;
}

std::optional<std::string> read_password(const PasswordSources& sources) {
  if (!sources.file.empty()) {
    if (sources.file == "-") return first_line(std::cin);
    std::ifstream in(sources.file);
    if (!in)
      throw std::runtime_error("cannot read password file " + sources.file + ": " +
                               std::strerror(errno));
    return first_line(in);
  }
  if (!sources.env_var.empty()) {
    if (const char* v = std::getenv(sources.env_var.c_str())) return std::string(v);
  }
  if (sources.prompt) {
    auto answer = prompt_hidden(sources.prompt_text);
    if (answer && !answer->empty()) return answer;
  }
  return std::nullopt;
}

}  // namespace sipsmith::cli
