// Reading a secret without ever taking it from argv (where `ps` shows it):
// from a file (its first line; "-" is stdin), from an environment variable,
// or from a prompt on the controlling terminal with echo off.
// Thread-safety: call from main at start-up; the prompt touches the terminal.
#pragma once

#include <optional>
#include <string>

namespace sipsmith::cli {

struct PasswordSources {
  std::string file;     // tried first when not empty
  std::string env_var;  // then this variable, when set (even to "")
  bool prompt = false;  // then a prompt, only when stdin is a terminal
  std::string prompt_text = "Password: ";
};

// The password, or nullopt when no source gave one (an empty answer to the
// prompt counts as none). Throws std::runtime_error when the file cannot
// be read.
std::optional<std::string> read_password(const PasswordSources& sources);

// Reads a line from the terminal on stdin with echo off (prompt on stderr).
// nullopt when stdin is not a terminal or at end of input.
std::optional<std::string> prompt_hidden(const std::string& prompt_text);

}  // namespace sipsmith::cli
