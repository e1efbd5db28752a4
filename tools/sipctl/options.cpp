#include "options.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/cli.hpp"
#include "common/password.hpp"
#include "sip/control/context.hpp"

namespace sipsmith::sipctl {
namespace {

using nlohmann::json;

constexpr const char* kExamples = R"(Examples:
  sipctl customer add demo                    # prints a generated password once
  sipctl domain add sipsmith.test --alias local
  sipctl account add 1001@sipsmith.test --owner demo
  SIPCTL_PASSWORD=s3cret sipctl account passwd 1001@sipsmith.test
  sipctl account set 1001@sipsmith.test --disabled yes --description "front desk"
  sipctl --json account list --owner demo | jq -r .username
  sipctl binding list 1001@sipsmith.test
  sipctl binding rm 1001@sipsmith.test --contact sip:1001@192.0.2.7:5060
  sipctl export -o provisioning.json && sipctl import provisioning.json --replace --dry-run
  sipctl provider add itsp --owner demo --server sip.example.net -P pw.txt --register
  sipctl dialplan add out --owner demo --type lua --file out.lua
  sipctl dialplan test out --owner demo --to sip:0871000100@sipsmith.test \
      --account 1001@sipsmith.test --outcomes outcomes.json
  sipctl --json cdr list --owner demo --limit 20
  sipctl call list --owner demo && sipctl call hangup 42
  sipctl call transfer 42 300     # the far end goes to 300 via the "transfer" plan
  sipctl call join 42 43          # the far ends of calls 42 and 43 talk to each other
  sipctl call callback 1001@local 0035312345@itsp --owner demo
  sipctl console                              # every event but full SIP traces, until Ctrl-C
  sipctl console event dialplan and user alice --owner demo
  sipctl --json console event full and request invite --count 10 > traces.ndjson
  sipctl raw account.get '{"username":"1001","domain":"sipsmith.test"}'

Socket: --socket, else $SIPSMITH_CONTROL_SOCKET, else ./sipproxyd.sock.
Passwords never come from the command line: -P FILE ('-': stdin), else
$SIPCTL_PASSWORD; `add` without either lets the daemon generate one (shown once).

Exit status: 0 success, 1 the daemon answered with an error, 2 usage or local
error, 3 cannot connect or no answer in time.)";

// "user@domain" -> {user, domain}
std::pair<std::string, std::string> split_account(const std::string& s) {
  auto at = s.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == s.size())
    throw UsageError("expected USER@DOMAIN, not '" + s + "'");
  return {s.substr(0, at), s.substr(at + 1)};
}

void add_password_option(CLI::App* cmd, Args& a) {
  cmd->add_option("-P,--password-file", a.password_file,
                  "Read the password from the first line of FILE ('-': stdin); else "
                  "$SIPCTL_PASSWORD");
}

void define_customer(CLI::App& app, Args& a) {
  auto* customer = app.add_subcommand("customer", "Customers (logins owning accounts)");
  customer->require_subcommand(1);
  customer->add_subcommand("list", "List customers");
  auto* show = customer->add_subcommand("show", "Show one customer");
  show->add_option("username", a.name, "Customer user name")->required();
  auto* add = customer->add_subcommand("add", "Add a customer (password generated if none given)");
  add->add_option("username", a.name, "Customer user name: 3-64 of a-z 0-9 _ . -")->required();
  auto* set = customer->add_subcommand("set", "Change a customer");
  set->add_option("username", a.name, "Customer user name")->required();
  for (auto* cmd : {add, set}) {
    add_password_option(cmd, a);
    cmd->add_option("--time-zone", a.time_zone, "IANA time zone, e.g. Europe/Dublin");
    cmd->add_option("--max-executions", a.max_executions, "Concurrent dial plan executions")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--max-accounts", a.max_accounts, "SIP accounts the customer may own")
        ->check(CLI::NonNegativeNumber);
  }
  add->add_flag("--admin", a.flag_admin, "Make the customer an administrator");
  set->add_option("--admin", a.admin, "Administrator: yes|no");
  set->add_option("--disabled", a.disabled, "Disabled: yes|no");
  auto* rm = customer->add_subcommand("rm", "Remove a customer with its domains and accounts");
  rm->add_option("username", a.name, "Customer user name")->required();
}

void define_domain(CLI::App& app, Args& a) {
  auto* domain = app.add_subcommand("domain", "Served SIP domains");
  domain->require_subcommand(1);
  domain->add_subcommand("list", "List domains");
  auto* add = domain->add_subcommand("add", "Add a domain");
  auto* set = domain->add_subcommand("set", "Change a domain");
  for (auto* cmd : {add, set}) {
    cmd->add_option("name", a.name, "Domain name")->required();
    cmd->add_option("--alias", a.aliases, "Another host name for the domain (repeatable)");
    cmd->add_option("--owner", a.owner, "Owning customer ('' = operator's domain)");
  }
  set->add_flag("--no-aliases", a.no_aliases, "Remove every alias");
  auto* rm = domain->add_subcommand("rm", "Remove a domain (it must have no accounts)");
  rm->add_option("name", a.name, "Domain name")->required();
}

void define_account(CLI::App& app, Args& a) {
  auto* account = app.add_subcommand("account", "SIP accounts");
  account->require_subcommand(1);
  auto* list = account->add_subcommand("list", "List accounts");
  list->add_option("--owner", a.owner, "Only this customer's accounts");
  list->add_option("--domain", a.domain, "Only accounts in this domain");
  auto* show = account->add_subcommand("show", "Show one account");
  show->add_option("account", a.name, "USER@DOMAIN")->required();
  auto* add = account->add_subcommand("add", "Add an account (password generated if none given)");
  auto* set = account->add_subcommand("set", "Change an account");
  for (auto* cmd : {add, set}) {
    cmd->add_option("account", a.name, "USER@DOMAIN")->required();
    cmd->add_option("--owner", a.owner, "Owning customer");
    cmd->add_option("--out-dialplan", a.out_dialplan, "Dial plan for calls the account makes");
    cmd->add_option("--in-dialplan", a.in_dialplan, "Dial plan for calls to the account");
    cmd->add_option("--keepalive", a.keepalive, "NAT keep-alive: crlf|options|none")
        ->check(CLI::IsMember({"crlf", "options", "none"}));
    cmd->add_option("--ip-acl", a.ip_acl, "Comma separated CIDRs that skip digest auth");
    cmd->add_option("--network-id", a.network_id, "Accounts sharing an id are on one LAN");
    cmd->add_option("--digest-algorithms", a.digest_algorithms,
                    "Digest challenge order, e.g. SHA-256 or SHA-256,MD5 ('' = server's)");
    cmd->add_option("--description", a.description, "Free text");
  }
  add->get_option("--owner")->required();
  add_password_option(add, a);
  add->add_flag("--incoming-only", a.flag_incoming_only, "Only receive calls");
  add->add_flag("--disabled", a.flag_disabled, "Create disabled");
  add->add_flag("--dont-mangle", a.flag_dont_mangle, "Keep private Contact/SDP addresses");
  set->add_option("--incoming-only", a.incoming_only, "Only receive calls: yes|no");
  set->add_option("--disabled", a.disabled, "Disabled (drops its bindings): yes|no");
  set->add_option("--dont-mangle", a.dont_mangle, "Keep private addresses: yes|no");
  auto* passwd = account->add_subcommand(
      "passwd", "Set the password (from -P, $SIPCTL_PASSWORD, a prompt, or generated)");
  passwd->add_option("account", a.name, "USER@DOMAIN")->required();
  add_password_option(passwd, a);
  auto* rm = account->add_subcommand("rm", "Remove an account and its bindings");
  rm->add_option("account", a.name, "USER@DOMAIN")->required();
}

void define_others(CLI::App& app, Args& a) {
  auto* binding = app.add_subcommand("binding", "Registrar bindings");
  binding->require_subcommand(1);
  auto* list = binding->add_subcommand(
      "list", "List bindings: contact, transport, source, mangled?, expiry, User-Agent");
  list->add_option("account", a.name, "Only USER@DOMAIN");
  list->add_option("--owner", a.owner, "Only this customer's accounts");
  list->add_option("--domain", a.domain, "Only this domain");
  auto* rm = binding->add_subcommand("rm", "Remove an account's bindings (or one)");
  rm->add_option("account", a.name, "USER@DOMAIN")->required();
  rm->add_option("--contact", a.contact, "Only this contact (URI or +sip.instance)");

  auto* call = app.add_subcommand("call", "Calls in progress");
  call->require_subcommand(1);
  auto* call_list =
      call->add_subcommand("list", "List calls: id, owner, account, state, who answered");
  call_list->add_option("--owner", a.owner, "Only this customer's calls");
  auto* hangup =
      call->add_subcommand("hangup", "End a call: BYE to both sides, or 480 while it rings");
  hangup->add_option("id", a.call_number, "The call's id (call list)")->required();
  hangup->add_option("--owner", a.owner, "Only if the call is this customer's");
  auto* transfer = call->add_subcommand(
      "transfer",
      "Send the far end of an answered call to DESTINATION through the owner's "
      "\"transfer\" dial plan; the owner's phone is hung up when it answers");
  transfer->add_option("id", a.call_number, "The call's id (call list)")->required();
  transfer->add_option("destination", a.destination, "e.g. 300, 300@domain or sip:300@domain")
      ->required();
  transfer->add_option("--owner", a.owner, "Only if the call is this customer's");
  auto* join = call->add_subcommand(
      "join",
      "Join the far ends of two answered calls of one customer (attended transfer); "
      "the customer's own two parties are hung up");
  join->add_option("first", a.call_number, "The call that goes on (call list id)")->required();
  join->add_option("second", a.second_call, "The call that ends (call list id)")->required();
  join->add_option("--owner", a.owner, "Only if both calls are this customer's");
  auto* callback = call->add_subcommand(
      "callback",
      "Call FIRST; when it answers, call SECOND and connect them (dial strings of "
      "the customer, e.g. 1001@local or 0035312345@provider)");
  callback->add_option("first", a.name, "Dialled first")->required();
  callback->add_option("second", a.destination, "Dialled when FIRST answers")->required();
  callback->add_option("--owner", a.owner, "The customer whose call it is")->required();

  auto* console = app.add_subcommand(
      "console", "Live events: registrations, calls, legs, dial plan lines, SIP traces");
  console->add_option("filter", a.filter_words,
                      "Filter: 'event TYPE|*|full|trouble', 'user NAME', 'ipaddr ADDR', "
                      "'request METHOD', 'regex RE2', joined with 'and' (default: event *)");
  console->add_option("--owner", a.owner,
                      "Only this customer's events (as the customer sees them)");
  console->add_option("--queue", a.queue, "Events the daemon keeps while sipctl is slow (1000)")
      ->check(CLI::Range(1, 100000));
  console->add_option("--count", a.count, "Stop after N events")->check(CLI::PositiveNumber);
  console->add_option("--seconds", a.seconds, "Stop after S seconds")->check(CLI::PositiveNumber);

  app.add_subcommand("stats", "Daemon counters");
  app.add_subcommand("reload", "Reload the configuration and the directory");
  auto* exp = app.add_subcommand("export", "Print the provisioning document (JSON)");
  exp->add_option("-o,--output", a.output_file, "Write it to FILE instead of stdout");
  auto* imp = app.add_subcommand("import", "Load a provisioning document");
  imp->add_option("file", a.input_file, "Document file ('-': stdin)")->required();
  imp->add_flag("--replace", a.replace, "Also remove records the document does not list");
  imp->add_flag("-n,--dry-run", a.dry_run, "Validate and count only; change nothing");
  auto* raw = app.add_subcommand("raw", "Send any control method");
  raw->add_option("method", a.raw_method, "Method, e.g. account.list")->required();
  raw->add_option("params", a.raw_params, "Params as a JSON object (default {})");
}

// The chosen leaf subcommand's path, e.g. "account add".
std::string command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* cur = &app;
  for (;;) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) break;
    cur = subs.front();
    if (!path.empty()) path += ' ';
    path += cur->get_name();
  }
  return path;
}

void put_bool_option(json& p, const char* key, const std::string& value, const char* option) {
  if (!value.empty()) p[key] = parse_bool(value, option);
}

void put_text(json& p, const CLI::App& cmd, const char* option, const char* key,
              const std::string& value) {
  if (cmd.count(option) != 0) p[key] = value;
}

void account_fields(json& p, const CLI::App& cmd, const Args& a) {
  put_text(p, cmd, "--owner", "owner", a.owner);
  put_text(p, cmd, "--out-dialplan", "out_dialplan", a.out_dialplan);
  put_text(p, cmd, "--in-dialplan", "in_dialplan", a.in_dialplan);
  put_text(p, cmd, "--keepalive", "keepalive", a.keepalive);
  put_text(p, cmd, "--ip-acl", "ip_acl", a.ip_acl);
  put_text(p, cmd, "--network-id", "network_id", a.network_id);
  put_text(p, cmd, "--digest-algorithms", "digest_algorithms", a.digest_algorithms);
  put_text(p, cmd, "--description", "description", a.description);
}

const CLI::App& leaf(const CLI::App& app) {
  const CLI::App* cur = &app;
  while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
  return *cur;
}

}  // namespace

// "yes"/"no" and friends for `set` options.
bool parse_bool(const std::string& value, const std::string& option) {
  static const char* kTrue[] = {"yes", "true", "on", "1"};
  static const char* kFalse[] = {"no", "false", "off", "0"};
  for (const char* t : kTrue)
    if (value == t) return true;
  for (const char* f : kFalse)
    if (value == f) return false;
  throw UsageError(option + ": expected yes or no, not '" + value + "'");
}

std::optional<std::string> password_from(const Args& a, bool prompt, const std::string& text) {
  cli::PasswordSources sources;
  sources.file = a.password_file;
  sources.env_var = kPasswordEnv;
  sources.prompt = prompt;
  sources.prompt_text = text;
  return cli::read_password(sources);
}

std::string read_input(const std::string& file) {
  std::ostringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw UsageError("cannot read " + file);
    text << in.rdbuf();
  }
  return text.str();
}

void define_cli(CLI::App& app, Args& a) {
  app.description("Manage a running sipproxyd through its control socket.");
  app.set_version_flag("--version", "sipctl " + cli::version());
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("-s,--socket", a.socket,
                 "Control socket (default: $SIPSMITH_CONTROL_SOCKET, else ./sipproxyd.sock)");
  app.add_flag("--json", a.json, "Print results as NDJSON (one object per line)");
  app.add_option("--timeout", a.timeout_s, "Seconds to wait for the daemon")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("-v,--verbose", a.verbosity, "Show the request and response lines on stderr");
  define_customer(app, a);
  define_domain(app, a);
  define_account(app, a);
  define_plan_commands(app, a);
  define_others(app, a);
  app.footer(kExamples);  // after the subcommands, which would inherit it
}

std::string socket_path(const Args& args) {
  if (!args.socket.empty()) return args.socket;
  if (const char* env = std::getenv(kSocketEnv); env != nullptr && *env != '\0') return env;
  return kDefaultSocket;
}

Request build_request(const CLI::App& app, const Args& a) {
  Request r;
  r.command = command_path(app);
  r.verbosity = a.verbosity;
  const CLI::App& cmd = leaf(app);
  json& p = r.params;
  const std::string& c = r.command;

  if (c == "customer list") {
    r.method = "customer.list";
  } else if (c == "customer show" || c == "customer rm") {
    r.method = c == "customer show" ? "customer.get" : "customer.remove";
    p["username"] = a.name;
  } else if (c == "customer add" || c == "customer set") {
    const bool add = c == "customer add";
    r.method = add ? "customer.add" : "customer.update";
    p["username"] = a.name;
    if (auto pw = password_from(a, false, "")) p["password"] = *pw;
    put_text(p, cmd, "--time-zone", "time_zone", a.time_zone);
    if (a.max_executions >= 0) p["max_executions"] = a.max_executions;
    if (a.max_accounts >= 0) p["max_accounts"] = a.max_accounts;
    if (add && a.flag_admin) p["admin"] = true;
    put_bool_option(p, "admin", a.admin, "--admin");
    put_bool_option(p, "disabled", a.disabled, "--disabled");
  } else if (c == "domain list") {
    r.method = "domain.list";
  } else if (c == "domain add" || c == "domain set") {
    r.method = c == "domain add" ? "domain.add" : "domain.update";
    p["name"] = a.name;
    if (a.no_aliases && !a.aliases.empty())
      throw UsageError("--no-aliases and --alias exclude each other");
    if (!a.aliases.empty() || a.no_aliases) p["aliases"] = a.aliases;
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "domain rm") {
    r.method = "domain.remove";
    p["name"] = a.name;
  } else if (c == "account list") {
    r.method = "account.list";
    put_text(p, cmd, "--owner", "owner", a.owner);
    put_text(p, cmd, "--domain", "domain", a.domain);
  } else if (c == "account show" || c == "account rm") {
    r.method = c == "account show" ? "account.get" : "account.remove";
    auto [user, domain] = split_account(a.name);
    p["username"] = user;
    p["domain"] = domain;
  } else if (c == "account add" || c == "account set") {
    const bool add = c == "account add";
    r.method = add ? "account.add" : "account.update";
    auto [user, domain] = split_account(a.name);
    p["username"] = user;
    p["domain"] = domain;
    account_fields(p, cmd, a);
    if (add) {
      if (auto pw = password_from(a, false, "")) p["password"] = *pw;
      if (a.flag_incoming_only) p["incoming_only"] = true;
      if (a.flag_disabled) p["disabled"] = true;
      if (a.flag_dont_mangle) p["dont_mangle"] = true;
    } else {
      put_bool_option(p, "incoming_only", a.incoming_only, "--incoming-only");
      put_bool_option(p, "disabled", a.disabled, "--disabled");
      put_bool_option(p, "dont_mangle", a.dont_mangle, "--dont-mangle");
    }
  } else if (c == "account passwd") {
    r.method = "account.update";
    auto [user, domain] = split_account(a.name);
    p["username"] = user;
    p["domain"] = domain;
    auto pw = password_from(a, true, "New password for " + a.name + ": ");
    if (!pw) {
      r.generated_password = sip::control::generate_password();
      pw = r.generated_password;
    }
    p["password"] = *pw;
  } else if (c == "binding list") {
    r.method = "binding.list";
    if (!a.name.empty()) {
      auto [user, domain] = split_account(a.name);
      p["username"] = user;
      p["domain"] = domain;
      if (cmd.count("--domain") != 0 && a.domain != domain)
        throw UsageError("--domain contradicts " + a.name);
    } else {
      put_text(p, cmd, "--domain", "domain", a.domain);
    }
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "binding rm") {
    r.method = "binding.remove";
    auto [user, domain] = split_account(a.name);
    p["username"] = user;
    p["domain"] = domain;
    put_text(p, cmd, "--contact", "contact", a.contact);
  } else if (c == "call list") {
    r.method = "call.list";
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "call hangup") {
    r.method = "call.hangup";
    p["id"] = a.call_number;
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "call callback") {
    r.method = "call.callback";
    p["first"] = a.name;
    p["second"] = a.destination;
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "call join") {
    r.method = "call.dualtransfer";
    p["first"] = a.call_number;
    p["second"] = a.second_call;
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "call transfer") {
    r.method = "call.blindtransfer";
    p["id"] = a.call_number;
    p["destination"] = a.destination;
    put_text(p, cmd, "--owner", "owner", a.owner);
  } else if (c == "stats" || c == "reload" || c == "export") {
    r.method = c;
    r.output_file = a.output_file;
  } else if (c == "import") {
    r.method = "import";
    json doc = json::parse(read_input(a.input_file), nullptr, false);
    if (doc.is_discarded()) throw UsageError(a.input_file + ": not valid JSON");
    p["document"] = std::move(doc);
    if (a.replace) p["replace"] = true;
    if (a.dry_run) p["dry_run"] = true;
  } else if (c == "console") {
    r.method = "console.subscribe";
    std::string filter;
    for (const auto& w : a.filter_words) filter += (filter.empty() ? "" : " ") + w;
    r.params["filter"] = filter;
    put_text(r.params, cmd, "--owner", "owner", a.owner);
    if (a.queue > 0) r.params["queue"] = a.queue;
  } else if (c == "raw") {
    r.method = a.raw_method;
    if (!a.raw_params.empty()) {
      json params = json::parse(a.raw_params, nullptr, false);
      if (params.is_discarded() || !params.is_object())
        throw UsageError("params: expected a JSON object, e.g. '{\"username\":\"demo\"}'");
      p = std::move(params);
    }
  } else if (!build_plan_request(cmd, a, r)) {
    throw UsageError("unknown command '" + c + "'");
  }
  return r;
}

}  // namespace sipsmith::sipctl
