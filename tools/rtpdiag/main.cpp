// rtpdiag: answers a test call and reports where RTP was expected from,
// where it came from, and whether RTP sent back gets through (NAT and
// one-way audio diagnostics). Flags are in options.cpp, the wiring in
// run.cpp, the SIP side in answerer.cpp, the media in probe.cpp, the
// output in report.cpp and the --http page in http_page.cpp.
#include <exception>
#include <iostream>
#include <string>

#include "common/cli.hpp"
#include "common/exit_codes.hpp"
#include "common/password.hpp"
#include "options.hpp"
#include "run.hpp"

int main(int argc, char** argv) {
  using namespace sipsmith;
  rtpdiag::Options options;
  CLI::App app{"", "rtpdiag"};
  try {
    rtpdiag::define_cli(app, options);
  } catch (const std::exception& e) {
    std::cerr << "rtpdiag: internal error: " << e.what() << "\n";
    return cli::to_int(cli::ExitCode::Usage);
  }
  if (auto exit = cli::parse(app, argc, argv)) return *exit;
  try {
    rtpdiag::finish_options(options);
    cli::install_log_sink("rtpdiag", options.verbosity);
    std::optional<std::string> password;
    if (!options.registrar.empty()) {
      cli::PasswordSources sources;
      sources.file = options.password_file;
      sources.env_var = rtpdiag::kPasswordEnv;
      sources.prompt = true;
      sources.prompt_text =
          "Password for " + (options.aor.empty() ? options.user : options.aor) + ": ";
      password = cli::read_password(sources);
    }
    return rtpdiag::run(options, std::move(password));
  } catch (const std::exception& e) {
    std::cerr << "rtpdiag: " << e.what() << "\n";
    return cli::to_int(cli::ExitCode::Usage);
  }
}
