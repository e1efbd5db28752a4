#include "options.hpp"

#include <charconv>

#include "common/cli.hpp"
#include "sip/sdp/sdp.hpp"
#include "sip/transport/address.hpp"

namespace sipsmith::rtpdiag {
namespace {

constexpr const char* kExamples = R"(Examples:
  Wait for one test call on 192.0.2.10:5060 and print the report as NDJSON:
    rtpdiag --listen 192.0.2.10:5060 --once --json
  Behind a port forward: advertise the public address, RTP on ports 30000-30099:
    rtpdiag --listen 0.0.0.0:5060 --advertise 203.0.113.5 --rtp-ports 30000-30099
  Register as account diag at your service and serve tests until Ctrl-C,
  with a live page on port 8080 (password from RTPDIAG_PASSWORD):
    RTPDIAG_PASSWORD=secret rtpdiag --register sip.example.com -u diag --keep \
      --http 0.0.0.0:8080
  Then call the printed address (or the account) from the phone under test:
  rtpdiag answers, exchanges RTP for --duration seconds, hangs up and reports.

Verdicts: match (RTP came from where the SDP leads to expect and RTP sent
back raised no error), mismatch (RTP came from another socket), no_rtp,
unreachable (RTP sent back to the caller's real source failed), no_call.

Exit status: 0 audio would flow both ways (match), 1 a problem found
(mismatch, no_rtp, unreachable, registration refused), 2 usage or local
error, 3 no call within --timeout or a network error.)";

}  // namespace

double Options::effective_timeout() const noexcept {
  if (timeout_s >= 0) return timeout_s;
  return keep ? 0 : 300;
}

void define_cli(CLI::App& app, Options& o) {
  app.description(
      "RTP/NAT diagnostics: answer a test call, exchange RTP, and report where the caller's "
      "RTP was expected from, where it came from, and whether RTP sent back gets through.");
  app.footer(kExamples);
  app.set_version_flag("--version", "rtpdiag " + cli::version());
  app.get_formatter()->column_width(34);

  auto* net = "Network";
  app.add_option("-l,--listen", o.listen, "SIP over UDP: ADDR or ADDR:PORT ([v6]:PORT)")
      ->capture_default_str()
      ->group(net);
  app.add_option("--advertise", o.advertise,
                 "IP address put in our SDP and Contact (default: the listen address, or "
                 "the local address towards the caller)")
      ->group(net);
  app.add_option("--rtp-ports", o.rtp_ports,
                 "RTP port range FIRST-LAST (an even port for RTP, the next for RTCP)")
      ->capture_default_str()
      ->group(net);

  auto* test = "Test";
  app.add_option("--test-user", o.test_user,
                 "User part of the test address (default: the account, else diag-<random>)")
      ->group(test);
  app.add_option("-d,--duration", o.duration_s, "Seconds of RTP exchange before we hang up")
      ->capture_default_str()
      ->check(CLI::Range(0.2, 3600.0))
      ->group(test);
  auto* once =
      app.add_flag("--once", o.once, "One test, then exit with its verdict (default)")->group(test);
  auto* keep =
      app.add_flag("-k,--keep", o.keep, "Serve test after test until SIGINT/SIGTERM")->group(test);
  once->excludes(keep);
  app.add_option("--timeout", o.timeout_s,
                 "Seconds to wait for a call (default 300; with --keep: none)")
      ->check(CLI::NonNegativeNumber)
      ->group(test);

  auto* acct = "Registration";
  app.add_option("--register", o.registrar,
                 "Register at this registrar (host, host:port, udp:host:port or a sip: URI) "
                 "so the test address is your account")
      ->group(acct);
  app.add_option("-u,--user", o.user, "Account user (address of record sip:USER@<registrar host>)")
      ->group(acct);
  app.add_option("--aor", o.aor, "Account's address of record, e.g. sip:diag@example.com")
      ->group(acct);
  app.add_option("-a,--auth-user", o.auth_user, "Digest user name (default: the account's user)")
      ->group(acct);
  app.add_option("-P,--password-file", o.password_file,
                 "Read the password from the first line of FILE ('-': stdin). Otherwise "
                 "$RTPDIAG_PASSWORD, otherwise a prompt when stdin is a terminal")
      ->group(acct);
  app.add_option("-e,--expires", o.expires, "Requested registration expiry in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1u, 0x7fffffffu))
      ->group(acct);

  auto* out = "Output";
  app.add_option("--http", o.http, "Serve a live page with the address and report on ADDR:PORT")
      ->group(out);
  app.add_flag("--json", o.json, "NDJSON events on stdout")->group(out);
  app.add_flag("-v,--verbose", o.verbosity,
               "More detail on stderr (repeat: -vv messages, -vvv trace)")
      ->group(out);
}

void finish_options(Options& o) {
  if (!sip::transport::SocketAddress::parse(o.listen, 5060))
    throw UsageError("--listen: not an IP address or ADDR:PORT: " + o.listen);
  if (!o.advertise.empty() && !sip::sdp::is_ipv4_address(o.advertise) &&
      !sip::sdp::is_ipv6_address(o.advertise))
    throw UsageError("--advertise: not a numeric IP address: " + o.advertise);
  const auto dash = o.rtp_ports.find('-');
  unsigned first = 0, last = 0;
  const char* s = o.rtp_ports.data();
  const char* e = s + o.rtp_ports.size();
  const bool ok = dash != std::string::npos &&
                  std::from_chars(s, s + dash, first).ptr == s + dash &&
                  std::from_chars(s + dash + 1, e, last).ptr == e;
  if (!ok || first < 1024 || last > 65534 || first > last || (first % 2 != 0 && first == last))
    throw UsageError("--rtp-ports: want FIRST-LAST within 1024-65534 holding an even port: " +
                     o.rtp_ports);
  o.rtp_first = static_cast<std::uint16_t>(first);
  o.rtp_last = static_cast<std::uint16_t>(last);
  if (o.registrar.empty() &&
      (!o.user.empty() || !o.aor.empty() || !o.auth_user.empty() || !o.password_file.empty()))
    throw UsageError("--user, --aor, --auth-user and --password-file need --register");
  if (!o.registrar.empty() && o.user.empty() && o.aor.empty())
    throw UsageError("--register needs --user or --aor");
  if (!o.user.empty() && !o.aor.empty()) throw UsageError("--user and --aor exclude each other");
  if (!o.http.empty() && !sip::transport::SocketAddress::parse(o.http, 0))
    throw UsageError("--http: want ADDR:PORT, e.g. 127.0.0.1:8080: " + o.http);
  if (!o.http.empty() && sip::transport::SocketAddress::parse(o.http, 0)->port == 0)
    throw UsageError("--http: give a port, e.g. 127.0.0.1:8080");
}

}  // namespace sipsmith::rtpdiag
