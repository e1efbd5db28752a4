// sipctl's provider, dialplan and cdr subcommands: their flags and the
// control request each one sends (method names and params as in
// docs/control-protocol.md). Provider passwords come from -P FILE or
// $SIPCTL_PASSWORD, never from the command line. `dialplan test` checks its
// outcome table here (dialplan-test's format and parser) before sending it.
#include "options.hpp"
#include "sip/control/sim_inputs.hpp"

namespace sipsmith::sipctl {
namespace {

using nlohmann::json;

// list / show / add / set / rm, with the control method names as aliases.
struct Verbs {
  CLI::App* list;
  CLI::App* show;
  CLI::App* add;
  CLI::App* set;
  CLI::App* rm;
};

Verbs define_verbs(CLI::App* group, const char* what, Args& a) {
  Verbs v;
  v.list = group->add_subcommand("list", std::string("List ") + what + "s");
  v.list->add_option("--owner", a.owner, "Only this customer's");
  v.show = group->add_subcommand("show", std::string("Show one ") + what)->alias("get");
  v.add = group->add_subcommand("add", std::string("Add a ") + what);
  v.set = group->add_subcommand("set", std::string("Change a ") + what)->alias("update");
  v.rm = group->add_subcommand("rm", std::string("Remove a ") + what)->alias("remove");
  for (auto* cmd : {v.show, v.add, v.set, v.rm}) {
    cmd->add_option("name", a.name, "Name (unique per customer, case-insensitive)")->required();
    cmd->add_option("--owner", a.owner, "Owning customer")->required();
  }
  v.set->add_option("--rename", a.new_name, "New name");
  return v;
}

void define_provider(CLI::App& app, Args& a) {
  auto* group = app.add_subcommand("provider", "SIP providers (ITSP accounts) of customers");
  group->require_subcommand(1);
  Verbs v = define_verbs(group, "provider", a);
  for (auto* cmd : {v.add, v.set}) {
    cmd->add_option("-P,--password-file", a.password_file,
                    "Read the provider password from the first line of FILE ('-': stdin); else "
                    "$SIPCTL_PASSWORD");
    cmd->add_option("--server", a.server, "sip:host[:port][;transport=tcp] or host[:port]");
    cmd->add_option("--username", a.username, "Provider user name (default From user)");
    cmd->add_option("--auth-username", a.auth_username, "Digest user name (default --username)");
    cmd->add_option("--outbound-proxy", a.outbound_proxy, "Send requests via this proxy");
    cmd->add_option("--from", a.from, "From header template, e.g. '\"Joe\" <sip:joe@x.net>'");
    cmd->add_option("--custom-headers", a.custom_headers, "'|'-separated 'Name: value' headers");
    cmd->add_option("--register-contact", a.register_contact, "Contact of the registration");
    cmd->add_option("--register-expiry", a.register_expiry, "Registration expiry, 60-86400 s")
        ->check(CLI::Range(60, 86400));
    cmd->add_option("--register-server", a.register_server, "Registrar (default --server)");
    cmd->add_option("--register-realm", a.register_realm, "Digest realm of the registrar");
  }
  v.add->get_option("--server")->required();
  v.add->add_flag("--register", a.flag_register, "Register with the provider");
  v.add->add_flag("--read-only", a.flag_read_only, "Read-only for the customer");
  v.set->add_option("--register", a.register_enabled, "Register with the provider: yes|no");
  v.set->add_option("--read-only", a.read_only, "Read-only for the customer: yes|no");
  auto* status = group->add_subcommand(
      "status", "Registration state of providers with --register (sipproxyd's agent)");
  status->add_option("name", a.name, "Only this provider (needs --owner)");
  status->add_option("--owner", a.owner, "Only this customer's");
}

void define_dialplan(CLI::App& app, Args& a) {
  auto* group = app.add_subcommand("dialplan", "Dial plans (checked when saved)");
  group->require_subcommand(1);
  Verbs v = define_verbs(group, "dial plan", a);
  for (auto* cmd : {v.add, v.set}) {
    cmd->add_option("--type", a.type, "lua|wizard|dialstring")
        ->check(CLI::IsMember({"lua", "wizard", "dialstring"}));
    cmd->add_option("-f,--file", a.file, "Source file ('-': stdin)");
    cmd->add_option("--description", a.description, "Free text");
  }
  v.add->get_option("--file")->required();
  auto* test = group->add_subcommand(
      "test",
      "Dry-run a stored dial plan in the daemon: its real accounts, providers and bindings, a "
      "simulated network and clock (no call placed, no SIP sent, no CDR written)");
  test->add_option("name", a.name, "Dial plan name")->required();
  test->add_option("--owner", a.owner,
                   "Owning customer (default: the owner of --account, else the only customer "
                   "with such a plan)");
  test->add_option("--to", a.to, "Request-URI of the simulated call, e.g. sip:100@sipsmith.test")
      ->required();
  test->add_option(
      "--from", a.from,
      "From value (default: the --account of an out call, else sip:thisis@anonymous.invalid)");
  test->add_option("--direction", a.direction, "in|out (default out)")
      ->check(CLI::IsMember({"in", "out"}));
  test->add_option("--account", a.account,
                   "USER@DOMAIN of the owner: calling (out) or called (in) account");
  test->add_option("--outcomes", a.outcomes_file,
                   "Outcome table JSON FILE, as dialplan-test's ('-': stdin; default: every "
                   "leg gets 480)");
  test->add_option("-H,--header", a.headers, "Extra header 'Name: value' (repeatable)");
  test->add_option("--at", a.at, "Start time: unix seconds or 2024-07-01T09:30:00Z (default: now)");
}

void define_cdr(CLI::App& app, Args& a) {
  auto* group = app.add_subcommand("cdr", "Call detail records");
  group->require_subcommand(1);
  auto* list = group->add_subcommand("list", "List call legs, newest first");
  list->add_option("--owner", a.owner, "Only this customer's");
  list->add_option("--call-id", a.call_id, "Only this Call-ID");
  list->add_option("--bridge-id", a.bridge_id, "Only the legs of this call");
  list->add_option("--since", a.since, "Created at or after (unix ms)")
      ->check(CLI::NonNegativeNumber);
  list->add_option("--until", a.until, "Created before (unix ms)")->check(CLI::NonNegativeNumber);
  list->add_option("--limit", a.limit, "At most N records (default 100, max 10000)")
      ->check(CLI::Range(1, 10000));
}

void put_text(json& p, const CLI::App& cmd, const char* option, const char* key,
              const std::string& value) {
  if (cmd.count(option) != 0) p[key] = value;
}

void put_bool(json& p, const char* key, const std::string& value, const char* option) {
  if (!value.empty()) p[key] = parse_bool(value, option);
}

void provider_request(const CLI::App& cmd, const std::string& verb, const Args& a, json& p) {
  if (verb == "set") put_text(p, cmd, "--rename", "new_name", a.new_name);
  if (verb != "add" && verb != "set") return;
  if (auto pw = password_from(a, false, "")) p["password"] = *pw;
  put_text(p, cmd, "--server", "server", a.server);
  put_text(p, cmd, "--username", "username", a.username);
  put_text(p, cmd, "--auth-username", "auth_username", a.auth_username);
  put_text(p, cmd, "--outbound-proxy", "outbound_proxy", a.outbound_proxy);
  put_text(p, cmd, "--from", "from", a.from);
  put_text(p, cmd, "--custom-headers", "custom_headers", a.custom_headers);
  put_text(p, cmd, "--register-contact", "register_contact", a.register_contact);
  put_text(p, cmd, "--register-server", "register_server", a.register_server);
  put_text(p, cmd, "--register-realm", "register_realm", a.register_realm);
  if (a.register_expiry >= 0) p["register_expiry"] = a.register_expiry;
  if (verb == "add") {
    if (a.flag_register) p["register_enabled"] = true;
    if (a.flag_read_only) p["read_only"] = true;
  } else {
    put_bool(p, "register_enabled", a.register_enabled, "--register");
    put_bool(p, "read_only", a.read_only, "--read-only");
  }
}

void dialplan_request(const CLI::App& cmd, const std::string& verb, const Args& a, json& p) {
  if (verb == "set") put_text(p, cmd, "--rename", "new_name", a.new_name);
  if (verb != "add" && verb != "set") return;
  put_text(p, cmd, "--type", "type", a.type);
  put_text(p, cmd, "--description", "description", a.description);
  if (cmd.count("--file") != 0) p["source"] = read_input(a.file);
}

void dialplan_test_request(const CLI::App& cmd, const Args& a, json& p) {
  p["name"] = a.name;
  put_text(p, cmd, "--owner", "owner", a.owner);
  p["to"] = a.to;
  put_text(p, cmd, "--from", "from", a.from);
  put_text(p, cmd, "--direction", "direction", a.direction);
  put_text(p, cmd, "--account", "account", a.account);
  if (!a.headers.empty()) p["headers"] = a.headers;
  if (cmd.count("--at") != 0) {
    auto t = sip::control::parse_time(a.at);
    if (!t) throw UsageError("--at: unix seconds or a time like 2024-07-01T09:30:00Z");
    p["at"] = *t;
  }
  if (cmd.count("--outcomes") != 0) {
    const std::string name = a.outcomes_file == "-" ? "stdin" : a.outcomes_file;
    const std::string text = read_input(a.outcomes_file);
    sip::dialer::OutcomeTable table;
    try {
      table = sip::control::load_outcomes(name, text);  // file:line:col errors here
    } catch (const sip::control::InputError& e) {
      std::string message = e.what();
      while (!message.empty() && message.back() == '\n') message.pop_back();
      throw UsageError(message);
    }
    // The rows' lines, so the trace names them as dialplan-test does.
    json lines = json::array({table.fallback.line});
    for (const auto& rule : table.rules) lines.push_back(rule.line);
    p["outcome_lines"] = std::move(lines);
    p["outcomes"] = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  }
}

const char* method_verb(const std::string& verb) {
  if (verb == "show") return "get";
  if (verb == "set") return "update";
  if (verb == "rm") return "remove";
  return verb == "add" ? "add" : "list";
}

}  // namespace

void define_plan_commands(CLI::App& app, Args& a) {
  define_provider(app, a);
  define_dialplan(app, a);
  define_cdr(app, a);
}

bool build_plan_request(const CLI::App& cmd, const Args& a, Request& r) {
  const std::string& c = r.command;
  json& p = r.params;
  if (c == "cdr list") {
    r.method = "cdr.list";
    put_text(p, cmd, "--owner", "owner", a.owner);
    put_text(p, cmd, "--call-id", "call_id", a.call_id);
    put_text(p, cmd, "--bridge-id", "bridge_id", a.bridge_id);
    if (a.since >= 0) p["since"] = a.since;
    if (a.until >= 0) p["until"] = a.until;
    if (a.limit > 0) p["limit"] = a.limit;
    return true;
  }
  const auto space = c.find(' ');
  if (space == std::string::npos) return false;
  const std::string group = c.substr(0, space);
  const std::string verb = c.substr(space + 1);
  if (group != "provider" && group != "dialplan") return false;
  if (group == "dialplan" && verb == "test") {
    r.method = "dialplan.test";
    dialplan_test_request(cmd, a, p);
    return true;
  }
  if (group == "provider" && verb == "status") {
    r.method = "provider.status";
    put_text(p, cmd, "--owner", "owner", a.owner);
    put_text(p, cmd, "name", "name", a.name);
    return true;
  }
  r.method = group + "." + method_verb(verb);
  if (verb == "list") {
    put_text(p, cmd, "--owner", "owner", a.owner);
    return true;
  }
  p["owner"] = a.owner;
  p["name"] = a.name;
  if (group == "provider") {
    provider_request(cmd, verb, a, p);
  } else {
    dialplan_request(cmd, verb, a, p);
  }
  return true;
}

}  // namespace sipsmith::sipctl
