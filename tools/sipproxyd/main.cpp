// sipproxyd: the sipsmith daemon. Stays in the foreground, logs to stderr,
// prints one JSON line on stdout when ready; SIGHUP reloads the config file,
// SIGTERM/SIGINT drain and stop. The service itself is sip::engine::Engine.
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

#include "common/cli.hpp"
#include "common/exit_codes.hpp"
#include "sip/engine/config.hpp"
#include "sip/engine/engine.hpp"

namespace {

using sipsmith::cli::ExitCode;

constexpr const char* kExamples = R"(
Examples:
  sipproxyd --config /etc/sipsmith/sipproxyd.json
      run with a config file (JSON, comments allowed)
  sipproxyd --config demo/sipproxyd.json --check-config
      validate a config and print it with every default filled in
  sipproxyd --config sipproxyd.json --import provisioning.json
      load customers, domains and accounts kept in git, then serve
  sipproxyd --print-default-config > sipproxyd.json
      start a config from the built-in defaults
  sipproxyd --config sipproxyd.json | jq -c 'select(.event=="ready")'
      wait for the ready line in a script

Exit status: 0 stopped cleanly (or config valid), 2 bad usage, bad config or
start-up failure (message on stderr).
)";

struct Options {
  std::string config_path;
  std::string import_path;
  bool check_config = false;
  bool print_default = false;
  int verbosity = 0;
};

int fail(const std::string& message) {
  std::cerr << "sipproxyd: " << message << "\n";
  return sipsmith::cli::to_int(ExitCode::Usage);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sipsmith;
  Options o;
  CLI::App app{
      "sipsmith SIP switchboard daemon: registrar, control socket (B2BUA and dial plans "
      "follow)",
      "sipproxyd"};
  app.footer(kExamples);
  app.set_version_flag("--version", cli::version());
  app.add_option("-c,--config", o.config_path,
                 "config file (JSON; default: built-in demo "
                 "defaults in the current directory)")
      ->check(CLI::ExistingFile);
  app.add_option("--import", o.import_path,
                 "import a provisioning document (customers, domains, accounts) before serving")
      ->check(CLI::ExistingFile);
  app.add_flag("--check-config", o.check_config,
               "validate the config, print it with defaults filled in, exit");
  app.add_flag("--print-default-config", o.print_default, "print the built-in config and exit");
  app.add_flag("-v,--verbose", o.verbosity, "more log output (-vv debug, -vvv trace)");
  if (auto exit = cli::parse(app, argc, argv)) return *exit;

  try {
    const std::string cwd = std::filesystem::current_path().string();
    if (o.print_default) {
      std::cout << sip::engine::config_to_json(sip::engine::default_config(".")) << "\n";
      return 0;
    }
    std::string message;
    sip::engine::ServerConfig config;
    if (o.config_path.empty()) {
      config = sip::engine::default_config(cwd);
    } else {
      auto loaded = sip::engine::load_config(o.config_path, &message);
      if (!loaded) return fail(message);
      config = std::move(*loaded);
    }
    if (o.check_config) {
      std::cout << sip::engine::config_to_json(config) << "\n";
      return 0;
    }
    cli::install_log_sink("sipproxyd", o.verbosity);
    if (o.verbosity > 0) config.log_level = cli::log_level_for(o.verbosity);

    auto engine = sip::engine::Engine::create(std::move(config), &message);
    if (!engine) return fail(message);
    if (!o.import_path.empty()) {
      std::string summary;
      if (!(*engine)->import_file(o.import_path, &summary)) return fail(summary);
      std::cerr << "sipproxyd: imported " << o.import_path << ": " << summary << "\n";
    }
    std::cout << (*engine)->ready_line() << std::endl;
    (*engine)->run();
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
