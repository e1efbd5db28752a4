// sipreg: a SIP registration client for shell scripts and monitoring.
// Flags are defined in options.cpp, the wiring is in run.cpp, the output in
// report.cpp; the registration logic is libsip's RegistrationSession.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "common/cli.hpp"
#include "common/exit_codes.hpp"
#include "common/password.hpp"
#include "options.hpp"
#include "plan.hpp"
#include "report.hpp"
#include "run.hpp"

namespace {

using sipsmith::cli::ExitCode;

bool nagios_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--nagios") == 0) return true;
  return false;
}

// A usage or local error: "sipreg: <message>" (a Nagios UNKNOWN line with --nagios).
int local_error(bool nagios, const std::string& message) {
  if (nagios) {
    std::cout << "SIPREG UNKNOWN - " << message << "\n";
    return sipsmith::cli::to_int(sipsmith::cli::NagiosState::Unknown);
  }
  std::cerr << "sipreg: " << message << "\n";
  return sipsmith::cli::to_int(ExitCode::Usage);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sipsmith;
  sipreg::Options options;
  CLI::App app{"", "sipreg"};
  try {
    sipreg::define_cli(app, options);
  } catch (const std::exception& e) {
    std::cerr << "sipreg: internal error: " << e.what() << "\n";
    return cli::to_int(ExitCode::Usage);
  }
  if (auto exit = cli::parse(app, argc, argv)) {
    if (*exit != 0 && nagios_requested(argc, argv)) return local_error(true, "bad command line");
    return *exit;
  }
  try {
    sipreg::finish_options(app, options);
    cli::install_log_sink("sipreg", options.verbosity);
    sipreg::Plan plan = sipreg::make_plan(options);

    cli::PasswordSources sources;
    sources.file = options.password_file;
    sources.env_var = sipreg::kPasswordEnv;
    sources.prompt = !options.dry_run;
    sources.prompt_text = "Password for " + plan.config.aor + ": ";
    std::optional<std::string> password = cli::read_password(sources);

    sipreg::Reporter reporter(options, std::cout, std::cerr);
    return sipreg::run(options, std::move(plan), std::move(password), reporter);
  } catch (const sipreg::UsageError& e) {
    return local_error(options.nagios, e.what());
  } catch (const std::exception& e) {
    return local_error(options.nagios, e.what());
  }
}
