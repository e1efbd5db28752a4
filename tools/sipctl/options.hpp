// sipctl's command line: global flags and the subcommand tree (customer,
// domain, account, binding, stats, reload, export, import, raw), turned into
// one control request {method, params}. Thread-safety: start-up only.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace sipsmith::sipctl {

inline constexpr const char* kSocketEnv = "SIPSMITH_CONTROL_SOCKET";
inline constexpr const char* kDefaultSocket = "./sipproxyd.sock";
inline constexpr const char* kPasswordEnv = "SIPCTL_PASSWORD";

// A command line that parses but makes no sense (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every value any subcommand can take; define_cli() binds them.
struct Args {
  std::string socket;
  bool json = false;
  int verbosity = 0;
  double timeout_s = 10;

  std::string name;           // USERNAME, NAME, USER@DOMAIN (positional)
  std::string password_file;  // -P
  std::string time_zone;
  int max_executions = -1;
  int max_accounts = -1;
  bool flag_admin = false;  // add: flags
  bool flag_disabled = false;
  bool flag_incoming_only = false;
  bool flag_dont_mangle = false;
  std::string admin, disabled, incoming_only, dont_mangle;  // set: yes|no
  std::string owner, domain;
  std::vector<std::string> aliases;
  bool no_aliases = false;
  std::string out_dialplan, in_dialplan, keepalive, ip_acl, network_id, description;
  std::string contact;
  std::string output_file;  // export -o
  std::string input_file;   // import FILE|-
  bool replace = false, dry_run = false;
  std::string raw_method, raw_params;
};

// What to send and how to show the answer.
struct Request {
  std::string method;
  nlohmann::json params = nlohmann::json::object();
  std::string command;      // "account list" ..., for rendering
  std::string output_file;  // export -o
  // A password generated here (account passwd without a source): printed
  // after success.
  std::string generated_password;
};

void define_cli(CLI::App& app, Args& args);
// After parsing: the request of the chosen subcommand. Reads password files,
// prompts, import files. Throws UsageError.
Request build_request(const CLI::App& app, const Args& args);
// --socket, else $SIPSMITH_CONTROL_SOCKET, else ./sipproxyd.sock.
std::string socket_path(const Args& args);

}  // namespace sipsmith::sipctl
