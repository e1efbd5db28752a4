// sipctl: the command-line client of sipproxyd's control socket. Flags and
// the subcommand tree are in options.cpp, the socket in
// common/control_client.cpp, the output in render.cpp (console.cpp for the
// console's stream); the commands themselves run in the daemon.
#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/cli.hpp"
#include "common/control_client.hpp"
#include "common/exit_codes.hpp"
#include "console.hpp"
#include "options.hpp"
#include "render.hpp"

namespace {

using sipsmith::cli::ExitCode;
using sipsmith::cli::to_int;

int fail(ExitCode code, const std::string& message) {
  std::cerr << "sipctl: " << message << "\n";
  return to_int(code);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sipsmith;
  using nlohmann::json;
  sipctl::Args args;
  CLI::App app{"", "sipctl"};
  try {
    sipctl::define_cli(app, args);
  } catch (const std::exception& e) {
    return fail(ExitCode::Usage, std::string("internal error: ") + e.what());
  }
  if (auto exit = cli::parse(app, argc, argv)) return *exit;

  sipctl::Request request;
  try {
    request = sipctl::build_request(app, args);
  } catch (const std::exception& e) {
    return fail(ExitCode::Usage, e.what());
  }

  json response;
  std::unique_ptr<cli::ControlClient> client;
  try {
    const std::string path = sipctl::socket_path(args);
    json line = {{"id", 1}, {"method", request.method}, {"params", request.params}};
    const std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
    if (args.verbosity > 0) std::cerr << "sipctl: -> " << path << ": " << text << "\n";
    auto timeout = std::chrono::milliseconds(static_cast<long long>(args.timeout_s * 1000));
    client = std::make_unique<cli::ControlClient>(path, timeout);
    const std::string answer = client->exchange(text);
    if (args.verbosity > 0) std::cerr << "sipctl: <- " << answer << "\n";
    response = json::parse(answer, nullptr, false);
    if (response.is_discarded() || !response.is_object())
      return fail(ExitCode::Network, "the daemon sent something that is not a JSON object");
  } catch (const cli::NetworkError& e) {
    return fail(ExitCode::Network, e.what());
  } catch (const std::exception& e) {
    return fail(ExitCode::Usage, e.what());
  }

  if (auto err = response.find("error"); err != response.end() && err->is_object()) {
    return fail(ExitCode::Failure, err->value("code", std::string("error")) + ": " +
                                       err->value("message", std::string()));
  }
  const json& result = response.contains("result") ? response["result"] : json();
  if (request.method == "console.subscribe") return sipctl::run_console(args, *client, std::cout);
  if (!request.output_file.empty()) {
    std::ofstream out(request.output_file, std::ios::binary | std::ios::trunc);
    out << result.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    if (!out.flush()) return fail(ExitCode::Usage, "cannot write " + request.output_file);
    if (!args.json) std::cout << "wrote " << request.output_file << "\n";
    return to_int(ExitCode::Ok);
  }
  if (args.json) {
    sipctl::render_json(std::cout, result);
  } else {
    sipctl::render_human(std::cout, request, result);
  }
  return to_int(ExitCode::Ok);
}
