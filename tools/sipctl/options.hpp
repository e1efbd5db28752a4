// sipctl's command line: global flags and the subcommand tree (customer,
// domain, account, binding, provider, dialplan (with the `test` dry run),
// cdr, call, console, stats, reload, export, import, raw), turned into one control request
// {method, params}.
// Thread-safety: start-up only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
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
  std::string digest_algorithms;
  std::string contact;
  std::string output_file;  // export -o
  std::string input_file;   // import FILE|-
  bool replace = false, dry_run = false;
  std::string raw_method, raw_params;
  // provider / dialplan / cdr (options_plans.cpp)
  std::string new_name;  // --rename
  std::string type, file;
  std::string server, username, auth_username, outbound_proxy, from, custom_headers;
  std::string register_contact, register_server, register_realm;
  int register_expiry = -1;
  bool flag_register = false, flag_read_only = false;  // add: flags
  std::string register_enabled, read_only;             // set: yes|no
  std::string call_id, bridge_id;
  std::int64_t call_number = 0;  // call hangup/transfer ID
  std::string destination;       // call transfer DESTINATION
  std::int64_t second_call = 0;  // call join SECOND
  std::int64_t since = -1, until = -1;
  int limit = -1;
  // dialplan test (the daemon's dry run); --from is `from` above
  std::string to, direction, account, outcomes_file, at;
  std::vector<std::string> headers;
  // console
  std::vector<std::string> filter_words;
  int queue = 0, count = 0;
  double seconds = 0;
};

// What to send and how to show the answer.
struct Request {
  std::string method;
  nlohmann::json params = nlohmann::json::object();
  std::string command;      // "account list" ..., for rendering
  int verbosity = 0;        // -v: more detail in human output
  std::string output_file;  // export -o
  // A password generated here (account passwd without a source): printed
  // after success.
  std::string generated_password;
};

void define_cli(CLI::App& app, Args& args);
// After parsing: the request of the chosen subcommand. Reads password files,
// prompts, import files. Throws UsageError.
Request build_request(const CLI::App& app, const Args& args);
// provider / dialplan / cdr (options_plans.cpp). build_plan_request()
// returns false when `command` is not one of theirs.
void define_plan_commands(CLI::App& app, Args& args);
bool build_plan_request(const CLI::App& leaf, const Args& args, Request& request);
// Shared by both option files.
std::optional<std::string> password_from(const Args& a, bool prompt, const std::string& text);
std::string read_input(const std::string& file);
bool parse_bool(const std::string& value, const std::string& option);

// --socket, else $SIPSMITH_CONTROL_SOCKET, else ./sipproxyd.sock.
std::string socket_path(const Args& args);

}  // namespace sipsmith::sipctl
