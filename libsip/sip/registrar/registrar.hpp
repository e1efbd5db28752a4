// The registrar (RFC 3261 section 10.3, RFC 5626 instance ids, RFC 8760
// digest) for the accounts in the Directory: digest challenge/verify with
// stateless nonces, expiry policy (423 Min-Expires, maximum, per-User-Agent
// caps), Contact: * removal, a per-account binding limit that evicts the
// OLDEST binding, NAT-aware bindings (source address, transport, flow and a
// mangled contact), keep-alives per binding (CRLF, OPTIONS, none), expiry on
// time (also after a restart). Failed authentications are reported to the
// engine's SourceGuard (blocked sources never reach the registrar: the
// engine refuses them at intake).
// A 200 OK to a REGISTER that adds, changes or removes a binding is sent only
// after the change is durable (Persistence reports back), so an acknowledged
// binding survives kill -9. A refresh that only moves a binding's expiry (and
// its Call-ID/CSeq) is offered to Persistence::save_behind and, when taken,
// answered at once: a crash may then lose the refreshes of the persistence's
// write-behind window (the binding comes back with its previous expiry).
// Thread-safety: core thread only. The TransactionLayer, Sender, TimerService,
// Directory, Persistence, NonceService and SourceGuard must outlive the
// Registrar.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/nonce_service.hpp"
#include "sip/auth/server_algorithms.hpp"
#include "sip/base/clock.hpp"
#include "sip/base/result.hpp"
#include "sip/base/timer.hpp"
#include "sip/directory/directory.hpp"
#include "sip/policy/source_guard.hpp"
#include "sip/store/types.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/transport.hpp"

namespace sip::event {
class Bus;
}

namespace sip::registrar {

// A rule for phones whose User-Agent matches `pattern` (RE2, partial
// match). Each setting comes from the first matching rule that has it; a
// setting no matching rule has comes from Config.
struct UserAgentRule {
  std::string pattern;
  std::optional<std::chrono::seconds> max_expires;  // caps the granted expiry
  auth::AlgorithmList algorithms;  // digest algorithms offered and accepted; empty: not set
};

struct Config {
  std::chrono::seconds min_expires{60};  // 0 < requested < min -> 423 + Min-Expires
  std::chrono::seconds max_expires{3600};
  std::chrono::seconds default_expires{3600};  // no expires param nor header
  std::vector<UserAgentRule> user_agent_rules;
  std::size_t max_bindings = 10;  // per account; beyond it the oldest binding goes
  std::chrono::seconds keepalive_interval{30};
  // Digest algorithms, one WWW-Authenticate each in this order; credentials
  // with another algorithm are not accepted (the request is challenged
  // again). MD5 only by default, so that every common phone registers:
  // baresip 1.0 (libre) gives up when ANY challenge names an algorithm
  // other than MD5, sipsak 0.9.8 answers only the first, linphone 5.1 the
  // first it knows. A User-Agent rule or the account's own list replaces it
  // (see digest_algorithms()); README "Phones and digest algorithms".
  auth::AlgorithmList algorithms{auth::Algorithm::Md5};
  // The digest-uri must equal the Request-URI (RFC 2617 3.2.2.5). Off by
  // default: many UAs (SIPp among them) put the server's address there, and
  // the per-nonce nc tracking already refuses replays; any sip/sips URI is
  // then accepted (the digest still covers it).
  bool strict_digest_uri = false;
  std::string server_name = "sipsmith";  // Server header
};

// Why a binding went away (events, logs, the binding.remove command).
enum class RemovalReason : std::uint8_t {
  ClientExpiredSpecific,  // Expires 0 on that contact
  ClientExpiredAll,       // Contact: *
  Expired,                // not refreshed in time
  ExceededPerUserLimit,   // evicted as the oldest
  KeepAliveFailed,        // OPTIONS unanswered / flow gone
  FlowClosed,             // the TCP/TLS connection it was registered over closed
  Administrative,         // control command, account removed or disabled
};
const char* removal_reason_name(RemovalReason r) noexcept;

// Durable storage of binding changes (the engine runs them through the
// store's WriteQueue). `done` runs on the core thread with the outcome.
class Persistence {
 public:
  virtual ~Persistence() = default;
  virtual void save(const store::Binding& binding, std::function<void(Result<void>)> done) = 0;
  virtual void erase(store::Id account_id, const std::string& contact_key,
                     std::function<void(Result<void>)> done) = 0;
  // Offers a refresh that changes only expires, updated, call_id and cseq of
  // a stored binding for writing later. true: taken (nobody waits for it; a
  // later save() or erase() of the same binding supersedes it); false: this
  // Persistence writes through only, the caller uses save() and waits.
  virtual bool save_behind(const store::Binding& binding) {
    (void)binding;
    return false;
  }
};

// A binding change for observers (event bus, logs, tests).
struct BindingEvent {
  enum class Kind : std::uint8_t { Added, Refreshed, Removed } kind;
  store::Binding binding;
  RemovalReason reason = RemovalReason::Expired;  // for Removed
};

struct Stats {
  std::uint64_t registers = 0;        // REGISTER requests handled
  std::uint64_t ok = 0;               // answered 200
  std::uint64_t challenged = 0;       // answered 401
  std::uint64_t auth_failures = 0;    // bad credentials / unknown user (403)
  std::uint64_t stale = 0;            // 401 stale=true
  std::uint64_t rejected = 0;         // other 4xx/5xx
  std::uint64_t blocked_sources = 0;  // sources the SourceGuard blocks now
  std::uint64_t bindings = 0;         // current bindings
  std::uint64_t expired = 0;          // bindings removed by expiry
  std::uint64_t evicted = 0;          // bindings removed by the per-account limit
  std::uint64_t keepalives_sent = 0;
  std::uint64_t keepalive_failures = 0;
  std::uint64_t persist_failures = 0;
};

class Registrar {
 public:
  // `wall` gives unix time for Binding times; `timers` drives expiry and
  // keep-alives; OPTIONS keep-alives go through `layer`, CRLF ones through
  // `sender` on the binding's flow. Failed authentications are counted in
  // `guard` (null: not counted).
  Registrar(txn::TransactionLayer& layer, transport::Sender& sender, TimerService& timers,
            const Clock& wall, const directory::Directory& directory, Persistence& persistence,
            const auth::NonceService& nonces, Config config, policy::SourceGuard* guard = nullptr);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  // Applies a new config (reload); existing bindings keep their expiry.
  // bad_config when a User-Agent pattern does not compile.
  Result<void> reconfigure(Config config);
  // Loads bindings read from the store at start: expired ones are erased
  // through Persistence, the rest get expiry timers (and keep-alives sent
  // through a listener, since flows do not survive a restart).
  void restore(std::vector<store::Binding> bindings);

  // A REGISTER whose request-URI or To host is a served domain (the caller
  // checks the method). Always answers `txn`, possibly later.
  void on_register(txn::ServerTransaction txn, transport::Inbound&& in);
  // A TCP/TLS flow closed: the bindings registered through it go (a phone
  // behind NAT cannot be reached without it; it registers again on a new
  // connection). Bindings of a REGISTER still being stored go after it.
  void on_flow_closed(transport::FlowId flow);
  // The digest algorithms challenged and accepted for `account` (null: an
  // unknown user) sending `user_agent`, in order: the account's own list
  // when it has one, else that of the first User-Agent rule with one, else
  // Config::algorithms. The B2BUA's INVITE challenges use it too.
  auth::AlgorithmList digest_algorithms(const store::SipAccount* account,
                                        std::string_view user_agent) const;

  std::vector<store::Binding> bindings(store::Id account_id) const;
  // Where to send a call for each binding of an account: the binding and the
  // destination (the REGISTER's source, transport and flow, so requests
  // reach phones behind NAT through the pinhole they opened).
  struct CallTarget {
    store::Binding binding;
    transport::Destination destination;
  };
  std::vector<CallTarget> call_targets(store::Id account_id) const;
  std::vector<store::Binding> all_bindings() const;
  // Removes one binding (by contact key) or all of an account's; not_found
  // when there was nothing to remove.
  Result<void> remove(store::Id account_id, const std::string& contact_key, RemovalReason why);
  Result<void> remove_all(store::Id account_id, RemovalReason why);

  void set_observer(std::function<void(const BindingEvent&)> observer);
  // Console events (registrations, binding changes); null: none.
  void set_events(event::Bus* bus);
  const Stats& stats() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::registrar
