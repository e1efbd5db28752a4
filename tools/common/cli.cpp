#include "cli.hpp"

#include <cstdio>
#include <iostream>

#ifndef SIPSMITH_VERSION
#define SIPSMITH_VERSION "0.0.0"
#endif

namespace sipsmith::cli {
namespace {

std::string& program_name() {
  static std::string name = "sipsmith";
  return name;
}

void stderr_sink(sip::LogLevel level, std::string_view module, std::string_view text) {
  std::string line = program_name();
  line.append(": ").append(sip::log_level_name(level)).append(": [").append(module).append("] ");
  line.append(text).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

std::string version() {
  return SIPSMITH_VERSION;
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n"
              << "Run with --help for more information.\n";
    return 2;
  }
  return std::nullopt;
}

sip::LogLevel log_level_for(int verbosity) noexcept {
  if (verbosity <= 0) return sip::LogLevel::Warn;
  if (verbosity == 1) return sip::LogLevel::Info;
  if (verbosity == 2) return sip::LogLevel::Debug;
  return sip::LogLevel::Trace;
}

void install_log_sink(const std::string& program, int verbosity) {
  program_name() = program;
  sip::set_log_sink(&stderr_sink);
  sip::set_log_level(log_level_for(verbosity));
}

}  // namespace sipsmith::cli
