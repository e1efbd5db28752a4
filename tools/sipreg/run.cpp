#include "run.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>

#include "responder.hpp"
#include "sip/base/log.hpp"
#include "sip/dns/errors.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/event_loop.hpp"
#include "sip/transport/inbound_relay.hpp"
#include "sip/transport/transport_layer.hpp"

namespace sipsmith::sipreg {
namespace {

using cli::ExitCode;
using sip::ua::RegFailure;
using sip::ua::RegState;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

ExitCode exit_code_for(RegFailure f) {
  switch (f) {
    case RegFailure::None: return ExitCode::Ok;
    case RegFailure::Rejected:
    case RegFailure::AuthFailed: return ExitCode::Failure;
    case RegFailure::Timeout:
    case RegFailure::Network: return ExitCode::Network;
    case RegFailure::Local: return ExitCode::Usage;
  }
  return ExitCode::Usage;
}

using sip::transport::InboundRelay;

class Runner final : public sip::ua::RegistrationListener {
 public:
  Runner(const Options& o, Plan plan, std::optional<std::string> password, Reporter& reporter);
  ~Runner() override;
  int run();

  // RegistrationListener
  void on_state(RegState state, RegFailure failure, const std::string& detail) override;
  void on_response(const sip::msg::Message& response, double elapsed_ms) override;
  void on_request(const std::string& bytes, const sip::transport::Destination& to) override;
  void on_bindings(const std::vector<sip::ua::Binding>& bindings) override;
  void on_failover(const sip::transport::Destination& failed,
                   const sip::transport::Destination& next, const std::string& why) override {
    reporter_.failover(failed, next, why);
  }

 private:
  void setup_transport();
  void resolve();
  void start(std::vector<sip::transport::Destination> targets);
  void dry_run();
  void on_signal(int signal);
  void on_deadline();
  void begin_shutdown(const char* why);
  void finish(ExitCode code, std::string outcome, std::string detail = {},
              RegFailure failure = RegFailure::None);

  const Options& o_;
  Plan plan_;
  std::optional<std::string> password_;
  Reporter& reporter_;

  // Destroyed in reverse order: the session before the layer, the layer
  // before the transport, everything before the loop.
  sip::transport::EventLoop loop_;
  InboundRelay relay_;
  std::unique_ptr<sip::transport::TransportLayer> transport_;
  Responder responder_;
  std::unique_ptr<sip::txn::TransactionLayer> txn_;
  std::unique_ptr<sip::dns::Resolver> resolver_;
  std::unique_ptr<sip::ua::RegistrationSession> session_;

  Clock::time_point started_ = Clock::now();
  std::optional<Clock::time_point> first_request_;
  bool operation_running_ = false;  // an operation was started and has no outcome yet
  bool registered_once_ = false;
  bool shutting_down_ = false;
  sip::TimerId grace_timer_ = 0;
  Summary summary_;
  std::optional<int> exit_status_;
};

Runner::Runner(const Options& o, Plan plan, std::optional<std::string> password, Reporter& reporter)
    : o_(o), plan_(std::move(plan)), password_(std::move(password)), reporter_(reporter) {
  summary_.mode = o.mode;
  summary_.aor = plan_.config.aor;
}

Runner::~Runner() {
  session_.reset();
  resolver_.reset();
  if (transport_) transport_->shutdown();
  txn_.reset();
  transport_.reset();
}

void Runner::setup_transport() {
  sip::transport::TransportConfig tc;
  if (plan_.local) tc.listen.push_back({sip::transport::Kind::Udp, *plan_.local});
  tc.tls.ca_file = o_.ca_file;
  tc.tls.verify_peer = !o_.insecure;
  const auto t1 = std::chrono::milliseconds(o_.t1_ms);
  tc.connect_timeout =
      std::clamp<sip::Duration>(64 * t1, std::chrono::seconds(1), std::chrono::seconds(10));
  transport_ = std::make_unique<sip::transport::TransportLayer>(loop_, std::move(tc), relay_);
  if (auto r = transport_->start(); !r)
    throw UsageError(std::string("cannot start the transport") +
                     (plan_.local ? " on " + o_.local : "") + ": " + r.error().detail);
  sip::txn::TimerConfig timers;
  timers.t1 = t1;
  timers.t2 = std::max<sip::Duration>(timers.t2, t1);
  txn_ = std::make_unique<sip::txn::TransactionLayer>(*transport_, loop_, responder_, timers);
  relay_.connect(txn_.get());
}

int Runner::run() {
  setup_transport();
  if (o_.insecure) reporter_.warning("--insecure: the TLS server certificate is NOT verified");
  reporter_.started(plan_.config, o_.target);
  loop_.on_signals({SIGINT, SIGTERM}, [this](int s) { on_signal(s); });
  if (const double t = o_.effective_timeout(); t > 0 && !o_.dry_run) {
    loop_.start(std::chrono::duration_cast<sip::Duration>(std::chrono::duration<double>(t)),
                [this] { on_deadline(); });
  }
  loop_.post([this] { resolve(); });
  loop_.run();
  if (exit_status_) return *exit_status_;
  return reporter_.finish(summary_);
}

void Runner::resolve() {
  if (plan_.numeric) return start({destination_for(*plan_.numeric, o_)});
  sip::dns::ResolverOptions ro;
  ro.nameservers = o_.dns_servers;
  try {
    resolver_ = std::make_unique<sip::dns::Resolver>(
        std::move(ro), [this](std::function<void()> fn) { loop_.post(std::move(fn)); });
  } catch (const std::exception& e) {
    return finish(ExitCode::Usage, "failed", std::string("DNS resolver: ") + e.what(),
                  RegFailure::Local);
  }
  const auto begun = Clock::now();
  resolver_->resolve(plan_.next_hop, [this, begun](sip::Result<std::vector<sip::dns::Target>> r) {
    if (!r) {
      const auto f = sip::dns::failure_of(r.error());
      const std::string detail = "cannot resolve " + plan_.next_hop.host + ": " +
                                 sip::dns::failure_name(f) + " (" + r.error().detail + ")";
      return finish(f == sip::dns::Failure::BadInput ? ExitCode::Usage : ExitCode::Network,
                    "unresolved", detail, RegFailure::Network);
    }
    std::vector<sip::transport::Destination> targets;
    for (const auto& t : *r) targets.push_back(destination_for(t, o_));
    reporter_.resolved(targets, ms_since(begun));
    start(std::move(targets));
  });
}

void Runner::start(std::vector<sip::transport::Destination> targets) {
  if (targets.empty())
    return finish(ExitCode::Network, "unresolved", "no usable target", RegFailure::Network);
  if (plan_.local) {
    const bool any_stream = std::any_of(targets.begin(), targets.end(), [](const auto& t) {
      return t.kind != sip::transport::Kind::Udp;
    });
    const bool other_family = std::any_of(targets.begin(), targets.end(), [this](const auto& t) {
      return t.kind == sip::transport::Kind::Udp && t.address.v6 != plan_.local->v6;
    });
    if (any_stream)
      reporter_.warning(
          "--local applies to UDP only; TCP/TLS connections use the kernel's source address");
    if (other_family)
      reporter_.warning(
          "--local is not of the target's address family; a UDP target of the other family "
          "gets an ephemeral socket");
  }
  sip::ua::RegistrationConfig config = plan_.config;
  config.targets = std::move(targets);
  if (password_)
    config.credentials = sip::auth::Credentials::with_password(plan_.auth_user, *password_);
  session_ = std::make_unique<sip::ua::RegistrationSession>(*txn_, *transport_, loop_,
                                                            std::move(config), *this);
  if (o_.dry_run) return dry_run();
  operation_running_ = true;
  switch (o_.mode) {
    case Mode::Register: session_->start_register(false); break;
    case Mode::Keep: session_->start_register(true); break;
    case Mode::Unregister: session_->unregister(); break;
    case Mode::UnregisterAll: session_->unregister_all(); break;
    case Mode::Query: session_->query(); break;
  }
}

void Runner::dry_run() {
  using Preview = sip::ua::RegistrationSession::Preview;
  Preview p = Preview::Register;
  if (o_.mode == Mode::Unregister) p = Preview::Unregister;
  if (o_.mode == Mode::UnregisterAll) p = Preview::UnregisterAll;
  if (o_.mode == Mode::Query) p = Preview::Query;
  session_->render(p, [this](sip::Result<std::string> r) {
    if (!r)
      return finish(ExitCode::Usage, "failed", std::string("cannot render: ") + r.error().detail);
    reporter_.rendered(*r);
    exit_status_ = 0;
    loop_.stop();
  });
}

void Runner::on_request(const std::string& bytes, const sip::transport::Destination& to) {
  if (!first_request_) first_request_ = Clock::now();
  summary_.target = describe(to);
  reporter_.request(bytes, to);
}

void Runner::on_response(const sip::msg::Message& response, double elapsed_ms) {
  if (response.status() >= 200) {
    summary_.status = response.status();
    summary_.reason = std::string(response.reason());
  }
  reporter_.response(response, elapsed_ms);
}

void Runner::on_bindings(const std::vector<sip::ua::Binding>& bindings) {
  summary_.bindings = bindings;
  reporter_.bindings(bindings);
}

void Runner::on_state(RegState state, RegFailure failure, const std::string& detail) {
  reporter_.state(state, failure, detail, session_ ? session_->granted_expires() : 0);
  if (!session_) return;
  summary_.contact = session_->contact();
  if (state == RegState::Failed) {
    summary_.failure = failure;
    // --keep: the session retries on its own once we were registered.
    if (o_.mode == Mode::Keep && registered_once_ && !shutting_down_) return;
    const bool timeout = failure == RegFailure::Timeout;
    return finish(exit_code_for(failure), timeout ? "timeout" : "failed", detail, failure);
  }
  if (o_.mode == Mode::Keep && !shutting_down_) {
    if (state == RegState::Registered) {
      registered_once_ = true;
      summary_.expires = session_->granted_expires();
    }
    return;
  }
  switch (state) {
    case RegState::Registered:
      if (o_.mode == Mode::Query) break;
      summary_.expires = session_->granted_expires();
      return finish(ExitCode::Ok, "registered");
    case RegState::Unregistered: summary_.expires = 0; return finish(ExitCode::Ok, "unregistered");
    default: break;
  }
  // A query ends in Idle or Registered.
  if (o_.mode == Mode::Query && (state == RegState::Idle || state == RegState::Registered))
    finish(ExitCode::Ok, "queried");
}

void Runner::begin_shutdown(const char* why) {
  if (shutting_down_) return;
  shutting_down_ = true;
  sip::log(sip::LogLevel::Info, "sipreg", std::string(why) + ": unregistering");
  if (!session_ || !operation_running_) return finish(ExitCode::Usage, "interrupted", why);
  // Unregister: bounded by the transaction timeout and a little more.
  const auto grace = 64 * std::chrono::milliseconds(o_.t1_ms) + std::chrono::seconds(2);
  grace_timer_ = loop_.start(grace, [this] {
    finish(ExitCode::Network, "timeout", "no answer to the unregistration", RegFailure::Timeout);
  });
  session_->unregister();
}

void Runner::on_signal(int signal) {
  const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  if (o_.mode == Mode::Keep && !shutting_down_) return begin_shutdown(name);
  // A second signal, or a one-shot operation: stop now.
  finish(ExitCode::Usage, "interrupted", name);
}

void Runner::on_deadline() {
  if (o_.mode == Mode::Keep) return begin_shutdown("--timeout reached");
  if (session_) session_->stop();
  finish(ExitCode::Network, "timeout",
         "no outcome within --timeout " + std::to_string(o_.effective_timeout()) + " s",
         RegFailure::Timeout);
}

void Runner::finish(ExitCode code, std::string outcome, std::string detail, RegFailure failure) {
  if (exit_status_) return;
  operation_running_ = false;
  if (grace_timer_) loop_.cancel(grace_timer_);
  if (session_) session_->stop();
  summary_.code = code;
  summary_.outcome = std::move(outcome);
  summary_.detail = std::move(detail);
  if (failure != RegFailure::None) summary_.failure = failure;
  if (code == ExitCode::Ok) summary_.failure = RegFailure::None;
  summary_.elapsed_ms = first_request_ ? ms_since(*first_request_) : ms_since(started_);
  exit_status_ = reporter_.finish(summary_);
  loop_.stop();
}

}  // namespace

int run(const Options& o, Plan plan, std::optional<std::string> password, Reporter& reporter) {
  Runner runner(o, std::move(plan), std::move(password), reporter);
  return runner.run();
}

}  // namespace sipsmith::sipreg
