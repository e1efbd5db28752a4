// cdr-query: call detail records from sipproxyd's store file (read-only)
// or its control socket, filtered, formatted, summarised (--stats),
// exported exactly once per record (--cursor) or tailed (--follow). Flags
// in options.cpp, sources in source.cpp, the runs in run.cpp.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <vector>

#include "common/cli.hpp"
#include "common/exit_codes.hpp"
#include "options.hpp"
#include "run.hpp"
#include "source.hpp"

namespace {

using sipsmith::cli::ExitCode;
using sipsmith::cli::to_int;

int fail(ExitCode code, const std::string& message) {
  std::cerr << "cdr-query: " << message << "\n";
  return to_int(code);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sipsmith;
  cdrq::Args args;
  CLI::App app{"", "cdr-query"};
  try {
    cdrq::define_cli(app, args);
  } catch (const std::exception& e) {
    return fail(ExitCode::Usage, std::string("internal error: ") + e.what());
  }
  if (auto exit = cli::parse(app, argc, argv)) return *exit;

  cdrq::Settings settings;
  try {
    settings =
        cdrq::settings_from(args, ::isatty(STDOUT_FILENO) == 1, ::isatty(STDERR_FILENO) == 1);
  } catch (const std::exception& e) {
    return fail(ExitCode::Usage, e.what());
  }
  cli::install_log_sink("cdr-query", settings.verbosity);
  // Before anything else runs: --follow waits for these signals itself.
  if (settings.follow) cdrq::block_stop_signals();

  auto opened = settings.from_store
                    ? cdrq::open_store_source(settings.path, settings.owner, settings.timeout)
                    : cdrq::open_socket_source(settings.path, settings.owner, settings.timeout,
                                               settings.page, settings.verbosity);
  if (!opened.source) return fail(opened.error.code, opened.error.message);

  std::vector<char> buffer(1 << 20);  // large writes; --follow flushes each batch
  std::setvbuf(stdout, buffer.data(), _IOFBF, buffer.size());
  const ExitCode code = cdrq::run(settings, *opened.source, stdout);
  std::fflush(stdout);
  std::setvbuf(stdout, nullptr, _IONBF, 0);  // the buffer goes out of scope
  return to_int(code);
}
