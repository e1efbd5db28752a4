// A client registration (RFC 3261 section 10.2): register a Contact for an
// address of record, refresh it before it expires, answer digest challenges
// once (AuthSession), follow 423 Min-Expires, query the bindings, unregister
// one contact or all ("*"), and fail over across the registrar's targets
// (RFC 3263 4.3) on timeout or transport error. Every state change, response
// and binding list is reported to a Listener. sipreg and the daemon's
// provider registration agent both drive this class.
// Thread-safety: core thread only. The TransactionLayer, Sender and
// TimerService must outlive the session.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/base/timer.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/transport.hpp"
#include "sip/ua/auth_retry.hpp"

namespace sip::ua {

struct RegistrationConfig {
  std::string aor;            // To/From URI, e.g. "sip:alice@example.com"
  std::string registrar_uri;  // Request-URI, e.g. "sip:example.com"
  // Where to send, in failover order (resolved by the caller, RFC 3263).
  std::vector<transport::Destination> targets;
  std::vector<std::string> route;  // Route header values (outbound proxy)
  // Contact URI; empty: "sip:<user>@<local address>:<port>[;transport=tcp|tls]".
  std::string contact;
  // Contact header parameters after the URI, e.g. ";+sip.instance=\"<urn:uuid:...>\""
  // (RFC 5626 4.1); empty: none.
  std::string contact_params;
  std::uint32_t expires = 3600;
  std::optional<auth::Credentials> credentials;
  std::string user_agent = "sipsmith";
  int max_interval_retries = 2;  // 423 Min-Expires rounds
};

enum class RegState : std::uint8_t {
  Idle,
  Registering,
  Registered,
  Refreshing,
  Querying,
  Unregistering,
  Unregistered,
  Failed
};
std::string_view reg_state_name(RegState s) noexcept;

// Why a registration failed: mapped to exit codes by sipreg.
enum class RegFailure : std::uint8_t { None, Rejected, AuthFailed, Timeout, Network, Local };
std::string_view reg_failure_name(RegFailure f) noexcept;

struct Binding {
  std::string contact;        // the Contact URI as the registrar returned it
  std::uint32_t expires = 0;  // remaining seconds the registrar granted
  bool ours = false;          // equal (RFC 3261 19.1.4) to our Contact
};

class RegistrationListener {
 public:
  virtual ~RegistrationListener() = default;
  virtual void on_state(RegState state, RegFailure failure, const std::string& detail) = 0;
  // A response: status, reason, and milliseconds since the request went out.
  virtual void on_response(const msg::Message& response, double elapsed_ms) = 0;
  virtual void on_request(const std::string& /*bytes*/, const transport::Destination& /*to*/) {}
  virtual void on_bindings(const std::vector<Binding>& bindings) = 0;
  // `failed` timed out, failed at the transport or answered 503; the same
  // request goes to `next` now (RFC 3263 4.3).
  virtual void on_failover(const transport::Destination& /*failed*/,
                           const transport::Destination& /*next*/, const std::string& /*why*/) {}
};

class RegistrationSession {
 public:
  RegistrationSession(txn::TransactionLayer& layer, transport::Sender& sender, TimerService& timers,
                      RegistrationConfig config, RegistrationListener& listener);
  ~RegistrationSession();
  RegistrationSession(const RegistrationSession&) = delete;
  RegistrationSession& operator=(const RegistrationSession&) = delete;

  // Registers the Contact; with `keep`, refreshes before each expiry until
  // unregister() or stop().
  void start_register(bool keep);
  void unregister();      // our Contact with expires=0
  void unregister_all();  // Contact: * with Expires: 0
  void query();           // REGISTER without Contact: lists the bindings
  void stop();            // cancels refresh timers and pending work

  RegState state() const noexcept { return state_; }
  std::uint32_t granted_expires() const noexcept { return granted_; }
  const std::string& contact() const noexcept { return contact_; }
  // The flow and addresses the last request went out through (kind, local
  // and remote address, flow id); default-constructed before the first.
  const transport::Origin& origin() const noexcept { return origin_; }
  // The target requests go to now (failover moves it on); null when the
  // config has none.
  const transport::Destination* target() const noexcept {
    return target_ < config_.targets.size() ? &config_.targets[target_] : nullptr;
  }
  // Renders the request the next start_register() (or, with `op`, another
  // operation) would send, without sending anything, for --dry-run. The
  // local address is the one a UDP socket towards the target gets; for TCP
  // and TLS no connection is opened and the local port is left out.
  enum class Preview : std::uint8_t { Register, Unregister, UnregisterAll, Query };
  void render(Preview op, std::function<void(Result<std::string>)> done);

 private:
  enum class Op { Register, Refresh, Unregister, UnregisterAll, Query };
  void begin(Op op);
  void open_and_send();
  Result<msg::Message> build_request(const transport::Origin& via_from);
  void send(msg::Message request);
  void on_final(const msg::Message& response);
  void on_failed(RegFailure f, const std::string& detail, bool try_next_target);
  void set_state(RegState s, RegFailure f = RegFailure::None, const std::string& detail = {});
  void schedule_refresh();
  std::vector<Binding> bindings_of(const msg::Message& response) const;

  txn::TransactionLayer& layer_;
  transport::Sender& sender_;
  TimerService& timers_;
  RegistrationConfig config_;
  RegistrationListener& listener_;
  AuthSession auth_;
  RegState state_ = RegState::Idle;
  Op op_ = Op::Register;
  bool keep_ = false;
  std::size_t target_ = 0;
  std::uint32_t expires_;  // what we ask for (423 may raise it)
  std::uint32_t granted_ = 0;
  int interval_retries_ = 0;
  std::uint32_t cseq_ = 0;
  std::string call_id_, from_tag_, contact_;
  transport::Origin origin_;
  std::optional<msg::Message> last_request_;
  TimePoint sent_at_{};
  TimerId refresh_timer_ = 0;
  std::optional<txn::ClientId> pending_;
  // Bumped by begin() and stop(): a flow callback of an older operation
  // (e.g. a TCP connect that completes after stop()) is ignored.
  std::uint64_t generation_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sip::ua
