#include "options.hpp"

#include "common/cli.hpp"
#include "sip/transport/address.hpp"

namespace sipsmith::sipreg {
namespace {

constexpr const char* kExamples = R"(Examples:
  Register once (password from the environment), print a summary:
    SIPREG_PASSWORD=secret sipreg -u alice registrar.example.com
  Keep registered over TLS until Ctrl-C, NDJSON events on stdout:
    sipreg -u alice --password-file ~/.sip-pass --keep --json tls:sip.example.com
  Query the bindings, then remove all of them:
    sipreg -u alice --query sip:example.com;transport=tcp
    sipreg -u alice --unregister-all 192.0.2.10:5080
  Nagios check with thresholds on the response time (milliseconds):
    sipreg -u monitor --password-file /etc/nagios/sip.pass --nagios \
      --warning 200 --critical 1000 udp:192.0.2.10:5060
  Show the REGISTER that would be sent, send nothing:
    sipreg -u alice -e 600 --dry-run [2001:db8::5]:5070

Exit status: 0 success, 1 SIP failure (rejected, authentication failed),
2 usage or local error, 3 network failure or timeout. With --nagios:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.)";

}  // namespace

std::string_view mode_name(Mode m) noexcept {
  switch (m) {
    case Mode::Register: return "register";
    case Mode::Keep: return "keep";
    case Mode::Unregister: return "unregister";
    case Mode::UnregisterAll: return "unregister_all";
    case Mode::Query: return "query";
  }
  return "?";
}

double Options::effective_timeout() const noexcept {
  if (timeout_s >= 0) return timeout_s;
  return mode == Mode::Keep ? 0 : 60;
}

void define_cli(CLI::App& app, Options& o) {
  app.description(
      "Register a SIP user agent at a registrar: once, kept alive until SIGINT/SIGTERM, "
      "unregister one contact or all, or query the bindings.");
  app.footer(kExamples);
  app.set_version_flag("--version", "sipreg " + cli::version());
  app.get_formatter()->column_width(34);

  app.add_option("target", o.target,
                 "Registrar: host, host:port, udp|tcp|tls:host[:port], or a sip:/sips: URI")
      ->required();

  auto* acct = "Account";
  app.add_option("-u,--user", o.user, "User part of the address of record")->group(acct);
  app.add_option("--aor", o.aor, "Address of record (default: sip:USER@<target host>)")
      ->group(acct);
  app.add_option("-a,--auth-user", o.auth_user, "Digest user name (default: USER)")->group(acct);
  app.add_option("-P,--password-file", o.password_file,
                 "Read the password from the first line of FILE ('-': stdin). Otherwise "
                 "$SIPREG_PASSWORD, otherwise a prompt when stdin is a terminal")
      ->group(acct);

  auto* reg = "Registration";
  app.add_option("-e,--expires", o.expires, "Requested expiry in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0u, 0x7fffffffu))
      ->group(reg);
  app.add_option("--contact", o.contact, "Contact URI (default: sip:USER@<local address>)")
      ->group(reg);
  app.add_option("--user-agent", o.user_agent, "User-Agent header value")->group(reg);
  auto* keep = app.add_flag("-k,--keep", o.keep,
                            "Stay registered, refreshing before expiry, until "
                            "SIGINT/SIGTERM (or --timeout); then unregister")
                   ->group(reg);
  auto* unreg =
      app.add_flag("--unregister", o.unregister, "Remove our contact (expires=0)")->group(reg);
  auto* unreg_all =
      app.add_flag("--unregister-all", o.unregister_all, "Remove every binding (Contact: *)")
          ->group(reg);
  auto* query =
      app.add_flag("--query", o.query, "List the bindings (REGISTER without Contact)")->group(reg);
  keep->excludes(unreg)->excludes(unreg_all)->excludes(query);
  unreg->excludes(unreg_all)->excludes(query);
  unreg_all->excludes(query);
  app.add_flag("-n,--dry-run", o.dry_run, "Print the request that would be sent, send nothing")
      ->group(reg);

  auto* net = "Network";
  app.add_option("-t,--transport", o.transport, "Force the transport to the next hop")
      ->check(CLI::IsMember({"udp", "tcp", "tls"}, CLI::ignore_case))
      ->group(net);
  app.add_option("-l,--local", o.local, "Local address for UDP: ADDR or ADDR:PORT ([v6]:PORT)")
      ->group(net);
  app.add_option("--proxy", o.proxy, "Outbound proxy: send there, with Route: <URI;lr>")
      ->group(net);
  app.add_option("--dns-server", o.dns_servers,
                 "DNS server HOST[:PORT] (repeatable; default: system)")
      ->group(net);
  app.add_option("--timeout", o.timeout_s,
                 "Overall bound in seconds (default 60; with --keep: none, and reaching it "
                 "unregisters and exits)")
      ->check(CLI::NonNegativeNumber)
      ->group(net);
  app.add_option("--t1", o.t1_ms,
                 "SIP timer T1 in ms (retransmissions start at T1, give up at 64*T1)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 60000u))
      ->group(net);

  auto* tls = "TLS";
  app.add_option("--ca-file", o.ca_file, "Trust anchors (PEM) for the server certificate")
      ->check(CLI::ExistingFile)
      ->group(tls);
  app.add_flag("--insecure", o.insecure, "Do NOT verify the TLS server certificate (testing only)")
      ->group(tls);
  app.add_option("--tls-name", o.tls_name,
                 "Name the server certificate must carry (default: target host)")
      ->group(tls);

  auto* out = "Output";
  app.add_flag("--json", o.json, "NDJSON events on stdout (state changes, responses, timings)")
      ->group(out);
  app.add_flag("--nagios", o.nagios, "One Nagios status line with perfdata; Nagios exit status")
      ->group(out);
  app.add_option("--warning", o.warning_ms, "--nagios: WARNING above this response time (ms)")
      ->check(CLI::NonNegativeNumber)
      ->group(out);
  app.add_option("--critical", o.critical_ms, "--nagios: CRITICAL above this response time (ms)")
      ->check(CLI::NonNegativeNumber)
      ->group(out);
  app.add_flag("-v,--verbose", o.verbosity,
               "More detail on stderr (repeat: -vv messages, -vvv trace)")
      ->group(out);
}

void finish_options(const CLI::App& app, Options& o) {
  if (o.keep) o.mode = Mode::Keep;
  if (o.unregister) o.mode = Mode::Unregister;
  if (o.unregister_all) o.mode = Mode::UnregisterAll;
  if (o.query) o.mode = Mode::Query;

  if (o.user.empty() && o.aor.empty()) throw UsageError("--user or --aor is required");
  if ((o.mode == Mode::Register || o.mode == Mode::Keep) && o.expires == 0)
    throw UsageError("--expires 0 registers nothing: use --unregister");
  if (o.nagios && o.json) throw UsageError("--nagios and --json exclude each other");
  if (o.nagios && (o.mode == Mode::Keep || o.dry_run))
    throw UsageError("--nagios needs a one-shot operation (not --keep or --dry-run)");
  if (!o.nagios && (app.count("--warning") || app.count("--critical")))
    throw UsageError("--warning and --critical apply to --nagios only");
  if (o.critical_ms > 0 && o.warning_ms > o.critical_ms)
    throw UsageError("--warning must not exceed --critical");
  if (!o.local.empty() && !sip::transport::SocketAddress::parse(o.local, 0))
    throw UsageError("--local: not an IP address or ADDR:PORT: " + o.local);
  for (const std::string& s : o.dns_servers)
    if (!sip::transport::SocketAddress::parse(s, 53))
      throw UsageError("--dns-server: not an IP address or ADDR:PORT: " + s);
  if (o.insecure && !o.ca_file.empty())
    throw UsageError("--insecure and --ca-file exclude each other");
}

}  // namespace sipsmith::sipreg
