#include "run.hpp"

#include <csignal>
#include <iostream>
#include <memory>

#include "answerer.hpp"
#include "common/cli.hpp"
#include "http_page.hpp"
#include "report.hpp"
#include "sip/base/random.hpp"
#include "sip/dns/errors.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/event_loop.hpp"
#include "sip/transport/inbound_relay.hpp"
#include "sip/transport/transport_layer.hpp"
#include "sip/ua/registration.hpp"
#include "sip/ua/target.hpp"
#include "sip/uri/uri.hpp"

namespace sipsmith::rtpdiag {
namespace {

using cli::ExitCode;
using sip::transport::SocketAddress;
using sip::ua::RegFailure;
using sip::ua::RegState;

using sip::transport::InboundRelay;

// The account as a registration: "diag" or "sip:diag@example.com".
struct Account {
  std::string aor, user, registrar_uri, host;
};

Account account_for(const Options& o, const sip::ua::TargetSpec& target) {
  Account a;
  const bool v6 = target.host.find(':') != std::string::npos;
  a.aor =
      !o.aor.empty() ? o.aor : "sip:" + o.user + "@" + (v6 ? "[" + target.host + "]" : target.host);
  if (auto u = sip::uri::parse_uri(a.aor); u && u->is_sip()) {
    a.user = std::string(u->user);
    a.host = u->host.find(':') != std::string::npos ? "[" + std::string(u->host) + "]"
                                                    : std::string(u->host);
    a.registrar_uri = "sip:" + a.host;
  }
  return a;
}

class Runner final : public sip::ua::RegistrationListener {
 public:
  Runner(const Options& o, std::optional<std::string> password)
      : o_(o),
        password_(std::move(password)),
        reporter_(o.json, o.verbosity, std::cout, std::cerr, live_) {}
  ~Runner() override {
    session_.reset();
    resolver_.reset();
    if (transport_) transport_->shutdown();
    txn_.reset();
    answerer_.reset();
    transport_.reset();
  }
  int run();

  // RegistrationListener
  void on_state(RegState state, RegFailure failure, const std::string& detail) override;
  void on_response(const sip::msg::Message&, double) override {}
  void on_bindings(const std::vector<sip::ua::Binding>&) override {}

 private:
  void register_at(const sip::ua::TargetSpec& target, const Account& account);
  void start_session(std::vector<sip::transport::Destination> targets, const Account& account);
  void on_test_done(const TestReport& r);
  void on_signal(int signal);
  void on_deadline();
  // Unregisters first when registered (bounded), then stops the loop.
  void finish(int status);
  void stop_now(int status);

  const Options& o_;
  std::optional<std::string> password_;
  LiveState live_;
  Reporter reporter_;
  // Destroyed in reverse order; the destructor orders the rest.
  sip::transport::EventLoop loop_;
  InboundRelay relay_;
  std::unique_ptr<sip::transport::TransportLayer> transport_;
  std::unique_ptr<Answerer> answerer_;
  std::unique_ptr<sip::txn::TransactionLayer> txn_;
  std::unique_ptr<sip::dns::Resolver> resolver_;
  std::unique_ptr<sip::ua::RegistrationSession> session_;
  std::unique_ptr<HttpPage> http_;
  bool registered_ = false;
  bool finishing_ = false;
  bool interrupted_ = false;  // a signal ended the running test
  std::uint16_t sip_port_ = 0;
  std::string aor_;  // the account, once registering
  std::optional<int> exit_status_;
};

int Runner::run() {
  const SocketAddress listen = *SocketAddress::parse(o_.listen, 5060);
  sip::transport::TransportConfig tc;
  tc.listen.push_back({sip::transport::Kind::Udp, listen});
  transport_ = std::make_unique<sip::transport::TransportLayer>(loop_, std::move(tc), relay_);
  if (auto r = transport_->start(); !r)
    throw UsageError("cannot listen on udp:" + o_.listen + ": " + r.error().detail);
  const SocketAddress local = *transport_->listen_address(sip::transport::Kind::Udp, listen.v6);
  sip_port_ = local.port;

  sip::ua::TargetSpec target;
  Account account;
  if (!o_.registrar.empty()) {
    auto t = sip::ua::parse_target(o_.registrar);
    if (!t) throw UsageError("--register: not a registrar address: " + o_.registrar);
    if (t->kind && *t->kind != sip::transport::Kind::Udp)
      throw UsageError("--register: rtpdiag registers over UDP only");
    target = *t;
    account = account_for(o_, target);
    if (account.user.empty())
      throw UsageError("--user/--aor: not usable as sip:user@domain: " + account.aor);
  }
  std::string user = o_.test_user;
  if (user.empty()) user = account.user.empty() ? "diag-" + sip::random_token(8) : account.user;

  AnswerConfig ac;
  ac.user = user;
  ac.advertise = o_.advertise;
  ac.sip_local = local;
  ac.rtp_first = o_.rtp_first;
  ac.rtp_last = o_.rtp_last;
  ac.duration = std::chrono::milliseconds(static_cast<long>(o_.duration_s * 1000));
  answerer_ = std::make_unique<Answerer>(loop_, ac, reporter_,
                                         [this](const TestReport& r) { on_test_done(r); });
  txn_ = std::make_unique<sip::txn::TransactionLayer>(*transport_, loop_, *answerer_);
  answerer_->set_layer(txn_.get());
  relay_.connect(txn_.get());

  // On a wildcard listener the test address names the address of the
  // default route (towards a documentation address: nothing is sent).
  std::string host = !o_.advertise.empty() ? o_.advertise : local.ip_string();
  if (o_.advertise.empty() && local.is_unspecified()) {
    const auto probe = SocketAddress::parse(local.v6 ? "[2001:db8::1]:9" : "192.0.2.1:9");
    if (std::string towards = local_address_towards(*probe); !towards.empty()) host = towards;
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  const std::string address = account.aor.empty()
                                  ? "sip:" + user + "@" + host + ":" + std::to_string(local.port)
                                  : account.aor;
  std::string http_url;
  if (!o_.http.empty()) {
    http_ = std::make_unique<HttpPage>(live_);
    std::string why;
    if (!http_->start(*SocketAddress::parse(o_.http, 0), why))
      throw UsageError("--http " + o_.http + ": " + why);
    http_url = http_->url();
  }
  const std::string rtp = std::to_string(o_.rtp_first) + "-" + std::to_string(o_.rtp_last);
  reporter_.listening(address, local.to_string(), rtp, http_url);
  if (local.is_unspecified() && o_.advertise.empty())
    reporter_.warning(
        "listening on a wildcard address: the SDP gets the local address towards "
        "each caller; give --advertise behind a port forward");

  loop_.on_signals({SIGINT, SIGTERM}, [this](int s) { on_signal(s); });
  if (const double t = o_.effective_timeout(); t > 0)
    loop_.start(std::chrono::duration_cast<sip::Duration>(std::chrono::duration<double>(t)),
                [this] { on_deadline(); });
  if (!o_.registrar.empty()) loop_.post([this, target, account] { register_at(target, account); });
  loop_.run();
  if (http_) http_->stop();
  return exit_status_.value_or(cli::to_int(ExitCode::Usage));
}

void Runner::register_at(const sip::ua::TargetSpec& target, const Account& account) {
  auto q = sip::dns::make_query(target.host, target.port, sip::transport::Kind::Udp, false);
  if (!q) {
    reporter_.registration("failed", "cannot resolve " + target.uri, account.aor, "", 0);
    return stop_now(cli::to_int(ExitCode::Usage));
  }
  if (auto n = sip::dns::numeric_target(*q)) {
    sip::transport::Destination d;
    d.kind = n->kind;
    d.address = n->address;
    return start_session({d}, account);
  }
  try {
    resolver_ = std::make_unique<sip::dns::Resolver>(
        sip::dns::ResolverOptions{},
        [this](std::function<void()> fn) { loop_.post(std::move(fn)); });
  } catch (const std::exception& e) {
    reporter_.registration("failed", std::string("DNS resolver: ") + e.what(), account.aor, "", 0);
    return stop_now(cli::to_int(ExitCode::Usage));
  }
  resolver_->resolve(std::move(*q), [this, account](sip::Result<std::vector<sip::dns::Target>> r) {
    if (!r || r->empty()) {
      reporter_.registration("failed", "cannot resolve the registrar", account.aor, "", 0);
      return stop_now(cli::to_int(ExitCode::Network));
    }
    std::vector<sip::transport::Destination> targets;
    for (const auto& t : *r)
      if (t.kind == sip::transport::Kind::Udp) targets.push_back({t.kind, t.address, 0, {}});
    start_session(std::move(targets), account);
  });
}

void Runner::start_session(std::vector<sip::transport::Destination> targets,
                           const Account& account) {
  sip::ua::RegistrationConfig rc;
  rc.aor = account.aor;
  rc.registrar_uri = account.registrar_uri;
  rc.targets = std::move(targets);
  rc.expires = o_.expires;
  rc.user_agent = "sipsmith-rtpdiag/" + cli::version();
  // Behind a port forward the registrar must reach the advertised address;
  // otherwise the session's default (the local address towards it) is right.
  if (!o_.advertise.empty()) {
    const bool v6 = o_.advertise.find(':') != std::string::npos;
    rc.contact = "sip:" + account.user + "@" + (v6 ? "[" + o_.advertise + "]" : o_.advertise) +
                 ":" + std::to_string(sip_port_);
  }
  if (password_) {
    const std::string auth_user = o_.auth_user.empty() ? account.user : o_.auth_user;
    rc.credentials = sip::auth::Credentials::with_password(auth_user, *password_);
  }
  live_.set_status("registering");
  aor_ = account.aor;
  session_ = std::make_unique<sip::ua::RegistrationSession>(*txn_, *transport_, loop_,
                                                            std::move(rc), *this);
  session_->start_register(true);
}

void Runner::on_state(RegState state, RegFailure failure, const std::string& detail) {
  if (!session_) return;
  const std::string name(sip::ua::reg_state_name(state));
  if (state == RegState::Registered && !registered_) {
    registered_ = true;
    reporter_.registration(name, detail, aor_, session_->contact(), session_->granted_expires());
    live_.set_status("waiting");
    return;
  }
  if (state == RegState::Unregistered && finishing_) {
    reporter_.registration(name, detail, aor_, session_->contact(), 0);
    return stop_now(exit_status_.value_or(0));
  }
  if (state == RegState::Failed) {
    const bool ever = registered_;
    registered_ = false;
    reporter_.registration(
        name,
        std::string(sip::ua::reg_failure_name(failure)) + (detail.empty() ? "" : ": " + detail),
        aor_, session_->contact(), 0);
    if (finishing_) return stop_now(exit_status_.value_or(0));
    // Refused outright: no call can reach us. Later failures are retried
    // by the session (--keep keeps serving direct calls meanwhile).
    if (!ever) {
      const bool refused = failure == RegFailure::Rejected || failure == RegFailure::AuthFailed;
      return finish(cli::to_int(refused ? ExitCode::Failure : ExitCode::Network));
    }
  }
}

void Runner::on_test_done(const TestReport& r) {
  reporter_.report(r);
  if (interrupted_) return;  // on_signal decides the status
  if (!o_.keep) return finish(cli::to_int(exit_code_for(r.verdict)));
  reporter_.waiting();
}

void Runner::on_signal(int signal) {
  if (finishing_) return stop_now(exit_status_.value_or(cli::to_int(ExitCode::Usage)));
  const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  interrupted_ = true;
  if (answerer_->busy()) answerer_->abort(std::string("interrupted by ") + name);
  // --keep ends as asked; a one-shot test cut short is a local error.
  finish(o_.keep ? 0 : cli::to_int(ExitCode::Usage));
}

void Runner::on_deadline() {
  if (finishing_) return;
  if (answerer_->busy()) {
    answerer_->abort("timeout");
    if (finishing_) return;
  }
  if (o_.keep) return finish(0);
  TestReport none;
  none.verdict = sip::rtp::Verdict::NoCall;
  reporter_.report(none);
  finish(cli::to_int(ExitCode::Network));
}

void Runner::finish(int status) {
  if (finishing_) return;
  finishing_ = true;
  exit_status_ = status;
  if (!session_ || !registered_) return stop_now(status);
  // Unregister, bounded by the transaction timeout.
  loop_.start(txn_->config().timeout() + std::chrono::seconds(1),
              [this] { stop_now(*exit_status_); });
  session_->unregister();
}

void Runner::stop_now(int status) {
  if (!exit_status_ || !finishing_) exit_status_ = status;
  finishing_ = true;
  if (session_) session_->stop();
  loop_.stop();
}

}  // namespace

int run(const Options& o, std::optional<std::string> password) {
  Runner runner(o, std::move(password));
  return runner.run();
}

}  // namespace sipsmith::rtpdiag
